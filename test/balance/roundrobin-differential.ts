/**
 * Differential test: the bucket-queue `roundrobin` must pick exactly what the
 * original heap implementation (test/fixtures/roundrobin-heap.ts) picks, under
 * random weights, weight changes, slow-start scales, add/remove, saturation
 * (served and queued) and `avoid`.
 */
import t from 'tap'
import { createRoundRobin } from '../../lib/balance/roundrobin.js'
import type { Balancer, ServerView } from '../../lib/balance/types.js'
import { ServerRecord } from '../../lib/server.js'
import type { Random } from '../../lib/types.js'
import { createRoundRobinHeap } from '../fixtures/roundrobin-heap.js'
import { makeContext } from '../fixtures/servers.js'
import { seededRandom } from '../fixtures/seeded-random.js'

const config = { algorithm: 'roundrobin' } as const

/** Weight distributions: each stresses a different shape of the schedule. */
const PROFILES: Record<string, (random: Random) => number> = {
  'uniform 1..256': (r) => 1 + Math.floor(r() * 256),
  'small 1..4': (r) => 1 + Math.floor(r() * 4),
  equal: () => 3,
  // A weight-1 server's step spans many CUR ring laps: exercises aliasing.
  'extremes 1 or 256': (r) => (r() < 0.5 ? 1 : 256),
  'benchmark 1..8': (r) => 1 + Math.floor(r() * 8),
}

interface Tally {
  picks: number
  none: number
  avoided: number
}

interface Options {
  /** Servers in the scenario: exactly this many, or 1 up to this many at random. */
  readonly servers: number
  readonly exact?: boolean
  readonly steps: number
  /** Probabilities per step; the rest are picks. */
  readonly churn: number
  readonly weights: number
  readonly releases: number
}

const name = (s: ServerView | undefined): string => s?.name ?? '-'

/** Runs one random scenario on both implementations; returns the first divergence, or undefined. */
function scenario(seed: number, weightOf: (random: Random) => number, options: Options, tally: Tally): string | undefined {
  const random = seededRandom(seed)
  const n = options.exact === true ? options.servers : 1 + Math.floor(random() * options.servers)
  const servers = Array.from({ length: n }, (_, i) => {
    const maxconn = random() < 0.5 ? 1 + Math.floor(random() * 3) : 0
    return new ServerRecord({ name: `s${i + 1}`, address: 'a', weight: weightOf(random), maxconn }, i, i + 1)
  })
  // Start with all, some or none of the servers; the rest join later.
  const start = random()
  const inGroup = new Set(servers.filter(() => start < 0.6 || (start < 0.9 && random() < 0.5)))
  const initial = servers.filter((s) => inGroup.has(s))
  const ours: Balancer = createRoundRobin(initial, config, makeContext())
  const model: Balancer = createRoundRobinHeap(initial, config, makeContext())
  const log: string[] = []
  for (let step = 0; step < options.steps; step++) {
    const s = servers[Math.floor(random() * n)]!
    const r = random()
    if (r < options.churn) {
      if (inGroup.delete(s)) {
        log.push(`remove ${s.name}`)
        ours.remove(s)
        model.remove(s)
      } else {
        log.push(`add ${s.name}`)
        inGroup.add(s)
        ours.add(s)
        model.add(s)
      }
    } else if (r < options.churn + options.weights) {
      // A new weight, sometimes scaled down as during slow start (eweight = weight × 1..16).
      s.weight = weightOf(random)
      s.scale = random() < 0.3 ? 1 + Math.floor(random() * 16) : 16
      s.eweight = s.weight * s.scale
      log.push(`eweight ${s.name} ${s.eweight}`)
      ours.weightChanged(s)
      model.weightChanged(s)
    } else if (r < options.churn + options.weights + options.releases) {
      if (s.served > 0) s.served--
      // A server's own queue makes it saturated too.
      if (s.maxconn > 0 && random() < 0.1) s.queued = s.queued === 0 ? 1 : 0
    } else if (inGroup.size > 0) {
      const avoid = random() < 0.1 ? s : undefined
      const request = avoid === undefined ? {} : { avoid }
      const got = ours.pick(request)
      const want = model.pick(request)
      log.push(`pick${avoid === undefined ? '' : ` avoid ${avoid.name}`} → ${name(want)}`)
      if (got !== want) return `step ${step}: got ${name(got)}, model ${name(want)}; last ops: ${log.slice(-8).join('; ')}`
      tally.picks++
      if (want === undefined) tally.none++
      else {
        if (want !== avoid && avoid !== undefined) tally.avoided++
        if (want.maxconn > 0) (want as ServerRecord).served++
      }
    }
    if (log.length > 64) log.splice(0, 32)
  }
  return undefined
}

t.test('same picks as the heap implementation over random scenarios', async (t) => {
  let base = 0
  for (const [profile, weightOf] of Object.entries(PROFILES)) {
    const tally: Tally = { picks: 0, none: 0, avoided: 0 }
    const failures: string[] = []
    base += 1000
    for (let seed = base; seed < base + 40; seed++) {
      const failure = scenario(seed, weightOf, { servers: 24, steps: 2500, churn: 0.03, weights: 0.03, releases: 0.25 }, tally)
      if (failure !== undefined) failures.push(`seed ${seed}: ${failure}`)
    }
    t.same(failures.slice(0, 3), [], `${profile}: identical pick sequences`)
    t.ok(tally.picks > 40_000 && tally.none > 100 && tally.avoided > 100, `${profile}: ${JSON.stringify(tally)}`)
  }
})

t.test('same picks over many rounds without churn', async (t) => {
  // Rare changes: long stretches of plain rotation with round switches.
  const tally: Tally = { picks: 0, none: 0, avoided: 0 }
  const failures: string[] = []
  for (let seed = 100; seed < 120; seed++) {
    const failure = scenario(seed, PROFILES['small 1..4']!, { servers: 8, steps: 4000, churn: 0.002, weights: 0.002, releases: 0.4 }, tally)
    if (failure !== undefined) failures.push(`seed ${seed}: ${failure}`)
  }
  t.same(failures.slice(0, 3), [])
  t.ok(tally.picks > 30_000, JSON.stringify(tally))
})

t.test('same picks at 3,000 servers with weights 1..8', async (t) => {
  const tally: Tally = { picks: 0, none: 0, avoided: 0 }
  const failure = scenario(7, PROFILES['benchmark 1..8']!, { servers: 3000, exact: true, steps: 60_000, churn: 0.001, weights: 0.001, releases: 0.3 }, tally)
  t.equal(failure, undefined)
  t.ok(tally.picks > 35_000, JSON.stringify(tally))
})
