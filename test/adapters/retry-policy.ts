import t from 'tap'
import { resolveHttpBackendOptions, type HttpBackendOptions } from '../../lib/adapters/resolve.js'
import { compileRetryPolicy, isIdempotent, mayHaveReachedServer, retryCovers, shouldRedispatch, type RetryPolicy } from '../../lib/adapters/retry-policy.js'
import { FixtureServer } from '../fixtures/lease-source.js'

const policy = (o: HttpBackendOptions): RetryPolicy => compileRetryPolicy(resolveHttpBackendOptions(o))

t.test('compile', async (t) => {
  const p = policy({ retryOn: ['conn-failure', 'response-timeout', 503, 429], retryNonIdempotent: true, timeouts: { connect: 300 } })
  t.match(p, { retries: 3, redispatch: 0, connFailure: true, emptyResponse: false, junkResponse: false, responseTimeout: true, nonIdempotent: true, turnaround: 300 })
  t.same([...p.statuses], [503, 429])
  t.equal(policy({ timeouts: { connect: 5000 } }).turnaround, 1000, 'min(1 s, timeout connect)')
  t.equal(policy({ timeouts: { connect: 0 } }).turnaround, 1000, 'no connect timeout: 1 s')
  t.match(policy({ retryOn: ['empty-response', 'junk-response'] }), { connFailure: false, emptyResponse: true, junkResponse: true })
})

t.test('idempotent methods', async (t) => {
  for (const m of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']) t.ok(isIdempotent(m), m)
  for (const m of ['POST', 'PATCH', 'CONNECT', 'get']) t.notOk(isIdempotent(m), m)
})

t.test('retry-on coverage', async (t) => {
  const def = policy({})
  t.ok(retryCovers(def, 'conn-failure', 0, false))
  t.ok(retryCovers(def, 'connect-timeout', 0, false))
  t.ok(retryCovers(def, 'empty-response', 0, true), 'keep-alive race on an idempotent request')
  t.notOk(retryCovers(def, 'empty-response', 0, false))
  t.notOk(retryCovers(def, 'junk-response', 0, true))
  t.notOk(retryCovers(def, 'response-timeout', 0, true))
  t.notOk(retryCovers(def, 'status', 503, true))
  const none = policy({ retryOn: [] })
  t.notOk(retryCovers(none, 'conn-failure', 0, true))
  t.notOk(retryCovers(none, 'empty-response', 0, true))
  const all = policy({ retryOn: ['empty-response', 'junk-response', 'response-timeout', 503] })
  t.ok(retryCovers(all, 'empty-response', 0, false))
  t.ok(retryCovers(all, 'junk-response', 0, false))
  t.ok(retryCovers(all, 'response-timeout', 0, false))
  t.ok(retryCovers(all, 'status', 503, false))
  t.notOk(retryCovers(all, 'status', 502, false))
})

t.test('may have reached the server', async (t) => {
  t.notOk(mayHaveReachedServer('conn-failure'))
  t.notOk(mayHaveReachedServer('connect-timeout'))
  for (const k of ['empty-response', 'junk-response', 'response-timeout', 'status'] as const) t.ok(mayHaveReachedServer(k), k)
})

t.test('redispatch decision (stream_choose_redispatch)', async (t) => {
  const up = new FixtureServer('s', 'a', 0, 0)
  const down = new FixtureServer('s', 'a', 0, 0)
  down.operational = 'down'
  const starting = new FixtureServer('s', 'a', 0, 0)
  starting.operational = 'starting'
  const off = policy({ redispatch: false })
  t.notOk(shouldRedispatch(off, 1, down, true), 'disabled')
  const last = policy({ redispatch: true, retries: 3 })
  t.same([1, 2, 3].map((k) => shouldRedispatch(last, k, up, false)), [false, false, true], 'option redispatch: the last retry')
  t.same([1, 2, 3].map((k) => shouldRedispatch(last, k, up, true)), [true, true, true], 'several usable servers, non-hash: every retry')
  t.ok(shouldRedispatch(last, 1, down, false), 'server down')
  t.ok(shouldRedispatch(last, 1, starting, false), 'slow start')
  const every = policy({ redispatch: 1 })
  t.same([1, 2].map((k) => shouldRedispatch(every, k, up, false)), [true, true])
  const second = policy({ redispatch: 2 })
  t.same([1, 2, 3, 4].map((k) => shouldRedispatch(second, k, up, false)), [false, true, false, true])
  const n = policy({ redispatch: -2, retries: 5 })
  t.same([1, 2, 3, 4, 5].map((k) => shouldRedispatch(n, k, up, false)), [false, false, false, true, false], 'every (retries + 1 + N)-th')
  const zeroRetries = policy({ redispatch: true, retries: 0 })
  t.notOk(shouldRedispatch(zeroRetries, 1, up, false), 'period 0 never matches')
})
