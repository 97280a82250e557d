import type { IncomingMessage } from 'node:http'
import t from 'tap'
import { compileForwarding } from '../../lib/adapters/forwarded.js'
import { resolveHttpBackendOptions, type HttpBackendOptions } from '../../lib/adapters/resolve.js'

function fakeReq(remote: string | undefined, local: string | undefined, headers: Record<string, string> = {}, encrypted = false): IncomingMessage {
  return { socket: { remoteAddress: remote, localAddress: local, encrypted }, headers } as unknown as IncomingMessage
}

function added(options: HttpBackendOptions, req: IncomingMessage): string[] {
  const headers: string[] = ['host', 'a']
  compileForwarding(resolveHttpBackendOptions(options)).append(headers, req)
  return headers.slice(2)
}

t.test('nothing by default', async (t) => {
  const f = compileForwarding(resolveHttpBackendOptions())
  t.equal(f.drop, undefined)
  t.same(added({}, fakeReq('1.2.3.4', '5.6.7.8', { host: 'h' })), [])
})

t.test('forwardfor appends the client address as a new line', async (t) => {
  t.same(added({ forwardFor: true }, fakeReq('::ffff:1.2.3.4', '5.6.7.8', { 'x-forwarded-for': '9.9.9.9' })), ['x-forwarded-for', '1.2.3.4'])
  t.same(added({ forwardFor: {} }, fakeReq('2001:db8::1', '::1')), ['x-forwarded-for', '2001:db8::1'])
})

t.test('forwardfor except skips trusted sources', async (t) => {
  t.same(added({ forwardFor: { except: ['127.0.0.0/8'] } }, fakeReq('127.0.0.1', '127.0.0.1')), [])
  t.same(added({ forwardFor: { except: ['127.0.0.0/8'] } }, fakeReq('10.0.0.1', '127.0.0.1')), ['x-forwarded-for', '10.0.0.1'])
})

t.test('forwardfor header name and if-none', async (t) => {
  t.same(added({ forwardFor: { header: 'X-Client', ifNone: true } }, fakeReq('10.0.0.1', 'x', { 'x-client': '1.1.1.1' })), [])
  t.same(added({ forwardFor: { header: 'X-Client', ifNone: true } }, fakeReq('10.0.0.1', 'x', { 'x-forwarded-for': '1.1.1.1' })), ['x-client', '10.0.0.1'])
})

t.test('a destroyed socket has no address: no header', async (t) => {
  t.same(added({ forwardFor: true, originalTo: true }, fakeReq(undefined, undefined)), [])
})

t.test('originalto adds the destination address, with except', async (t) => {
  t.same(added({ originalTo: true }, fakeReq('10.0.0.1', '::ffff:192.168.1.1')), ['x-original-to', '192.168.1.1'])
  t.same(added({ originalTo: { header: 'X-Dst', except: ['192.168.0.0/16'] } }, fakeReq('10.0.0.1', '192.168.1.1')), [])
  t.same(added({ originalTo: { header: 'X-Dst' } }, fakeReq('10.0.0.1', '192.168.1.1')), ['x-dst', '192.168.1.1'])
})

t.test('X-Forwarded-Proto and -Host replace client values', async (t) => {
  const f = compileForwarding(resolveHttpBackendOptions({ forwardedProto: true, forwardedHost: true }))
  t.same([...f.drop!], ['x-forwarded-proto', 'x-forwarded-host'])
  t.same(added({ forwardedProto: true, forwardedHost: true }, fakeReq('1.1.1.1', '2.2.2.2', { host: 'example.com:8080' })), ['x-forwarded-proto', 'http', 'x-forwarded-host', 'example.com:8080'])
  t.same(added({ forwardedProto: true, forwardedHost: true }, fakeReq('1.1.1.1', '2.2.2.2', {}, true)), ['x-forwarded-proto', 'https'])
  t.same([...compileForwarding(resolveHttpBackendOptions({ forwardedHost: true })).drop!], ['x-forwarded-host'])
})

t.test('invalid except networks are refused when compiling', async (t) => {
  t.throws(() => compileForwarding(resolveHttpBackendOptions({ forwardFor: { except: ['x'] } })), { code: 'SWY_ERR_INVALID_OPTION', details: { field: 'forwardFor.except' } })
  t.throws(() => compileForwarding(resolveHttpBackendOptions({ originalTo: { except: ['x'] } })), { code: 'SWY_ERR_INVALID_OPTION', details: { field: 'originalTo.except' } })
})
