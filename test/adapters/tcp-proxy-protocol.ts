import t, { type Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TcpHandlerOptions } from '../../lib/adapters/tcp-types.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { client, collect, startProxy, startServer, tcpBackend, until, type TestProxy, type TestServer } from '../fixtures/tcp.js'

const SIG = '0d0a0d0a000d0a515549540a'
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0')

async function setup(t: Test, options: TcpHandlerOptions, host = '127.0.0.1'): Promise<{ proxy: TestProxy; upstream: TestServer; clock: FakeClock }> {
  const clock = new FakeClock()
  const upstream = await startServer(undefined, host)
  const address = host.includes(':') ? `[${host}]:${upstream.port}` : `${host}:${upstream.port}`
  const proxy = await startProxy(tcpBackend(clock, [address]), clock, options, { host })
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  return { proxy, upstream, clock }
}

/** Sends `data` then FIN through a new client; resolves with what came back. */
async function roundTrip(port: number, data: string | Buffer, host = '127.0.0.1'): Promise<{ reply: Buffer; localPort: number }> {
  const c = await client(port, host)
  const localPort = c.localPort!
  const reply = collect(c)
  c.end(data)
  return { reply: await reply, localPort }
}

t.test('send-proxy v1: the exact line before the payload', async (t) => {
  const { proxy, upstream } = await setup(t, { server: { sendProxy: 'v1' } })
  const { reply, localPort } = await roundTrip(proxy.port, 'payload')
  const line = `PROXY TCP4 127.0.0.1 127.0.0.1 ${localPort} ${proxy.port}\r\n`
  t.equal(upstream.data(0).toString('latin1'), line + 'payload')
  t.equal(reply.toString('latin1'), line + 'payload', 'the echo shows what the server got')
  t.match(await proxy.entry(), { bytesIn: 7, bytesOut: line.length + 7 })
})

t.test('send-proxy v2: the exact bytes before the payload', async (t) => {
  const { proxy, upstream } = await setup(t, { server: { sendProxy: 'v2' } })
  const { localPort } = await roundTrip(proxy.port, 'payload')
  const expected = `${SIG}2111000c7f0000017f000001${hex(localPort, 4)}${hex(proxy.port, 4)}` + Buffer.from('payload').toString('hex')
  t.equal(upstream.data(0).toString('hex'), expected)
})

t.test('send-proxy over IPv6: TCP6 and family 0x21', async (t) => {
  const { proxy, upstream } = await setup(t, { server: { sendProxy: 'v1' }, servers: { s1: { sendProxy: 'v1' } } }, '::1')
  const { localPort } = await roundTrip(proxy.port, 'x', '::1')
  t.equal(upstream.data(0).toString('latin1'), `PROXY TCP6 ::1 ::1 ${localPort} ${proxy.port}\r\nx`)
  proxy.handler.setServerOptions('s1', { sendProxy: 'v2' })
  const second = await roundTrip(proxy.port, 'y', '::1')
  const one = '0'.repeat(31) + '1'
  t.equal(upstream.data(1).toString('hex'), `${SIG}21210024${one}${one}${hex(second.localPort, 4)}${hex(proxy.port, 4)}79`)
})

t.test('accept-proxy v1: the advertised client is relayed and logged', async (t) => {
  const { proxy, upstream } = await setup(t, { acceptProxy: true, server: { sendProxy: 'v2' } })
  const { reply } = await roundTrip(proxy.port, 'PROXY TCP4 192.0.2.1 198.51.100.2 40000 443\r\nhello')
  const header = `${SIG}2111000c` + 'c0000201' + 'c6336402' + hex(40000, 4) + hex(443, 4)
  t.equal(upstream.data(0).toString('hex'), header + Buffer.from('hello').toString('hex'))
  t.equal(reply.length, 28 + 5)
  t.match(await proxy.entry(), {
    clientAddress: '192.0.2.1',
    clientPort: 40000,
    frontendAddress: '198.51.100.2',
    frontendPort: 443,
    bytesIn: 5,
    termination: '--',
  })
})

