/**
 * Faults under load (issue 11): health flaps, a sticky (cookie) server going
 * down, WebSocket churn, server removal and graceful close while requests
 * flow. The invariants of fault-run.ts hold for every request, and 100
 * requests succeed afterwards (except after close, which ends the proxy).
 */
import t from 'tap'
import http from 'node:http'
import { readdirSync } from 'node:fs'
import { WebSocket, WebSocketServer } from 'ws'
import type { AddressInfo } from 'node:net'
import { faultProxy } from '../fixtures/fault-proxy.js'
import { ledgerServer } from '../fixtures/fault-servers.js'
import { FaultRun, type Outcome, type RequestOptions } from '../fixtures/fault-run.js'
import { delay, until } from '../fixtures/http.js'

/** Keeps `concurrency` requests in flight (alternating GET and POST) until `stop()` resolves. */
async function loadUntil(run: FaultRun, concurrency: number, stop: Promise<unknown>, extra: RequestOptions = {}): Promise<Outcome[]> {
  let stopped = false
  void stop.then(() => (stopped = true))
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
  const out: Outcome[] = []
  let i = 0
  const lane = async (): Promise<void> => {
    while (!stopped) {
      const post = i++ % 2 === 1
      out.push(await run.request({ ...extra, agent, ...(post ? { method: 'POST', body: 'payload' } : {}) }))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  agent.destroy()
  return out
}

t.test('health flaps: a server whose checks fail and recover repeatedly under load', async (t) => {
  const run = new FaultRun(t, 'flap')
  const proxy = await run.start()
  const be = proxy.addBackend('be', { retries: 3, redispatch: true, timeouts: { connect: 300 } })
  const a = await ledgerServer(t, 'a', run.ledger)
  const b = await ledgerServer(t, 'b', run.ledger)
  const fp = await faultProxy(b.port)
  t.teardown(() => fp.close())
  be.addServer('a', { address: a.address })
  be.addServer('b', { address: fp.address, check: { inter: 100, rise: 1, fall: 1, timeout: 200 } })
  const transitions: string[] = []
  proxy.health.on('server:down', (tr) => transitions.push(`down:${tr.server.name}`))
  proxy.health.on('server:up', (tr) => transitions.push(`up:${tr.server.name}`))
  await run.listen()
  const flapping = (async () => {
    for (let i = 0; i < 4; i++) {
      // Refused connects fail the checks; established (pooled) connections are reset too.
      await fp.refuse()
      fp.resetAll()
      await until(() => transitions.at(-1) === 'down:b', 3_000)
      await fp.accept()
      await until(() => transitions.at(-1) === 'up:b', 3_000)
    }
  })()
  const outcomes = await loadUntil(run, 4, flapping)
  t.same(transitions.slice(0, 8), ['down:b', 'up:b', 'down:b', 'up:b', 'down:b', 'up:b', 'down:b', 'up:b'], 'server:down and server:up events for every flap')
  const { ok } = await run.verify()
  t.ok(ok > 0 && outcomes.length > 0)
  // A request cut by a reset on an established connection may fail (502/-1): never a duplicate POST, never undocumented.
  await run.hundredOk()
})

t.test('a sticky (cookie) server goes down: with redispatch the client moves, gets a new cookie', async (t) => {
  const run = new FaultRun(t, 'sticky')
  const proxy = await run.start()
  const be = proxy.addBackend('be', { cookie: { name: 'SRV', mode: 'insert', indirect: true, nocache: true }, redispatch: true, retries: 2, timeouts: { connect: 300 } })
  const a = await ledgerServer(t, 'a', run.ledger)
  const b = await ledgerServer(t, 'b', run.ledger)
  be.addServer('a', { address: a.address, cookie: 'a' })
  be.addServer('b', { address: b.address, cookie: 'b' })
  await run.listen()
  const pinned = { cookie: 'SRV=a' }
  const before = await Promise.all(Array.from({ length: 4 }, () => run.request({ headers: pinned })))
  t.same(before.map((o) => o.server), ['a', 'a', 'a', 'a'], 'pinned to a')
  await a.close() // a dies without its health being known: connects are refused
  const during = await Promise.all(Array.from({ length: 6 }, (_, i) => run.request(i % 2 === 0 ? { headers: pinned } : { headers: pinned, method: 'POST', body: 'p' })))
  t.same(during.map((o) => `${o.status}:${o.server}`), Array(6).fill('200:b'), 'every request redispatched to b after the refused attempts')
  const lines = await Promise.all(during.map((o) => run.logOf(o.id)))
  t.ok(lines.every((e) => e.redispatched && e.termination.slice(2) === 'DI'), 'logged as redispatched, cookie flags DI (down, inserted)')
  be.setHealth('a', 'down')
  const later = await run.request({ headers: pinned })
  t.equal(later.server, 'b', 'once a is known down, the cookie is ignored up front')
  t.equal((await run.logOf(later.id)).retries, 0)
  await run.verify()
  await run.hundredOk()
})

t.test('a sticky server goes down without redispatch: 503 SC, documented, never a wrong server', async (t) => {
  const run = new FaultRun(t, 'sticky2')
  const proxy = await run.start()
  const be = proxy.addBackend('be', { cookie: { name: 'SRV' }, retries: 1, timeouts: { connect: 300 } })
  const a = await ledgerServer(t, 'a', run.ledger)
  const b = await ledgerServer(t, 'b', run.ledger)
  be.addServer('a', { address: a.address, cookie: 'a' })
  be.addServer('b', { address: b.address, cookie: 'b' })
  await run.listen()
  await a.close()
  const o = await run.request({ headers: { cookie: 'SRV=a' }, method: 'POST', body: 'p' })
  t.equal(o.status, 503)
  t.equal((await run.logOf(o.id)).termination.slice(0, 2), 'SC')
  t.equal(run.ledger.perServer.get('b'), undefined, 'b never saw the pinned request')
  await run.verify()
  be.setHealth('a', 'down')
  await run.hundredOk()
})

t.test('server removal under load: in-flight requests finish, nothing is lost or duplicated', async (t) => {
  const run = new FaultRun(t, 'rm')
  const proxy = await run.start()
  const be = proxy.addBackend('be')
  const a = await ledgerServer(t, 'a', run.ledger, { delay: 20 })
  const b = await ledgerServer(t, 'b', run.ledger, { delay: 20 })
  be.addServer('a', { address: a.address })
  be.addServer('b', { address: b.address })
  await run.listen()
  const removal = (async () => {
    await delay(300)
    await be.removeServer('a')
    await delay(300)
  })()
  const outcomes = await loadUntil(run, 6, removal)
  t.ok(outcomes.every((o) => o.status === 200), `all ${outcomes.length} requests succeeded`)
  await until(() => a.open() === 0, 3_000)
  t.equal(a.open(), 0, 'the removed server\'s pool closed')
  await run.verify()
  await run.hundredOk()
})

t.test('graceful close under load: in-flight requests finish, later ones get 503 or a refused connection', async (t) => {
  const run = new FaultRun(t, 'close')
  const proxy = await run.start()
  const be = proxy.addBackend('be')
  const a = await ledgerServer(t, 'a', run.ledger, { delay: 30 })
  be.addServer('a', { address: a.address })
  await run.listen()
  let closed = false
  const closing = (async () => {
    await delay(300)
    await proxy.close()
    closed = true
  })()
  const outcomes = await loadUntil(run, 6, closing.then(() => delay(50)))
  t.ok(closed)
  const kinds = new Set(outcomes.map((o) => (o.status === 200 ? 'ok' : o.status === 503 ? '503' : o.error)))
  t.ok([...kinds].every((k) => k === 'ok' || k === '503' || k === 'ECONNREFUSED' || k === 'ECONNRESET'), `outcomes: ${[...kinds].join(', ')}`)
  const served = outcomes.filter((o) => o.status === 200)
  t.ok(served.length > 0)
  for (const o of served) t.equal(run.ledger.answered.get(o.id), 1)
  t.ok(outcomes.filter((o) => o.method === 'POST').every((o) => (run.ledger.seen.get(o.id) ?? 0) <= 1), 'no POST read twice')
  t.equal(a.open(), 0, 'every upstream connection closed')
})

t.test('WebSocket churn: sessions opened and dropped in every phase leave no fd or lease behind', async (t) => {
  const run = new FaultRun(t, 'ws')
  const proxy = await run.start({ timeouts: { client: 2_000 } })
  // A short idleTimeout: undici may open a spare connection after an aborted request; it idles out.
  const be = proxy.addBackend('be', { timeouts: { tunnel: 2_000 }, idleTimeout: 300 })
  const upstream = http.createServer((_req, res) => res.end('ok'))
  const wss = new WebSocketServer({ server: upstream })
  wss.on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })))
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    upstream.closeAllConnections()
    upstream.close()
  })
  be.addServer('ws', { address: `127.0.0.1:${(upstream.address() as AddressInfo).port}` })
  const port = await run.listen()
  const fds = (): number => readdirSync('/proc/self/fd').length
  // One warm-up session so lazily opened handles are in the baseline.
  const session = (mode: number): Promise<string> =>
    new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`)
      ws.on('error', () => {})
      ws.on('close', () => resolve('closed'))
      if (mode === 1) setImmediate(() => ws.terminate()) // during the handshake
      ws.on('open', () => {
        if (mode === 2) return ws.terminate() // right after the 101
        ws.send('x')
      })
      ws.on('message', () => (mode === 3 ? ws.terminate() : ws.close()))
    })
  await session(0)
  await delay(100)
  const before = fds()
  for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 40 }, (_, i) => session(i % 4)))
  await until(() => be.counters().served === 0, 3_000)
  await until(() => fds() <= before, 3_000).catch(() => {})
  t.ok(fds() <= before, `fds back to ${before} (now ${fds()}) after 200 sessions`)
  const tunnels = run.logs.filter((e) => e.status === 101)
  t.ok(tunnels.length > 100, `${tunnels.length} tunnels logged`)
  t.ok(run.logs.every((e) => e.status === 101 || e.status === -1 || e.termination.startsWith('C')), 'every session ended as a tunnel or a client abort')
  await run.hundredOk()
})
