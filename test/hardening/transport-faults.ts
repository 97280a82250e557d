/**
 * Transport faults (issue 11): for each fault, no crash, no duplicated
 * non-idempotent request, no lost request, every error a documented status
 * with a termination state in the log, backend events where the core sees the
 * fault, and 100 consecutive successes afterwards. The fault table is in
 * docs/hardening.md.
 */
import t from 'tap'
import http from 'node:http'
import net from 'node:net'
import { blackhole, refusedAddress } from '../fixtures/faults.js'
import { faultProxy } from '../fixtures/fault-proxy.js'
import { keepAliveCloser, ledgerServer } from '../fixtures/fault-servers.js'
import { FaultRun } from '../fixtures/fault-run.js'
import { delay, until } from '../fixtures/http.js'

t.test('keep-alive race: idle pooled connections closed by the server as a request leaves', async (t) => {
  // docs/node-proxy-hazards.md A.3: the server closes 300 ms after its last answer, with no hint;
  // requests spaced 290–308 ms through one pooled connection (idleTimeout deliberately above 300 ms).
  const run = new FaultRun(t, 'ka')
  const proxy = await run.start()
  const be = proxy.addBackend('be', { idleTimeout: 5_000, maxconn: 1 })
  const closer = await keepAliveCloser(t, 's1', run.ledger, 300)
  be.addServer('s1', { address: closer.address })
  await run.listen()
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  for (let i = 0; i < 24; i++) {
    await run.request({ agent, method: i % 2 === 0 ? 'GET' : 'POST', body: i % 2 === 0 ? undefined : `body-${i}` })
    await delay(290 + (i % 7) * 3)
  }
  const { errors } = await run.verify()
  const gets = run.outcomes.filter((o) => o.method === 'GET')
  t.ok(gets.every((o) => o.status === 200), 'every GET succeeds: an idempotent request that met a closing connection is replayed on a new one')
  for (const key of errors.keys()) t.match(key, /^502 SH$/, 'a POST that met the race is answered 502 SH, never replayed')
  const retried = run.logs.filter((e) => e.retries > 0)
  t.ok(retried.every((e) => e.method === 'GET'), 'only GETs were retried')
  t.comment(`race hits: ${retried.length} GET replays, ${errors.get('502 SH') ?? 0} POSTs answered 502 (of 24 requests)`)
  await run.hundredOk()
})

t.test('keep-alive race: an idleTimeout below the server\'s own avoids it entirely', async (t) => {
  const run = new FaultRun(t, 'ka2')
  const proxy = await run.start()
  const be = proxy.addBackend('be', { idleTimeout: 150, maxconn: 1 })
  const closer = await keepAliveCloser(t, 's1', run.ledger, 300)
  be.addServer('s1', { address: closer.address })
  await run.listen()
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  for (let i = 0; i < 12; i++) {
    await run.request({ agent, method: i % 2 === 0 ? 'GET' : 'POST', body: i % 2 === 0 ? undefined : `body-${i}` })
    await delay(290 + (i % 7) * 3)
  }
  const { ok } = await run.verify()
  t.equal(ok, 12, 'no request met a closing connection')
  t.equal(run.logs.filter((e) => e.retries > 0).length, 0, 'no retry was needed')
})

t.test('refused connects: 503 SC after the retries, redispatch reaches a live server', async (t) => {
  const run = new FaultRun(t, 'ref')
  const proxy = await run.start()
  const be = proxy.addBackend('be', { retries: 2, redispatch: true, timeouts: { connect: 500 } })
  be.addServer('gone', { address: await refusedAddress() })
  const live = await ledgerServer(t, 'live', run.ledger)
  be.addServer('live', { address: live.address })
  await run.listen()
  const released: string[] = []
  be.on('lease:release', (lease, outcome) => released.push(`${lease.server.name}:${outcome}`))
  const outcomes = await Promise.all([
    run.request({ method: 'POST', body: 'x' }),
    run.request(),
    run.request({ method: 'POST', body: 'y' }),
    run.request(),
  ])
  t.same(outcomes.map((o) => o.status), [200, 200, 200, 200], 'requests balanced onto the refused server are redispatched (POST too: nothing was sent)')
  const retried = await Promise.all(outcomes.map((o) => run.logOf(o.id)))
  t.ok(retried.some((e) => e.redispatched && e.retries >= 1), 'the log marks the redispatch')
  await run.verify()
  t.ok(released.includes('gone:connect-error'), 'the refused attempt released its lease as connect-error (an event)')
  await run.hundredOk()
})

t.test('refused connects on a single server: 503 SC, a connect-error outcome per attempt', async (t) => {
  const run = new FaultRun(t, 'ref1')
  const proxy = await run.start()
  const be = proxy.addBackend('be', { retries: 2, timeouts: { connect: 200 } })
  be.addServer('gone', { address: await refusedAddress() })
  await run.listen()
  const outcomes: string[] = []
  be.on('lease:release', (_lease, outcome) => outcomes.push(outcome))
  const o = await run.request({ method: 'POST', body: 'x' })
  t.equal(o.status, 503)
  const line = await run.logOf(o.id)
  t.equal(line.termination, 'SC--')
  t.equal(line.retries, 2)
  t.same(outcomes, ['connect-error'], 'one lease, released once with connect-error')
  await run.verify()
  // Recovery: the server comes back (a live one replaces it).
  await be.removeServer('gone')
  be.addServer('back', { address: (await ledgerServer(t, 'back', run.ledger)).address })
  await run.hundredOk()
})

