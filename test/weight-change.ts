import t from 'tap'
import { resolveWeightChange, type WeightChange } from '../lib/weight-change.js'

t.test('absolute weights 0..256', (t) => {
  t.equal(resolveWeightChange(0, 10), 0)
  t.equal(resolveWeightChange(256, 10), 256)
  t.equal(resolveWeightChange('7', 10), 7)
  t.end()
})

t.test('relative weights follow HAProxy’s truncation and caps (§1, verified)', (t) => {
  const rows: [WeightChange, number, number][] = [
    ['50%', 10, 5],
    ['75%', 10, 7],
    ['300%', 10, 30],
    ['0%', 10, 0],
    ['100%', 10, 10],
    ['25600%', 1, 256],
    ['99999%', 1, 256], // capped at 25600 % → 256
    ['1000%', 100, 256], // capped at 256
    ['50%', 1, 0],
  ]
  for (const [change, initial, expected] of rows) t.equal(resolveWeightChange(change, initial), expected, `${change} of ${initial}`)
  t.end()
})

t.test('anything else is refused with SWY_ERR_INVALID_OPTION', (t) => {
  for (const bad of [-1, 257, 1.5, Number.NaN, '-5%', '5.5%', '', 'abc', '257', ' 5'] as unknown as WeightChange[]) {
    t.throws(() => resolveWeightChange(bad, 10), { code: 'SWY_ERR_INVALID_OPTION' }, String(bad))
  }
  t.end()
})
