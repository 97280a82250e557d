import t from 'tap'
import net from 'node:net'
import { Duplex } from 'node:stream'
import type { AddressInfo } from 'node:net'
import { classifyClientError, createClientErrorListener } from '../../lib/adapters/client-error.js'
import { BUILTIN_ERROR_PAGES } from '../../lib/adapters/error-pages.js'
import type { HttpLogEntry } from '../../lib/adapters/types.js'
import { createProxy } from '../../lib/proxy.js'
import { echo, upstream } from '../fixtures/http.js'

t.test('classifyClientError: Node codes to HAProxy statuses and termination states', (t) => {
  const table: [string | undefined, number, string][] = [
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'cR'],
    ['HPE_HEADER_OVERFLOW', 431, 'PR'],
    ['HPE_INVALID_METHOD', 400, 'PR'],
    ['HPE_INVALID_TRANSFER_ENCODING', 400, 'PR'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'PR'],
    [undefined, 400, 'PR'],
  ]
  for (const [code, status, termination] of table) t.same(classifyClientError(code), [status, termination], String(code))
  t.end()
})

/** A socket-like duplex recording what is written. */
function fakeSocket(writable: boolean): Duplex & { written: string; destroyedBy: string } {
  const chunks: Buffer[] = []
  const d = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk)
      cb()
    },
  }) as Duplex & { written: string; destroyedBy: string }
  Object.defineProperty(d, 'written', { get: () => Buffer.concat(chunks).toString('latin1') })
  if (!writable) d.end()
  return d
}

t.test('resets and gone clients: destroyed, no answer, no log line, no count', (t) => {
  const logs: HttpLogEntry[] = []
  const counted: number[] = []
  const listener = createClientErrorListener({ pages: BUILTIN_ERROR_PAGES, log: (e) => logs.push(e), stats: { exchange: () => {}, local: (s) => counted.push(s) } })
  const reset = fakeSocket(true)
  listener(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), reset)
  t.equal(reset.destroyed, true)
  t.equal(reset.written, '')
  const gone = fakeSocket(false)
  listener(Object.assign(new Error('bad'), { code: 'HPE_INVALID_METHOD' }), gone)
  t.equal(gone.destroyed, true)
  // Node's rule: a connection that already got (part of) a response gets nothing more.
  const answered = Object.assign(fakeSocket(true), { bytesWritten: 10 })
  listener(Object.assign(new Error('bad'), { code: 'HPE_INVALID_METHOD' }), answered)
  t.equal(answered.destroyed, true)
  t.equal(answered.written, '')
  t.same(logs, [])
  t.same(counted, [])
  t.end()
})

t.test('a throwing log hook does not stop the answer; without a log hook it answers too', (t) => {
  const throwing = createClientErrorListener({ pages: BUILTIN_ERROR_PAGES, log: () => { throw new Error('hook') }, stats: undefined })
  const a = fakeSocket(true)
  throwing(Object.assign(new Error('t'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), a)
  t.match(a.written, /^HTTP\/1\.1 408 Request Time-out\r\n[\s\S]*connection: close\r\n\r\n<html>/)
  const silent = createClientErrorListener({ pages: BUILTIN_ERROR_PAGES, log: undefined, stats: undefined })
  const b = fakeSocket(true)
  silent(new Error('no code'), b)
  t.match(b.written, /^HTTP\/1\.1 400 Bad request\r\n/)
  const logs: HttpLogEntry[] = []
  const counted: number[] = []
  const c = fakeSocket(true)
  createClientErrorListener({ pages: BUILTIN_ERROR_PAGES, log: (e) => logs.push(e), stats: { exchange: () => {}, local: (st, bytes) => counted.push(st, bytes) } })(
    Object.assign(new Error('ext'), { code: 'HPE_CHUNK_EXTENSIONS_OVERFLOW' }),
    c,
  )
  t.equal(c.written, 'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n', "Node's own 413 (no page for it)")
  t.same(logs.map((e) => [e.status, e.termination, e.bytesOut]), [[413, 'PR--', 0]])
  t.same(counted, [413, 0])
  t.end()
})

t.test('through listen(): slowloris 408 cR, oversized headers 431 PR, garbage 400 PR, each logged as <BADREQ>', async (t) => {
  const logs: HttpLogEntry[] = []
  const proxy = createProxy({ timeouts: { httpRequest: 300 }, log: (e) => logs.push(e) })
  proxy.addBackend('be').addServer('s', { address: await upstream(t, echo('s')) })
  const server = await proxy.listen(0)
  t.teardown(() => proxy.close({ hardStopAfter: 0 }))
  const port = (server.address() as AddressInfo).port
  const exchange = (payload: string, keepOpen: boolean): Promise<string> =>
    new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1')
      let out = ''
      s.on('data', (c: Buffer) => (out += c.toString('latin1')))
      s.on('error', () => {})
      s.on('close', () => resolve(out))
      s.write(payload)
      if (!keepOpen) s.end()
    })
  t.match(await exchange('GET / HTTP/1.1\r\nHost: a\r\nx-slow: 1\r\n', true), /^HTTP\/1\.1 408 /)
  t.match(await exchange(`GET / HTTP/1.1\r\nHost: a\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`, true), /^HTTP\/1\.1 431 /)
  t.match(await exchange('G@T / HTTP/1.1\r\nHost: a\r\n\r\n', true), /^HTTP\/1\.1 400 /)
  t.same(
    logs.map((e) => [e.status, e.termination, e.method, e.backend, e.server]),
    [
      [408, 'cR--', '<BADREQ>', '<NOBACKEND>', '<NOSRV>'],
      [431, 'PR--', '<BADREQ>', '<NOBACKEND>', '<NOSRV>'],
      [400, 'PR--', '<BADREQ>', '<NOBACKEND>', '<NOSRV>'],
    ],
  )
  t.equal(logs[0]!.clientAddress, '127.0.0.1')
  const frontend = proxy.stats().frontend
  t.equal(frontend.hrsp_4xx, 3, 'counted in the frontend stats')
  t.equal(frontend.ereq, 3, 'as request errors')
})
