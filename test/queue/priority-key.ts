import t from 'tap'
import {
  PRIORITY_CLASS_MAX,
  PRIORITY_CLASS_MIN,
  PRIORITY_OFFSET_MAX,
  TIME_KEY_LOOKBACK,
  TIME_KEY_RANGE,
  clampPriorityClass,
  clampPriorityOffset,
  liftTimeKey,
  relativeTimeKey,
  timeKey,
  timeKeyBoundary,
} from '../../lib/queue/priority-key.js'

t.test('constants are HAProxy’s', (t) => {
  t.equal(PRIORITY_CLASS_MIN, -2047)
  t.equal(PRIORITY_CLASS_MAX, 2047)
  t.equal(PRIORITY_OFFSET_MAX, 524287)
  t.equal(TIME_KEY_RANGE, 1_048_576)
  t.equal(TIME_KEY_LOOKBACK, 524_288)
  t.end()
})

t.test('class and offset are truncated and clamped; missing or NaN is 0', (t) => {
  const classes: [number | undefined, number][] = [
    [undefined, 0], [Number.NaN, 0], [0, 0], [5, 5], [-1, -1], [2.9, 2], [-2.9, -2],
    [3000, 2047], [-3000, -2047], [Infinity, 2047], [-Infinity, -2047],
  ]
  for (const [input, expected] of classes) t.equal(clampPriorityClass(input), expected, `class ${String(input)}`)
  const offsets: [number | undefined, number][] = [
    [undefined, 0], [Number.NaN, 0], [-5000, -5000], [5000, 5000], [1.5, 1], [600000, 524287], [-600000, -524287],
  ]
  for (const [input, expected] of offsets) t.equal(clampPriorityOffset(input), expected, `offset ${String(input)}`)
  t.end()
})

t.test('time key is whole-ms arrival plus offset', (t) => {
  t.equal(timeKey(1000.9, 0), 1000)
  t.equal(timeKey(1000.9, -5000), -4000)
  t.equal(timeKey(0, 524287), 524287)
  t.equal(timeKeyBoundary(600_000.7), 600_000 - 524_288)
  t.end()
})

t.test('lifting matches HAProxy’s 20-bit relative comparison', (t) => {
  // Recent keys stay; keys behind the boundary move by whole ranges.
  t.equal(liftTimeKey(100, 50), 100)
  t.equal(liftTimeKey(50, 50), 50)
  t.equal(liftTimeKey(49, 50), 49 + TIME_KEY_RANGE)
  t.equal(liftTimeKey(50 - 3 * TIME_KEY_RANGE, 50), 50)
  t.equal(liftTimeKey(49 - 2 * TIME_KEY_RANGE, 50), 49 + TIME_KEY_RANGE)
  // relativeTimeKey is HAProxy's view; its order equals the order of lifted keys.
  for (const now of [0, 1000, 524_288, 1_000_000, 2_500_000.5]) {
    const boundary = timeKeyBoundary(now)
    const keys = [now - 524_288, now - 524_289, now, now + 524_287, now - 2_000_000, now - 1_048_577, now - 1]
      .map((k) => Math.floor(k))
    for (const key of keys) {
      t.equal(relativeTimeKey(key, now), liftTimeKey(key, boundary) - boundary, `key ${key} at ${now}`)
    }
  }
  // A key exactly at the boundary is the most urgent one; one ms before has wrapped to the end.
  t.equal(relativeTimeKey(1000 - TIME_KEY_LOOKBACK, 1000), 0)
  t.equal(relativeTimeKey(999 - TIME_KEY_LOOKBACK, 1000), TIME_KEY_RANGE - 1)
  t.end()
})
