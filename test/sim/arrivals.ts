import t from 'tap'
import { ArrivalCursor, arrivalCount, arrivalHorizon } from '../../lib/sim/arrivals.js'
import { createPrng } from '../../lib/sim/prng.js'
import type { ArrivalProcess } from '../../lib/sim/scenario.js'

function drain(source: ArrivalProcess, seed = 1): Array<[number, string | undefined]> {
  const cursor = new ArrivalCursor(source, createPrng(seed))
  const out: Array<[number, string | undefined]> = []
  while (cursor.next()) out.push([cursor.at, cursor.key])
  t.equal(cursor.next(), false, 'stays exhausted')
  return out
}

t.test('constant: evenly spaced from start', (t) => {
  const source: ArrivalProcess = { kind: 'constant', rate: 4, start: 100, count: 3, keys: 0 }
  t.same(drain(source), [[100, undefined], [350, undefined], [600, undefined]])
  t.equal(arrivalCount(source), 3)
  t.equal(arrivalHorizon(source), 850)
  t.end()
})

t.test('poisson: exponential gaps with mean 1000 / rate', (t) => {
  const source: ArrivalProcess = { kind: 'poisson', rate: 100, start: 50, count: 20_000, keys: 0 }
  const times = drain(source).map(([at]) => at)
  t.ok(times[0]! > 50)
  const meanGap = (times.at(-1)! - 50) / times.length
  t.ok(Math.abs(meanGap - 10) < 0.3, `mean gap ${meanGap}`)
  t.same(times, [...times].sort((a, b) => a - b), 'in order')
  t.equal(arrivalHorizon(source), 50 + 200_000)
  t.end()
})

t.test('burst and keys', (t) => {
  const source: ArrivalProcess = { kind: 'burst', at: 10, count: 4, spacing: 2, keys: 3 }
  const out = drain(source, 4)
  t.same(out.map(([at]) => at), [10, 12, 14, 16])
  for (const [, key] of out) t.match(key, /^\/k[0-2]$/)
  t.equal(arrivalHorizon(source), 18)
  t.end()
})

t.test('trace: replayed as given; empty trace', (t) => {
  const source: ArrivalProcess = { kind: 'trace', requests: [{ at: 1, key: 'a' }, { at: 5 }] }
  t.same(drain(source), [[1, 'a'], [5, undefined]])
  t.equal(arrivalCount(source), 2)
  t.equal(arrivalHorizon(source), 5)
  t.equal(arrivalHorizon({ kind: 'trace', requests: [] }), 0)
  t.end()
})