t.test('timed-out connects: 503 sC after (retries + 1) × timeout connect', async (t) => {
  const run = new FaultRun(t, 'cto')
  const proxy = await run.start()
  const be = proxy.addBackend('be', { retries: 1, timeouts: { connect: 150 } })
  be.addServer('hole', { address: await blackhole(t) })
  await run.listen()
  const started = performance.now()
  const [a, b] = await Promise.all([run.request(), run.request({ method: 'POST', body: 'p' })])
  t.same([a.status, b.status], [503, 503])
  t.ok(performance.now() - started >= 290, 'two attempts of 150 ms each')
  t.equal((await run.logOf(a.id)).termination, 'sC--')
  await run.verify()
  await be.removeServer('hole')
  be.addServer('back', { address: (await ledgerServer(t, 'back', run.ledger)).address })
  await run.hundredOk()
})

t.test('a server that never answers: 504 sH after timeout server; POST not replayed', async (t) => {
  const run = new FaultRun(t, 'silent')
  const proxy = await run.start()
  const be = proxy.addBackend('be', { timeouts: { server: 200 }, retries: 3, redispatch: true, retryOn: ['conn-failure', 'response-timeout'] })
  const silent = await ledgerServer(t, 'silent', run.ledger, { silent: true })
  be.addServer('silent', { address: silent.address })
  await run.listen()
  const [get, post] = await Promise.all([run.request(), run.request({ method: 'POST', body: 'once' })])
  t.same([get.status, post.status], [504, 504])
  t.equal((await run.logOf(post.id)).termination, 'sH--')
  t.equal((await run.logOf(post.id)).retries, 0, 'a POST that reached the server is never replayed')
  t.equal((await run.logOf(get.id)).retries, 3, 'a GET is replayed on response-timeout (retry-on lists it)')
  await run.verify()
  silent.behaviour = {}
  await run.hundredOk()
})

t.test('a server that resets after reading: GET replayed elsewhere, POST 502 SH read once', async (t) => {
  const run = new FaultRun(t, 'rst')
  const proxy = await run.start()
  const be = proxy.addBackend('be', { retries: 2, redispatch: true })
  const bad = await ledgerServer(t, 'bad', run.ledger, { resetAfterRead: true })
  const good = await ledgerServer(t, 'good', run.ledger)
  be.addServer('bad', { address: bad.address })
  be.addServer('good', { address: good.address })
  await run.listen()
  const outcomes = []
  for (let i = 0; i < 8; i++) outcomes.push(await run.request(i % 2 === 0 ? {} : { method: 'POST', body: `b${i}` }))
  const posts = outcomes.filter((o) => o.method === 'POST')
  const gets = outcomes.filter((o) => o.method === 'GET')
  t.ok(gets.every((o) => o.status === 200), 'GETs that met the reset were replayed on the good server')
  t.ok(posts.some((o) => o.status === 502), 'a POST balanced onto the bad server gets 502')
  for (const p of posts.filter((o) => o.status === 502)) t.equal((await run.logOf(p.id)).termination, 'SH--')
  await run.verify()
  bad.behaviour = {}
  await run.hundredOk()
})

t.test('slow servers: latency, throttled bandwidth and dripped bodies within timeout server succeed', async (t) => {
  const run = new FaultRun(t, 'slow')
  const proxy = await run.start()
  const be = proxy.addBackend('be', { timeouts: { server: 2_000 } })
  const srv = await ledgerServer(t, 's', run.ledger, { size: 200_000, drip: 20 })
  const fp = await faultProxy(srv.port, { latency: 50, bandwidth: 2_000_000 })
  t.teardown(() => fp.close())
  be.addServer('s', { address: fp.address })
  await run.listen()
  const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => run.request(i % 2 === 0 ? {} : { method: 'POST', body: 'x'.repeat(10_000) })))
  t.same(outcomes.map((o) => o.status), [200, 200, 200, 200, 200, 200])
  t.ok(outcomes.every((o) => o.bytes === 200_000), 'every body complete')
  await run.verify()
  srv.behaviour = {}
  fp.set({})
  await run.hundredOk()
})

t.test('a server slower than timeout server mid-body: the response is cut (sD), the connection dropped', async (t) => {
  const run = new FaultRun(t, 'sd')
  const proxy = await run.start()
  const be = proxy.addBackend('be', { timeouts: { server: 150 } })
  const srv = await ledgerServer(t, 's', run.ledger, { size: 100_000, drip: 600 })
  be.addServer('s', { address: srv.address })
  await run.listen()
  const o = await run.request()
  t.equal(o.status, -1, 'the client sees a truncated response')
  t.equal((await run.logOf(o.id)).termination, 'sD--')
  await until(() => srv.aborted.length === 1)
  await run.verify()
  srv.behaviour = {}
  await run.hundredOk()
})