t.test('accept-proxy v2, received one byte at a time, relayed as v1', async (t) => {
  const { proxy, upstream } = await setup(t, { acceptProxy: true, server: { sendProxy: 'v1' } })
  const header = Buffer.from(`${SIG}21210024` + '20010db8' + '0'.repeat(23) + '1' + '20010db8' + '0'.repeat(23) + '2' + '0050' + '01bb', 'hex')
  const c = await client(proxy.port)
  const reply = collect(c)
  for (const byte of header) {
    c.write(Buffer.of(byte))
    await until(() => c.writableLength === 0, 'byte sent')
    await new Promise((resolve) => setImmediate(resolve))
  }
  c.end('data')
  await reply
  t.equal(upstream.data(0).toString('latin1'), 'PROXY TCP6 2001:db8::1 2001:db8::2 80 443\r\ndata')
  t.match(await proxy.entry(), { clientAddress: '2001:db8::1', clientPort: 80 })
})

t.test('accept-proxy: LOCAL and UNKNOWN keep the real connection addresses', async (t) => {
  const { proxy, upstream } = await setup(t, { acceptProxy: true, server: { sendProxy: 'v1' } })
  const first = await roundTrip(proxy.port, Buffer.concat([Buffer.from(`${SIG}20000000`, 'hex'), Buffer.from('a')]))
  const second = await roundTrip(proxy.port, 'PROXY UNKNOWN\r\nb')
  t.equal(upstream.data(0).toString('latin1'), `PROXY TCP4 127.0.0.1 127.0.0.1 ${first.localPort} ${proxy.port}\r\na`)
  t.equal(upstream.data(1).toString('latin1'), `PROXY TCP4 127.0.0.1 127.0.0.1 ${second.localPort} ${proxy.port}\r\nb`)
})

t.test('accept-proxy: a malformed header closes the connection, nothing is forwarded', async (t) => {
  const { proxy, upstream } = await setup(t, { acceptProxy: true })
  const rejects: Array<[string, string, string]> = []
  proxy.handler.events.on('connection:reject', (address, reason, detail) => rejects.push([address, reason, detail]))
  const inputs = ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\nsecret', Buffer.from(`${SIG}22`, 'hex')]
  for (const input of inputs) {
    const c = await client(proxy.port)
    const closed = collect(c)
    c.write(input)
    t.equal((await closed).length, 0, 'nothing comes back')
  }
  await until(() => proxy.logs.length === 3, 'logged')
  t.same(
    proxy.logs.map((e) => [e.termination, e.server, e.Tw, e.reason]),
    [
      ['PR', '<NOSRV>', -1, 'not a PROXY protocol header'],
      ['PR', '<NOSRV>', -1, 'invalid port in PROXY v1 header'],
      ['PR', '<NOSRV>', -1, 'unsupported PROXY v2 command'],
    ],
  )
  t.same(
    rejects.map((r) => r[1]),
    ['invalid', 'invalid', 'invalid'],
  )
  t.equal(rejects[0]![0], '127.0.0.1')
  t.equal(upstream.sockets.length, 0, 'no server connection was made')
  t.match(proxy.handler.counters(), { connections: 3, invalidProxy: 3, active: 0, bytesIn: 0 })
})

t.test('accept-proxy: a header longer than bufferSize is refused', async (t) => {
  const { proxy } = await setup(t, { acceptProxy: true, bufferSize: 128 })
  const c = await client(proxy.port)
  c.write(Buffer.from(`${SIG}21110100`, 'hex'))
  t.match(await proxy.entry(), { termination: 'PR', reason: 'PROXY v2 header longer than 128 bytes' })
})

t.test('accept-proxy: no complete header within the timeout → cR', async (t) => {
  const { proxy, clock } = await setup(t, { acceptProxy: true, timeouts: { acceptProxy: 3000 } })
  const c = await client(proxy.port)
  c.write('PROXY TCP4 ')
  await until(() => proxy.accepted.length === 1, 'accepted')
  clock.advance(2999)
  t.equal(proxy.logs.length, 0)
  clock.advance(1)
  t.match(await proxy.entry(), { termination: 'cR', reason: 'no complete PROXY header within timeout', Tt: 3000 })
  t.equal(proxy.handler.counters().invalidProxy, 1)
})

