import t from 'tap'
import { UNTRIED_PENALTY, createPeakEwma, ewmaStep, peakEwmaLoad } from '../../lib/balance/peak-ewma.js'
import type { BalanceConfig, Balancer, ServerView } from '../../lib/balance/types.js'
import type { ServerRecord } from '../../lib/server.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { makeContext, makeServers } from '../fixtures/servers.js'
import { seededRandom } from '../fixtures/seeded-random.js'

const CONFIG: BalanceConfig = { algorithm: 'peak-ewma', decay: 10_000, failurePenalty: 1000 }

/** A random source that replays `values` in a loop. */
function replay(values: readonly number[]): () => number {
  let i = 0
  return () => values[i++ % values.length]!
}

t.test('ewmaStep: peak replaces at once, lower samples blend with 1 - e^(-dt/decay)', (t) => {
  t.equal(ewmaStep(10, 50, 0, 1000), 50, 'higher sample: peak')
  t.equal(ewmaStep(0, 7, 123, 1000), 7, 'first sample')
  t.equal(ewmaStep(50, 10, 0, 1000), 50, 'no time elapsed: unchanged')
  const w = Math.exp(-1)
  t.equal(ewmaStep(50, 10, 1000, 1000), 50 * w + 10 * (1 - w), 'one time constant later')
  t.equal(ewmaStep(50, 0, 2000, 1000), 50 * Math.exp(-2), 'a read (sample 0) only decays')
  t.equal(ewmaStep(50, 10, -5, 1000), 50, 'time going backwards changes nothing')
  t.end()
})

t.test('peakEwmaLoad: cost × (outstanding + 1), untried servers with requests in flight cost the penalty', (t) => {
  t.equal(peakEwmaLoad(10, 0), 10)
  t.equal(peakEwmaLoad(10, 3), 40)
  t.equal(peakEwmaLoad(0, 0), 0)
  t.equal(peakEwmaLoad(0, 2), UNTRIED_PENALTY + 2)
  t.end()
})

/** Drives a balancer like a backend: take on pick, observe + drop at the end. */
function harness(balancer: Balancer, clock: FakeClock) {
  return {
    start(server: ServerView) {
      ;(server as ServerRecord).served++
      balancer.took?.(server)
    },
    end(server: ServerView, latency: number, ok: boolean) {
      ;(server as ServerRecord).served--
      balancer.dropped?.(server)
      balancer.observe?.(server, latency, ok)
    },
    clock,
  }
}

t.test('prefers the fast server when one is 10x slower', (t) => {
  const clock = new FakeClock()
  const servers = makeServers([1, 1])
  const balancer = createPeakEwma(servers, CONFIG, { ...makeContext({ random: seededRandom(7) }), clock: clock })
  const h = harness(balancer, clock)
  const latency: Record<string, number> = { s1: 10, s2: 100 }
  const counts: Record<string, number> = { s1: 0, s2: 0 }
  // Sequential requests, one every 20 ms, each served in its server's latency.
  for (let i = 0; i < 1000; i++) {
    const server = balancer.pick({})!
    counts[server.name]!++
    h.start(server)
    clock.advance(latency[server.name]!)
    h.end(server, latency[server.name]!, true)
    clock.advance(10)
  }
  t.ok(counts['s1']! > 950, `fast server took ${counts['s1']} of 1000`)
  t.ok(counts['s2']! >= 1, 'the slow server was tried')
  t.end()
})

t.test('avoids a server that fails fast (failure penalty), where leastconn-like cost would prefer it', (t) => {
  const clock = new FakeClock()
  const servers = makeServers([1, 1])
  const balancer = createPeakEwma(servers, CONFIG, { ...makeContext({ random: seededRandom(3) }), clock: clock })
  const h = harness(balancer, clock)
  const counts: Record<string, number> = { s1: 0, s2: 0 }
  for (let i = 0; i < 1000; i++) {
    const server = balancer.pick({})!
    counts[server.name]!++
    h.start(server)
    // s2 fails in 1 ms, s1 answers in 10 ms.
    const ms = server.name === 's2' ? 1 : 10
    clock.advance(ms)
    h.end(server, ms, server.name !== 's2')
    clock.advance(5)
  }
  t.ok(counts['s2']! < 20, `failing server took ${counts['s2']} of 1000`)
  t.ok(counts['s2']! >= 1)

  // Without a penalty, the same fast errors attract traffic.
  const clock2 = new FakeClock()
  const naive = createPeakEwma(makeServers([1, 1]), { ...CONFIG, failurePenalty: 0 } as BalanceConfig, { ...makeContext({ random: seededRandom(3) }), clock: clock2 })
  const h2 = harness(naive, clock2)
  let failing = 0
  for (let i = 0; i < 1000; i++) {
    const server = naive.pick({})!
    if (server.name === 's2') failing++
    h2.start(server)
    const ms = server.name === 's2' ? 1 : 10
    clock2.advance(ms)
    h2.end(server, ms, server.name !== 's2')
    clock2.advance(5)
  }
  t.ok(failing > 900, `without penalty the failing server took ${failing}`)
  t.end()
})

