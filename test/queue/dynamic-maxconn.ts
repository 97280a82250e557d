import t from 'tap'
import {
  defaultFullconn,
  dynamicMaxconn,
  effectiveMaxconn,
  slowStartMaxconn,
  slowStartWeightScale,
} from '../../lib/queue/dynamic-maxconn.js'

t.test('§3.4 dynamic limit: (minconn, maxconn, fullconn, beconn) → limit', (t) => {
  // minconn, maxconn, fullconn, beconn, limit
  const rows: [number, number, number, number, number][] = [
    // the verified example: fullconn 20, minconn 2, maxconn 10
    [2, 10, 20, 1, 2],
    [2, 10, 20, 3, 2],
    [2, 10, 20, 5, 2],
    [2, 10, 20, 6, 3], // floor(6 × 10 / 20) = 3
    [2, 10, 20, 10, 5],
    [2, 10, 20, 19, 9],
    [2, 10, 20, 20, 10], // beconn ≥ fullconn → maxconn
    [2, 10, 20, 500, 10],
    [2, 10, 20, 0, 2],
    // static limit (minconn == maxconn) ignores the load
    [10, 10, 20, 1, 10],
    [10, 10, 20, 0, 10],
    // unlimited server
    [0, 0, 20, 7, 0],
    // fullconn 0: no dynamic limit could be derived → maxconn
    [2, 10, 0, 1, 10],
    // large ratios
    [1, 100, 1000, 999, 99],
    [1, 100, 1000, 5, 1],
    [50, 100, 1000, 600, 60],
    [50, 100, 1000, 400, 50],
    [1, 3, 7, 4, 1], // floor(12 / 7) = 1
    [1, 3, 7, 5, 2], // floor(15 / 7) = 2
  ]
  for (const [minconn, maxconn, fullconn, beconn, limit] of rows) {
    t.equal(dynamicMaxconn({ minconn, maxconn }, beconn, fullconn), limit, `min ${minconn} max ${maxconn} full ${fullconn} be ${beconn}`)
  }
  t.end()
})

t.test('§5.9 maxconn ramp: max(1, floor(limit × floor(100e/S) / 100))', (t) => {
  const window = { start: 10_000, end: 20_000 } // S = 10 s
  const rows: [number, number, number][] = [
    // limit, now, ramped
    [10, 10_000, 1], // e = 0 → ratio 0 → at least 1
    [10, 10_999, 1],
    [10, 11_000, 1], // ratio 10 → 1
    [10, 12_000, 2],
    [10, 15_500, 5],
    [10, 19_999, 9],
    [10, 20_000, 10], // window over
    [10, 9_999, 10], // before the start: no ramp
    [100, 13_000, 30],
    [3, 15_000, 1], // floor(3 × 50 / 100) = 1
    [0, 12_000, 0], // unlimited stays unlimited
  ]
  for (const [limit, now, expected] of rows) t.equal(slowStartMaxconn(limit, window, now), expected, `limit ${limit} at ${now}`)
  // windows are counted in whole seconds, rounded up: 1.5 s → S = 2
  t.equal(slowStartMaxconn(10, { start: 0, end: 1500 }, 1000), 5)
  t.equal(slowStartMaxconn(10, { start: 0, end: 1500 }, 1999), 5)
  t.equal(slowStartMaxconn(10, { start: 0, end: 1500 }, 2000), 10)
  // an empty window never ramps
  t.equal(slowStartMaxconn(10, { start: 0, end: 0 }, 0), 10)
  t.end()
})

t.test('effective maxconn combines the dynamic limit and the ramp', (t) => {
  const limits = { minconn: 2, maxconn: 10 }
  t.equal(effectiveMaxconn(limits, 20, 20, undefined, 0), 10)
  t.equal(effectiveMaxconn(limits, 20, 20, { start: 0, end: 10_000 }, 5000), 5)
  t.equal(effectiveMaxconn(limits, 10, 20, { start: 0, end: 10_000 }, 5000), 2) // floor(5 × 50 / 100) = 2
  t.equal(effectiveMaxconn(limits, 4, 20, { start: 0, end: 10_000 }, 1000), 1)
  t.end()
})

t.test('§5.9 weight ramp, observed: weight 20, slowstart 10 s', (t) => {
  const window = { start: 0, end: 10_000 }
  const displayed: number[] = []
  const throttle: number[] = []
  for (let e = 0; e <= 10; e++) {
    const scale = slowStartWeightScale(window, e * 1000 + 500)
    displayed.push(Math.ceil((20 * scale) / 16))
    throttle.push(Math.floor((scale * 100) / 16))
  }
  t.same(displayed, [2, 3, 5, 7, 9, 12, 13, 15, 17, 19, 20])
  t.same(throttle.slice(0, 10), [6, 12, 25, 31, 43, 56, 62, 75, 81, 93])
  t.equal(slowStartWeightScale(window, -1), 1, 'before the start')
  t.equal(slowStartWeightScale({ start: 0, end: 0 }, 0), 16, 'empty window')
  t.equal(slowStartWeightScale({ start: 0, end: 16_000 }, 15_999), 16, 'never above 16')
  t.end()
})

t.test('§3.1 default fullconn: ceil(Σ frontend maxconn / 10), at least 1', (t) => {
  t.equal(defaultFullconn([9987]), 999, 'observed: maxconn 9987 → fullconn 999')
  t.equal(defaultFullconn([100, 50]), 15)
  t.equal(defaultFullconn([1]), 1)
  t.equal(defaultFullconn([]), 1)
  t.equal(defaultFullconn([0]), 1)
  t.end()
})
