import t from 'tap'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { leaseOutcomeOf } from '../../lib/adapters/tcp-session.js'
import type { LeaseOutcome } from '../../lib/queue/types.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { client, collect, payload, startProxy, startServer, tcpBackend, until } from '../fixtures/tcp.js'

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

t.test('leaseOutcomeOf: the lease outcome of each termination state', async (t) => {
  const table: Array<[Parameters<typeof leaseOutcomeOf>[0], LeaseOutcome]> = [
    ['--', 'ok'],
    ['SC', 'connect-error'],
    ['sC', 'connect-timeout'],
    ['SD', 'bad-response'],
    ['sD', 'response-timeout'],
    ['CD', 'client-abort'],
    ['cD', 'client-abort'],
    ['CC', 'client-abort'],
    ['KD', 'client-abort'],
  ]
  for (const [code, outcome] of table) t.equal(leaseOutcomeOf(code), outcome, code)
})

t.test('echo of 16 MiB each way, byte-exact; counters, log and lease', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer()
  const backend = tcpBackend(clock, [upstream.port])
  const releases: LeaseOutcome[] = []
  backend.on('lease:release', (_l, outcome) => releases.push(outcome))
  const proxy = await startProxy(backend, clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const data = payload(16 * 1024 * 1024)
  const c = await client(proxy.port)
  const clientPort = c.localPort
  const got = collect(c)
  c.end(data)
  const echoed = await got
  t.equal(echoed.length, data.length)
  t.equal(sha(echoed), sha(data), 'same bytes back')
  const entry = await proxy.entry()
  t.match(entry, {
    clientAddress: '127.0.0.1',
    clientPort,
    frontendAddress: '127.0.0.1',
    frontendPort: proxy.port,
    backend: 'be',
    server: 's1',
    Tw: 0,
    Tc: 0,
    Tt: 0,
    bytesIn: data.length,
    bytesOut: data.length,
    termination: '--',
    retries: 0,
    redispatched: false,
    reason: undefined,
  })
  t.same(releases, ['ok'])
  const counters = proxy.handler.counters()
  t.match(counters, { connections: 1, active: 0, bytesIn: data.length, bytesOut: data.length, clientAborts: 0, serverAborts: 0 })
  t.match(counters.servers, [{ name: 's1', connections: 1, active: 0, bytesIn: data.length, bytesOut: data.length }])
  await until(() => upstream.active === 0, 'upstream connection closed')
  t.equal(backend.counters().served, 0)
  t.equal(clock.pending, 0, 'no timer left')
  t.ok(proxy.accepted[0]!.destroyed, 'client socket destroyed')
})