t.test('reset mid-response by the network: the client sees the truncation (SD)', async (t) => {
  const run = new FaultRun(t, 'rmid')
  const proxy = await run.start()
  const be = proxy.addBackend('be')
  const srv = await ledgerServer(t, 's', run.ledger, { size: 300_000 })
  const fp = await faultProxy(srv.port, { resetAfter: 50_000 })
  t.teardown(() => fp.close())
  be.addServer('s', { address: fp.address })
  await run.listen()
  const o = await run.request({ method: 'POST', body: 'once' })
  t.equal(o.status, -1)
  t.equal((await run.logOf(o.id)).termination, 'SD--')
  t.equal(run.ledger.seen.get(o.id), 1)
  await run.verify()
  fp.set({})
  srv.behaviour = {}
  await run.hundredOk()
})

/** A raw client connection to the proxy. */
function raw(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s))
    s.on('error', () => {})
  })
}

/** Reads everything a socket receives until it closes. */
function collect(s: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let out = ''
    s.on('data', (c: Buffer) => (out += c.toString('latin1')))
    s.on('close', () => resolve(out))
  })
}

t.test('slowloris (headers dripped) is answered 408 within timeout http-request', async (t) => {
  const run = new FaultRun(t, 'loris')
  const proxy = await run.start({ timeouts: { httpRequest: 400 } })
  const be = proxy.addBackend('be')
  const srv = await ledgerServer(t, 's', run.ledger)
  be.addServer('s', { address: srv.address })
  const port = await run.listen()
  const sockets = await Promise.all(Array.from({ length: 5 }, () => raw(port)))
  const replies = sockets.map(collect)
  const started = performance.now()
  const drip = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write(`x-drip-${Math.random().toString(36).slice(2)}: 1\r\n`)
  }, 100)
  for (const s of sockets) s.write('GET / HTTP/1.1\r\nHost: a\r\n')
  const answers = await Promise.all(replies)
  clearInterval(drip)
  const elapsed = performance.now() - started
  for (const a of answers) t.match(a, /^HTTP\/1\.1 408 Request Time-out/, '408 within timeout http-request (applyServerTimeouts)')
  t.ok(elapsed < 2_500, `cut after ${Math.round(elapsed)} ms (timeout 400 ms, checking interval 100 ms)`)
  t.equal(run.ledger.perServer.get('s'), undefined, 'nothing reached the server')
  await until(() => run.logs.length === 5)
  t.same(run.logs.map((e) => `${e.status} ${e.termination} ${e.method}`), Array(5).fill('408 cR-- <BADREQ>'), 'each logged cR (the clientError listener of listen())')
  await run.hundredOk()
})

t.test('slow request body: 408 cR after timeout client, the server connection released', async (t) => {
  const run = new FaultRun(t, 'sbody')
  const proxy = await run.start({ timeouts: { client: 300 } })
  const be = proxy.addBackend('be')
  const srv = await ledgerServer(t, 's', run.ledger)
  be.addServer('s', { address: srv.address })
  const port = await run.listen()
  const s = await raw(port)
  const reply = collect(s)
  s.write('POST /r?id=sbody-x HTTP/1.1\r\nHost: a\r\nx-req-id: sbody-x\r\nContent-Length: 1000\r\n\r\n' + 'a'.repeat(100))
  const answer = await reply
  t.match(answer, /^HTTP\/1\.1 408 /)
  const line = await run.logOf('sbody-x')
  t.equal(line.termination, 'cR--')
  t.equal(line.status, 408)
  t.equal(run.ledger.seen.get('sbody-x'), undefined, 'the server never got a complete request')
  await until(() => be.counters().served === 0)
  await run.hundredOk()
})

t.test('slow reader of the response: cut after timeout client (cD), no unbounded buffering', async (t) => {
  const run = new FaultRun(t, 'sread')
  const proxy = await run.start({ timeouts: { client: 300 } })
  const be = proxy.addBackend('be')
  const srv = await ledgerServer(t, 's', run.ledger, { size: 20_000_000 })
  be.addServer('s', { address: srv.address })
  const port = await run.listen()
  const s = await raw(port)
  s.pause() // never reads
  const rssBefore = process.memoryUsage().rss
  s.write('GET /r?id=sread-x HTTP/1.1\r\nHost: a\r\nx-req-id: sread-x\r\n\r\n')
  const line = await run.logOf('sread-x')
  t.equal(line.termination, 'cD--')
  t.ok(line.bytesOut < 20_000_000, `only ${line.bytesOut} of 20 MB were read from the server (backpressure)`)
  t.ok(process.memoryUsage().rss - rssBefore < 15_000_000, 'memory stayed bounded')
  s.destroy()
  await until(() => srv.aborted.length === 1)
  await run.hundredOk()
})
