import t from 'tap'
import { createFreqCtr, freqCtrTotal, freqCtrWait, readFreqCtr, updateFreqCtr } from '../../lib/rules/freq-ctr.js'

t.test('a new counter starts its period at now, rounded down to even ms', async (t) => {
  t.same(createFreqCtr(0), { tick: 0, curr: 0, prev: 0 })
  t.same(createFreqCtr(1235), { tick: 1234, curr: 0, prev: 0 })
  t.same(createFreqCtr(1234.7), { tick: 1234, curr: 0, prev: 0 }, 'fractions dropped')
  t.same(createFreqCtr(2 ** 33 + 1), { tick: 2 ** 33, curr: 0, prev: 0 }, 'no 32-bit truncation')
})

t.test('reading across the window: two buckets, previous weighted by overlap', async (t) => {
  // period 1000; 3 events in the period starting at 0.
  const c = createFreqCtr(0)
  t.equal(updateFreqCtr(c, 1000, 1, 0), 1)
  updateFreqCtr(c, 1000, 1, 500)
  t.equal(updateFreqCtr(c, 1000, 1, 500), 3)
  // [time, total (×period), rate]
  const table: Array<[number, number, number]> = [
    [500, 3000, 3], // remain 500, prev 0
    [999, 3000, 3],
    [1000, 3000, 3], // remain 0: still the current period
    [1001, 2997, 2], // remain −1 → 999 of the old current bucket
    [1500, 1500, 1],
    [1999, 3, 0],
    [2000, 0, 0], // remain 0 of the previous bucket
    [2001, 0, 0], // two periods on: nothing
  ]
  for (const [at, total, rate] of table) {
    t.equal(freqCtrTotal(c, 1000, 0, at), total, `total at ${at}`)
    t.equal(readFreqCtr(c, 1000, at), rate, `rate at ${at}`)
  }
  t.equal(freqCtrTotal(c, 1000, 2, 500), 5000, 'pending events count in full')
  t.equal(readFreqCtr(c, 1000, 1500.9), 1, 'fractional now is floored')
})

t.test('flapping correction: one event per period reads 1 until the window ends', async (t) => {
  const c = createFreqCtr(0)
  updateFreqCtr(c, 1000, 1, 0)
  t.equal(readFreqCtr(c, 1000, 1500), 1, 'prev 1 and curr 0 report prev unweighted')
  t.equal(freqCtrTotal(c, 1000, 0, 1500), 500, 'without the correction (pend ≥ 0) it is weighted')
  t.equal(readFreqCtr(c, 1000, 2000), 1)
  t.equal(readFreqCtr(c, 1000, 2001), 0)
})

t.test('updates rotate the buckets', async (t) => {
  const c = createFreqCtr(0)
  for (let i = 0; i < 3; i++) updateFreqCtr(c, 1000, 1, 100)
  t.equal(updateFreqCtr(c, 1000, 1, 1200), 1, 'one period later: current restarts')
  t.same(c, { tick: 1000, curr: 1, prev: 3 })
  t.equal(readFreqCtr(c, 1000, 1200), 3, '3 × 800/1000 + 1 = 3.4')
  t.equal(freqCtrTotal(c, 1000, 0, 1200), 3400)
  updateFreqCtr(c, 1000, 1, 3500)
  t.same(c, { tick: 3500, curr: 1, prev: 0 }, 'two periods missed: both buckets restart at now')
  updateFreqCtr(c, 1000, 1, 5001)
  t.same(c, { tick: 4500, curr: 1, prev: 1 }, 'one period on from 3500')
  updateFreqCtr(c, 1000, 1, 6501)
  t.same(c, { tick: 6500, curr: 1, prev: 0 }, 'restart at an odd now: tick rounded down to even')
  const odd = createFreqCtr(0)
  updateFreqCtr(odd, 1001, 2, 0)
  updateFreqCtr(odd, 1001, 1, 1001)
  t.same(odd, { tick: 1000, curr: 1, prev: 2 }, 'tick + odd period rounded down to even (HAProxy lock bit)')
  t.equal(updateFreqCtr(odd, 1001, 5, 1500), 6, 'inc > 1')
})

t.test('freqCtrWait: earliest time a test passes, found by bisection', async (t) => {
  const c = { tick: 0, curr: 5, prev: 0 }
  // A retried request is counted, then the rate must be ≤ 3:
  // before 1000 the total is 6 × 1000; after the rotation it is 5 × (2000 − t) + 1000 < 4000 ⇔ t > 1400.
  const passes = (probe: typeof c, at: number): boolean => {
    updateFreqCtr(probe, 1000, 1, at)
    return readFreqCtr(probe, 1000, at) <= 3
  }
  t.equal(freqCtrWait(c, 1000, 100, passes), 1401)
  t.same(c, { tick: 0, curr: 5, prev: 0 }, 'the counter itself is untouched')
  t.equal(freqCtrWait(c, 1000, 100.5, () => true), 100, 'already passing: now (floored)')
  t.equal(freqCtrWait(c, 1000, 100, () => false), undefined, 'never passes')
  // Without counting the retry: 5 × (2000 − t) < 4000 ⇔ t > 1200.
  t.equal(freqCtrWait(c, 1000, 0, (p, at) => readFreqCtr(p, 1000, at) <= 3), 1201)
})
