/**
 * Client aborts in every phase, queue overflow and queue timeout (issue 11):
 * the termination state names the phase, the lease is released once, the
 * server side of an abandoned request is closed (never left waiting), a backend
 * event reports what the core saw, and 100 requests succeed afterwards.
 */
import t from 'tap'
import net from 'node:net'
import { blackhole } from '../fixtures/faults.js'
import { ledgerServer } from '../fixtures/fault-servers.js'
import { FaultRun } from '../fixtures/fault-run.js'
import { until } from '../fixtures/http.js'

t.test('client abort while connecting: CC, the connect abandoned', async (t) => {
  const run = new FaultRun(t, 'cc')
  const proxy = await run.start()
  const be = proxy.addBackend('be', { timeouts: { connect: 3_000 } })
  be.addServer('hole', { address: await blackhole(t) })
  await run.listen()
  const released: string[] = []
  be.on('lease:release', (_l, outcome) => released.push(outcome))
  const o = await run.request({ abortAfter: 150 })
  t.equal(o.status, -1)
  const line = await run.logOf(o.id)
  t.equal(line.termination, 'CC--')
  t.same(released, ['client-abort'], 'the lease went back once, as a client abort')
  await run.verify()
  await be.removeServer('hole')
  be.addServer('back', { address: (await ledgerServer(t, 'back', run.ledger)).address })
  await run.hundredOk()
})

t.test('client abort in the queue: CQ and a queue:abort event; the queue slot is freed', async (t) => {
  const run = new FaultRun(t, 'cq')
  const proxy = await run.start()
  const be = proxy.addBackend('be')
  const srv = await ledgerServer(t, 's', run.ledger, { delay: 400 })
  be.addServer('s', { address: srv.address, maxconn: 1 })
  await run.listen()
  const aborts: number[] = []
  be.on('queue:abort', (_server, queuedFor) => aborts.push(queuedFor))
  const first = run.request()
  const queued = await run.request({ abortAfter: 100, method: 'POST', body: 'never' })
  t.equal(queued.status, -1)
  t.equal((await run.logOf(queued.id)).termination, 'CQ--')
  t.equal(aborts.length, 1, 'queue:abort emitted')
  t.equal((await first).status, 200)
  t.equal(run.ledger.seen.get(queued.id), undefined, 'the abandoned request never reached the server')
  t.equal(be.counters().waiting, 0)
  await run.verify()
  srv.behaviour = {}
  await run.hundredOk()
})

t.test('client abort during the upload: CH, the server request closed too', async (t) => {
  const run = new FaultRun(t, 'up')
  const proxy = await run.start()
  const be = proxy.addBackend('be')
  const srv = await ledgerServer(t, 's', run.ledger)
  be.addServer('s', { address: srv.address })
  const port = await run.listen()
  const s = net.connect(port, '127.0.0.1')
  s.on('error', () => {})
  await new Promise((resolve) => s.once('connect', resolve))
  s.write('POST /r?id=up-x HTTP/1.1\r\nHost: a\r\nx-req-id: up-x\r\nContent-Length: 100000\r\n\r\n' + 'a'.repeat(1_000))
  await until(() => srv.open() === 1)
  s.destroy()
  const line = await run.logOf('up-x')
  t.equal(line.termination, 'CH--')
  await until(() => srv.incomplete.includes('up-x'))
  t.equal(run.ledger.seen.get('up-x'), undefined, 'the server never got a complete request, and its connection was closed (not left waiting)')
  t.equal(be.counters().served, 0)
  await run.hundredOk()
})

t.test('client abort while waiting for the response headers: CH, the server sees the abort', async (t) => {
  const run = new FaultRun(t, 'ch')
  const proxy = await run.start()
  const be = proxy.addBackend('be')
  const srv = await ledgerServer(t, 's', run.ledger, { delay: 500 })
  be.addServer('s', { address: srv.address })
  await run.listen()
  const o = await run.request({ abortAfter: 150, method: 'POST', body: 'once' })
  t.equal(o.status, -1)
  t.equal((await run.logOf(o.id)).termination, 'CH--')
  await until(() => srv.aborted.includes(o.id))
  t.equal(run.ledger.seen.get(o.id), 1, 'read once, never replayed')
  await run.verify()
  srv.behaviour = {}
  await run.hundredOk()
})

t.test('client abort during the response body: CD, the server response aborted', async (t) => {
  const run = new FaultRun(t, 'cd')
  const proxy = await run.start()
  const be = proxy.addBackend('be')
  const srv = await ledgerServer(t, 's', run.ledger, { size: 2_000_000, drip: 30 })
  be.addServer('s', { address: srv.address })
  await run.listen()
  const o = await run.request({ abortAfter: 200 })
  t.equal(o.status, -1)
  const line = await run.logOf(o.id)
  t.equal(line.termination, 'CD--')
  t.equal(line.status, 200)
  await until(() => srv.aborted.includes(o.id))
  await run.verify()
  srv.behaviour = {}
  await run.hundredOk()
})

t.test('queue overflow (maxqueue) is 503 SQ with a queue:full event; queue timeout is 503 sQ', async (t) => {
  const run = new FaultRun(t, 'q')
  const proxy = await run.start()
  // Requests pinned by their cookie wait in the server's own queue, which maxqueue bounds.
  const be = proxy.addBackend('be', { timeouts: { queue: 300 }, cookie: { name: 'SRV' } })
  const srv = await ledgerServer(t, 's', run.ledger, { delay: 700 })
  be.addServer('s', { address: srv.address, maxconn: 1, maxqueue: 2, cookie: 's' })
  await run.listen()
  const pinned = { cookie: 'SRV=s' }
  const full: number[] = []
  const timeouts: number[] = []
  be.on('queue:full', (_s, depth) => full.push(depth))
  be.on('queue:timeout', (_s, queuedFor) => timeouts.push(queuedFor))
  const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => run.request(i % 2 === 0 ? { headers: pinned } : { method: 'POST', body: `q${i}`, headers: pinned })))
  const statuses = outcomes.map((o) => o.status).sort()
  t.same(statuses, [200, 503, 503, 503, 503, 503], 'one served, two timed out in the queue, three refused')
  const terms = (await Promise.all(outcomes.filter((o) => o.status === 503).map((o) => run.logOf(o.id)))).map((e) => e.termination).sort()
  t.same(terms.map((x) => x.slice(0, 2)), ['SQ', 'SQ', 'SQ', 'sQ', 'sQ'])
  t.same(full, [2, 2, 2], 'queue:full for each refusal')
  t.equal(timeouts.length, 2, 'queue:timeout for each expiry')
  await run.verify()
  srv.behaviour = {}
  await run.hundredOk()
})
