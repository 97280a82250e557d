import t from 'tap'
import { buildMapTable, staticWeight } from '../../lib/balance/map-table.js'
import type { ServerView } from '../../lib/balance/types.js'
import { makeServers } from '../fixtures/servers.js'
import { seededRandom } from '../fixtures/seeded-random.js'

/** HAProxy's O(T × n) construction, transcribed from §2.2, as the oracle. */
function naiveTable(servers: readonly ServerView[], divisor: number): string[] {
  const ew = servers.map((s) => Math.ceil(s.weight / divisor))
  const total = ew.reduce((a, b) => a + b, 0)
  const score = servers.map(() => 0)
  const out: string[] = []
  for (let o = 0; o < total; o++) {
    let best = -1
    let bestV = -Infinity
    for (let i = 0; i < servers.length; i++) {
      score[i]! += ew[i]!
      const v = Math.floor((score[i]! + total) / total)
      if (ew[i]! > 0 && v > bestV) {
        bestV = v
        best = i
      }
    }
    score[best]! -= total
    out.push(servers[best]!.name)
  }
  return out
}

const names = (table: readonly ServerView[]): string[] => table.map((s) => s.name)

t.test('tables observed on HAProxy 2.6 (§2.2)', (t) => {
  const cases: Array<[number[], number, string]> = [
    [[1, 2, 3, 4], 1, 's1 s2 s4 s3 s4 s2 s3 s4 s3 s4'],
    [[5, 1], 1, 's1 s1 s1 s1 s1 s2'],
    [[3, 2], 1, 's1 s1 s2 s1 s2'],
    [[7, 3, 1], 1, 's1 s1 s2 s1 s1 s2 s1 s1 s2 s1 s3'],
    [[2, 4, 6], 2, 's1 s3 s2 s3 s2 s3'],
    [[1], 1, 's1'],
  ]
  for (const [weights, divisor, expected] of cases) {
    t.equal(names(buildMapTable(makeServers(weights), divisor)).join(' '), expected, `weights ${weights.join(',')}`)
  }
  t.end()
})

t.test('weight-0 servers get no slot; all zero gives an empty table', (t) => {
  const servers = makeServers([1, 0, 2])
  t.equal(names(buildMapTable(servers, 1)).join(' '), 's1 s3 s3')
  t.same(buildMapTable(makeServers([0, 0]), 1), [])
  t.same(buildMapTable([], 1), [])
  t.end()
})

t.test('staticWeight rounds up after the GCD division', (t) => {
  const [a, b] = makeServers([3, 4])
  t.equal(staticWeight(a!, 2), 2)
  t.equal(staticWeight(b!, 2), 2)
  t.end()
})

t.test('fast construction equals the naive procedure on random weight sets', (t) => {
  const random = seededRandom(42)
  for (let round = 0; round < 200; round++) {
    const n = 1 + Math.floor(random() * 12)
    const weights = Array.from({ length: n }, () => 1 + Math.floor(random() * (round % 2 === 0 ? 8 : 256)))
    const divisor = round % 5 === 0 ? 3 : 1
    const servers = makeServers(weights)
    const fast = names(buildMapTable(servers, divisor))
    const naive = naiveTable(servers, divisor)
    if (fast.join() !== naive.join()) {
      t.same(fast, naive, `weights ${weights.join(',')} divisor ${divisor}`)
      break
    }
  }
  t.equal(names(buildMapTable(makeServers([4, 4, 4, 9, 13]), 1)).join(), naiveTable(makeServers([4, 4, 4, 9, 13]), 1).join())
  t.end()
})

t.test('every server gets exactly its static weight of slots', (t) => {
  const weights = Array.from({ length: 1000 }, (_, i) => 1 + (i % 7))
  const table = buildMapTable(makeServers(weights), 1)
  const count = new Map<string, number>()
  for (const s of table) count.set(s.name, (count.get(s.name) ?? 0) + 1)
  t.equal(table.length, weights.reduce((a, b) => a + b, 0))
  t.equal(count.get('s1'), 1)
  t.equal(count.get('s7'), 7)
  t.equal(count.get('s1000'), weights[999])
  t.end()
})