t.test('the penalty decays: a penalised server is probed again after about decay × ln(penalty / cost)', (t) => {
  const clock = new FakeClock()
  const servers = makeServers([1, 1])
  const balancer = createPeakEwma(servers, { algorithm: 'peak-ewma', decay: 1000, failurePenalty: 1000 }, { ...makeContext({ random: replay([0, 0]) }), clock: clock })
  const [s1, s2] = servers as [ServerRecord, ServerRecord]
  balancer.observe!(s1, 1, false) // s1 costs 1000
  balancer.observe!(s2, 10, true) // s2 costs 10
  // Draws: i = 0 (s1), j = 0 → 1 (s2).
  t.equal(balancer.pick({}), s2)
  clock.advance(4000) // s1: 1000 e^-4 ≈ 18.3, s2: 10 e^-4 ≈ 0.18
  t.equal(balancer.pick({}), s2)
  s2.served = 200 // s2: 0.18 × 201 ≈ 37 > 18.3
  t.equal(balancer.pick({}), s1)
  t.end()
})

t.test('untried servers fill one request at a time, then by outstanding count', (t) => {
  const servers = makeServers([1, 1, 1])
  // Each pick draws i then j; 0.99 → index 2, 0 → index 0 (j skips i).
  const balancer = createPeakEwma(servers, CONFIG, makeContext({ random: replay([0, 0]) }))
  const [s1, s2] = servers as [ServerRecord, ServerRecord, ServerRecord]
  t.equal(balancer.pick({}), s1, 'tie at 0 keeps the first draw')
  s1.served = 1
  t.equal(balancer.pick({}), s2, 'an untried busy server costs the penalty')
  s2.served = 2
  t.equal(balancer.pick({}), s1, 'both untried and busy: fewer outstanding wins')
  t.end()
})

t.test('weights scale the load', (t) => {
  const servers = makeServers([1, 3])
  const balancer = createPeakEwma(servers, CONFIG, makeContext({ random: replay([0, 0]) }))
  const [s1, s2] = servers as [ServerRecord, ServerRecord]
  balancer.observe!(s1, 10, true)
  balancer.observe!(s2, 20, true)
  t.equal(balancer.pick({}), s2, '20/3 < 10/1')
  t.end()
})

t.test('avoid, saturation and the fallback walk', (t) => {
  const servers = makeServers([1, 1, 1], { maxconn: 1 })
  const balancer = createPeakEwma(servers, CONFIG, makeContext({ random: replay([0, 0, 0]) }))
  const [s1, s2, s3] = servers as [ServerRecord, ServerRecord, ServerRecord]
  // Draws s1 and s2.
  t.equal(balancer.pick({ avoid: s1 }), s2, 'the other draw when one is avoided')
  t.equal(balancer.pick({ avoid: s2 }), s1)
  s1.served = 1
  t.equal(balancer.pick({}), s2, 'a saturated draw loses')
  s2.served = 1
  t.equal(balancer.pick({}), s3, 'both draws saturated: the walk finds s3')
  t.equal(balancer.pick({ avoid: s3 }), s3, 'avoid only when nothing else is acceptable')
  s3.served = 1
  t.equal(balancer.pick({}), undefined, 'all saturated')
  s1.served = 0
  s2.served = 0
  s3.served = 0
  s1.queued = 1
  t.equal(balancer.pick({ avoid: s2 }), s3, 'walk after avoid + saturated draws')
  balancer.observe!(s2, 5, true)
  balancer.observe!(s3, 50, true)
  s1.queued = 0
  s1.served = 1
  t.equal(balancer.pick({}), s2, 'saturated draw s1 loses to s2')
  t.end()
})

t.test('the walk keeps the lightest of several candidates', (t) => {
  const servers = makeServers([1, 1, 1, 1], { maxconn: 1 })
  const balancer = createPeakEwma(servers, CONFIG, makeContext({ random: replay([0, 0, 0]) }))
  const [s1, s2, s3, s4] = servers as [ServerRecord, ServerRecord, ServerRecord, ServerRecord]
  s1.served = 1
  s2.served = 1
  balancer.observe!(s3, 50, true)
  balancer.observe!(s4, 5, true)
  t.equal(balancer.pick({}), s4)
  t.end()
})

t.test('one member; add, remove, rejoin; unknown servers', (t) => {
  const servers = makeServers([1, 1], { maxconn: 1 })
  const [s1, s2] = servers as [ServerRecord, ServerRecord]
  const clock = new FakeClock()
  const balancer = createPeakEwma([s1], CONFIG, { ...makeContext({ random: replay([0.5]) }), clock: clock })
  t.equal(balancer.pick({ avoid: s1 }), s1, 'a single server is taken even when avoided')
  s1.served = 1
  t.equal(balancer.pick({}), undefined, 'single saturated server')
  s1.served = 0
  balancer.observe!(s2, 10, true) // not a member: ignored
  balancer.add(s2)
  balancer.add(s2) // no-op
  balancer.observe!(s2, 1000, true)
  balancer.remove(s2)
  balancer.remove(s2) // no-op
  clock.advance(5)
  balancer.add(s2) // starts afresh (cost 0)
  balancer.observe!(s1, 10, true)
  balancer.weightChanged(s1)
  // random 0.5: i = 1 (s2), j = floor(0.5) = 0 (s1): s2 costs 0 < s1's 10.
  t.equal(balancer.pick({}), s2)
  t.end()
})

t.test('without a clock time stands still; defaults when the config is another algorithm', (t) => {
  const servers = makeServers([1, 1])
  const balancer = createPeakEwma(servers, { algorithm: 'leastconn' }, makeContext({ random: replay([0, 0]) }))
  const [s1, s2] = servers as [ServerRecord, ServerRecord]
  balancer.observe!(s1, 5, false) // default penalty 1000
  balancer.observe!(s2, 500, true)
  t.equal(balancer.pick({}), s2)
  t.equal(balancer.name, 'peak-ewma')
  t.ok(balancer.dynamic && balancer.skipsSaturated)
  t.end()
})
