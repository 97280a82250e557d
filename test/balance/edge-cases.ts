import t from 'tap'
import { Farm } from '../../lib/balance/farm.js'
import type { BalanceConfig } from '../../lib/balance/types.js'
import { seededRandom } from '../fixtures/seeded-random.js'

/** Every algorithm, through the farm, on the edge cases the issue lists. */
const hash = (type: 'map-based' | 'consistent'): BalanceConfig => ({
  algorithm: 'hash', key: { kind: 'uri' }, type, function: 'sdbm', avalanche: type === 'consistent', balanceFactor: 0,
})
const ALGORITHMS: Record<string, BalanceConfig> = {
  roundrobin: { algorithm: 'roundrobin' },
  'static-rr': { algorithm: 'static-rr' },
  leastconn: { algorithm: 'leastconn' },
  first: { algorithm: 'first' },
  random: { algorithm: 'random', draws: 2, balanceFactor: 0 },
  'map-hash': hash('map-based'),
  chash: hash('consistent'),
}

function farm(config: BalanceConfig, servers: Array<{ weight?: number; backup?: boolean; operational?: 'down' }>): Farm {
  const f = new Farm({ balance: config, random: seededRandom(3) })
  servers.forEach((s, i) => f.add({ name: `s${i + 1}`, address: `10.0.0.${i}:80`, ...s }))
  return f
}

for (const [name, config] of Object.entries(ALGORITHMS)) {
  t.test(name, (t) => {
    t.equal(farm(config, []).pick({ uri: '/x' }), undefined, 'no servers → nothing')
    t.equal(farm(config, [{ weight: 0 }, { weight: 0 }]).pick({ uri: '/x' }), undefined, 'all weight 0 → nothing')
    t.equal(farm(config, [{ operational: 'down' }, { operational: 'down' }]).pick({ uri: '/x' }), undefined, 'all down → nothing')
    const one = farm(config, [{ weight: 3 }])
    t.same(Array.from({ length: 5 }, (_, i) => one.pick({ uri: `/k${i}` })?.name), ['s1', 's1', 's1', 's1', 's1'], 'one server takes all')
    const backupOnly = farm(config, [{ backup: true }, { backup: true }])
    t.same(Array.from({ length: 4 }, (_, i) => backupOnly.pick({ uri: `/k${i}` })?.name), ['s1', 's1', 's1', 's1'], 'backup only → first backup')

    // 10,000 servers: every pick is a usable server and the load spreads.
    const big = farm(config, Array.from({ length: 10_000 }, (_, i) => ({ weight: 1 + (i % 4) })))
    const seen = new Set<string>()
    for (let i = 0; i < 20_000; i++) {
      const s = big.pick({ uri: `/item/${i}` })!
      seen.add(s.name)
    }
    if (name === 'first' || name === 'leastconn') t.equal(seen.size, 1, 'no load: first/leastconn keep the first server')
    else t.ok(seen.size > 3_000, `20,000 picks reach many of 10,000 servers (${seen.size})`)
    t.end()
  })
}

t.test('long-run proportions follow random weights (tolerance 2% of picks per server)', (t) => {
  const random = seededRandom(99)
  for (const name of ['roundrobin', 'static-rr', 'random', 'chash', 'map-hash']) {
    const weights = Array.from({ length: 6 }, () => 1 + Math.floor(random() * 20))
    const f = farm(ALGORITHMS[name]!, weights.map((weight) => ({ weight })))
    const total = weights.reduce((a, b) => a + b, 0)
    const picks = total * 500
    const counts = new Map<string, number>()
    for (let i = 0; i < picks; i++) {
      const s = f.pick({ uri: `/u/${i}` })!
      counts.set(s.name, (counts.get(s.name) ?? 0) + 1)
    }
    // Hash distributions are lumpier than schedules: a wider band for them.
    const tolerance = name === 'chash' || name === 'map-hash' || name === 'random' ? 0.35 : 0.02
    weights.forEach((w, i) => {
      const expected = (picks * w) / total
      const got = counts.get(`s${i + 1}`) ?? 0
      t.ok(Math.abs(got - expected) <= expected * tolerance, `${name} s${i + 1}: ${got} ≈ ${expected.toFixed(0)} (±${tolerance * 100}%)`)
    })
  }
  t.end()
})
