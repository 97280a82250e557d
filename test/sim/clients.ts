import t from 'tap'
import { ClientPicker } from '../../lib/sim/clients.js'
import { createPrng } from '../../lib/sim/prng.js'

function counts(picker: ClientPicker, clients: number, draws: number): number[] {
  const out = new Array<number>(clients).fill(0)
  for (let i = 0; i < draws; i++) out[picker.next()]!++
  return out
}

t.test('uniform: every client about equally often', (t) => {
  const c = counts(new ClientPicker(4, 0, createPrng(1)), 4, 40_000)
  for (const n of c) t.ok(Math.abs(n - 10_000) < 400, `${n} ≈ 10000`)
  t.end()
})

t.test('skew 1 (Zipf): client i gets a share ∝ 1 / (i + 1)', (t) => {
  const c = counts(new ClientPicker(4, 1, createPrng(2)), 4, 100_000)
  const harmonic = 1 + 1 / 2 + 1 / 3 + 1 / 4
  c.forEach((n, i) => {
    const expected = 100_000 / (i + 1) / harmonic
    t.ok(Math.abs(n - expected) / expected < 0.03, `client ${i}: ${n} ≈ ${Math.round(expected)}`)
  })
  t.end()
})

t.test('edges: u = 0 picks the first client, u just below 1 the last; one client', (t) => {
  const draws = [0, 0.999999]
  const fixed = new ClientPicker(3, 2, () => draws.shift()!)
  t.same([fixed.next(), fixed.next()], [0, 2])
  t.equal(new ClientPicker(1, 1, () => 0.5).next(), 0)
  t.equal(new ClientPicker(1, 0, () => 0.5).next(), 0)
  t.end()
})