t.test('accept-proxy: a client that closes before a header is complete → CR, not an error', async (t) => {
  const { proxy } = await setup(t, { acceptProxy: true, timeouts: { acceptProxy: 0 } })
  const c = await client(proxy.port)
  c.end('PROX')
  t.match(await proxy.entry(0), { termination: 'CR' })
  const d = await client(proxy.port)
  d.resetAndDestroy()
  t.match(await proxy.entry(1), { termination: 'CR' })
  t.equal(proxy.handler.counters().invalidProxy, 0)
})

t.test('accept-proxy: close() while reading the header → KR', async (t) => {
  const { proxy } = await setup(t, { acceptProxy: true })
  await client(proxy.port)
  await until(() => proxy.accepted.length === 1, 'accepted')
  proxy.handler.close()
  t.match(await proxy.entry(), { termination: 'KR' })
})

t.test('balance source hashes the advertised client address', async (t) => {
  const clock = new FakeClock()
  const a = await startServer()
  const b = await startServer()
  const backend = tcpBackend(clock, [a.port, b.port], {
    balance: { algorithm: 'hash', key: { kind: 'source' }, type: 'map-based', function: 'sdbm', avalanche: false, balanceFactor: 0 },
  })
  const proxy = await startProxy(backend, clock, { acceptProxy: true })
  t.teardown(async () => {
    await proxy.close()
    await a.close()
    await b.close()
  })
  // Map-based source hashing over 2 servers: the IPv4 address as an integer, modulo 2.
  for (const last of [2, 3, 4, 5]) await roundTrip(proxy.port, `PROXY TCP4 10.0.0.${last} 10.9.9.9 1000 80\r\n`)
  await until(() => proxy.logs.length === 4, 'logged')
  t.same(
    proxy.logs.map((e) => [e.clientAddress, e.server]),
    [
      ['10.0.0.2', 's1'],
      ['10.0.0.3', 's2'],
      ['10.0.0.4', 's1'],
      ['10.0.0.5', 's2'],
    ],
  )
})

t.test('a UNIX socket client: PROXY UNKNOWN / LOCAL, empty addresses, reset passed on as a close', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'swy-tcp-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const clock = new FakeClock()
  const upstream = await startServer()
  // A UNIX client has no address to hash: `balance source` falls back to round robin.
  const hashed = { algorithm: 'hash', key: { kind: 'source' }, type: 'map-based', function: 'sdbm', avalanche: false, balanceFactor: 0 } as const
  const backend = tcpBackend(clock, [upstream.port, upstream.port], { balance: hashed })
  const proxy = await startProxy(backend, clock, { servers: { s1: { sendProxy: 'v1' }, s2: { sendProxy: 'v2' } } }, { path: join(dir, 'sock') })
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const unixClient = async (): Promise<Socket> => {
    const c = connect({ path: join(dir, 'sock'), allowHalfOpen: true })
    c.on('error', () => {})
    await once(c, 'connect')
    return c
  }
  for (let i = 0; i < 2; i++) {
    const c = await unixClient()
    const got = collect(c)
    c.end('u')
    await got
  }
  t.equal(upstream.data(0).toString('latin1'), 'PROXY UNKNOWN\r\nu')
  t.equal(upstream.data(1).toString('hex'), `${SIG}20000000` + '75')
  t.match(await proxy.entry(0), { clientAddress: '', clientPort: 0, frontendAddress: '', frontendPort: 0 })
  // A server reset cannot be passed on as a reset over a UNIX socket: the client is closed.
  const c = await unixClient()
  const closed = collect(c)
  c.write('z')
  await until(() => upstream.sockets.length === 3 && upstream.data(2).length > 0, 'third connection')
  upstream.sockets[2]!.resetAndDestroy()
  await closed
  t.match(await proxy.entry(2), { termination: 'SD' })
})