t.test('a slow reader: the proxy stops reading from the server instead of buffering', async (t) => {
  const clock = new FakeClock()
  const size = 64 * 1024 * 1024
  const data = payload(size, 7)
  let upstreamSocket: Socket | undefined
  const upstream = await startServer((socket) => {
    upstreamSocket = socket
    socket.end(data)
  })
  const proxy = await startProxy(tcpBackend(clock, [upstream.port]), clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  c.pause()
  await until(() => upstreamSocket !== undefined && proxy.accepted.length === 1, 'connections')
  // Wait until the transfer is stuck: the upstream's own buffer stops shrinking.
  let last = -1
  let stable = 0
  await until(() => {
    const now = upstreamSocket!.writableLength
    stable = now === last ? stable + 1 : 0
    last = now
    return stable >= 25
  }, 'a stalled transfer')
  t.ok(upstreamSocket!.writableLength > 0, `the server still holds ${upstreamSocket!.writableLength} bytes`)
  const held = proxy.accepted[0]!.writableLength
  t.ok(held < 256 * 1024, `the proxy holds ${held} bytes for the client, not the transfer`)
  const got = collect(c)
  c.resume()
  const received = await got
  t.equal(received.length, size)
  t.equal(sha(received), sha(data))
  c.end()
  const entry = await proxy.entry()
  t.equal(entry.termination, '--')
  t.equal(entry.bytesOut, size)
})

t.test('half-close from the client: its FIN reaches the server, which still answers', async (t) => {
  const clock = new FakeClock()
  let sawEnd = false
  const upstream = await startServer((socket) => {
    const chunks: Buffer[] = []
    socket.on('data', (d: Buffer) => chunks.push(d))
    socket.on('end', () => {
      sawEnd = true
      socket.end(`got ${Buffer.concat(chunks).toString()}`)
    })
  })
  const proxy = await startProxy(tcpBackend(clock, [upstream.port]), clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  const got = collect(c)
  c.end('question')
  t.equal((await got).toString(), 'got question')
  t.ok(sawEnd)
  const entry = await proxy.entry()
  t.equal(entry.termination, '--')
  t.equal(entry.bytesIn, 8)
  t.equal(entry.bytesOut, 12)
})

t.test('half-close from the server: its FIN reaches the client, which may still send', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer((socket) => {
    socket.end('banner\n')
  })
  const proxy = await startProxy(tcpBackend(clock, [upstream.port]), clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  const got = collect(c)
  t.equal((await got).toString(), 'banner\n', 'the client got the FIN after the banner')
  t.notOk(c.destroyed)
  c.end('late words')
  await until(() => upstream.received[0]?.length === 1, 'late bytes upstream')
  t.equal(upstream.data(0).toString(), 'late words')
  const entry = await proxy.entry()
  t.equal(entry.termination, '--')
  await until(() => upstream.active === 0, 'upstream closed')
})

t.test('the embedding server need not allow half-open sockets', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer((socket) => {
    socket.on('end', () => socket.end('after FIN'))
  })
  const proxy = await startProxy(tcpBackend(clock, [upstream.port]), clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  // A plain net.Server (allowHalfOpen false) with the same handler.
  const { createServer } = await import('node:net')
  const plain = createServer(proxy.handler)
  plain.listen(0, '127.0.0.1')
  await once(plain, 'listening')
  t.teardown(() => new Promise<void>((resolve) => plain.close(() => resolve())))
  const c = await client((plain.address() as { port: number }).port)
  const got = collect(c)
  c.end()
  t.equal((await got).toString(), 'after FIN')
})

t.test('a client reset is passed on to the server as a reset', async (t) => {
  const clock = new FakeClock()
  let upstreamError = ''
  const upstream = await startServer((socket) => {
    socket.on('error', (err: NodeJS.ErrnoException) => (upstreamError = err.code ?? ''))
  })
  const backend = tcpBackend(clock, [upstream.port])
  const releases: LeaseOutcome[] = []
  backend.on('lease:release', (_l, outcome) => releases.push(outcome))
  const proxy = await startProxy(backend, clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  c.write('some')
  await until(() => upstream.received[0]?.length === 1, 'bytes upstream')
  c.resetAndDestroy()
  const entry = await proxy.entry()
  t.equal(entry.termination, 'CD')
  await until(() => upstreamError !== '', 'upstream error')
  t.equal(upstreamError, 'ECONNRESET')
  t.same(releases, ['client-abort'])
  t.match(proxy.handler.counters(), { clientAborts: 1, serverAborts: 0, servers: [{ clientAborts: 1 }] })
})

t.test('a server reset is passed on to the client as a reset', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer(() => {})
  const backend = tcpBackend(clock, [upstream.port])
  const releases: LeaseOutcome[] = []
  backend.on('lease:release', (_l, outcome) => releases.push(outcome))
  const proxy = await startProxy(backend, clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  let clientError = ''
  c.on('error', (err: NodeJS.ErrnoException) => (clientError = err.code ?? ''))
  const got = collect(c)
  await until(() => upstream.sockets.length === 1, 'upstream connection')
  upstream.sockets[0]!.write('partial')
  await until(() => proxy.handler.counters().bytesOut === 7, 'bytes relayed')
  // Data immediately followed by a reset can read as a plain end on Linux; reset an idle connection.
  upstream.sockets[0]!.resetAndDestroy()
  const entry = await proxy.entry()
  t.equal(entry.termination, 'SD')
  t.equal((await got).toString(), 'partial')
  await until(() => c.destroyed, 'client closed')
  t.equal(clientError, 'ECONNRESET')
  t.same(releases, ['bad-response'])
  t.match(proxy.handler.counters(), { serverAborts: 1, responseErrors: 1, servers: [{ serverAborts: 1, responseErrors: 1 }] })
})

t.test('a client that vanishes without a reset ends the server connection (no leak)', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer(() => {})
  const proxy = await startProxy(tcpBackend(clock, [upstream.port]), clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  await client(proxy.port)
  await until(() => upstream.sockets.length === 1, 'upstream connection')
  // The proxy-side socket goes away without an error (as if an embedding application destroyed it).
  proxy.accepted[0]!.destroy()
  t.equal((await proxy.entry()).termination, 'CD')
  await until(() => upstream.sockets[0]!.readableEnded, 'the server saw the connection end')
  t.equal(proxy.handler.counters().active, 0)
})

t.test('a server that closes without a FIN of its own being answered ends as a server abort', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer((socket) => {
    // Destroying with data pending in the receive buffer makes the kernel send a reset.
    socket.once('data', () => socket.destroy())
  })
  const proxy = await startProxy(tcpBackend(clock, [upstream.port]), clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  c.write(payload(1024 * 1024))
  t.equal((await proxy.entry()).termination, 'SD')
})
