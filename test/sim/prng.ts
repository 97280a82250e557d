import t from 'tap'
import { createPrng } from '../../lib/sim/prng.js'

const GOLDEN = [1925742633, 1996256342, 4205161343]

t.test('same seed and stream, same sequence; streams and seeds differ', (t) => {
  const a = createPrng(1)
  const b = createPrng(1, 0)
  const seqA = Array.from({ length: 5 }, a)
  t.same(Array.from({ length: 5 }, b), seqA)
  t.not(createPrng(1, 1)(), seqA[0])
  t.not(createPrng(2)(), seqA[0])
  t.end()
})

t.test('uniform in [0, 1): range, mean and buckets of 100,000 draws', (t) => {
  const random = createPrng(12345)
  const buckets = new Array<number>(10).fill(0)
  let sum = 0
  for (let i = 0; i < 100_000; i++) {
    const x = random()
    if (x < 0 || x >= 1) t.fail(`out of range: ${x}`)
    sum += x
    buckets[Math.floor(x * 10)]!++
  }
  t.ok(Math.abs(sum / 100_000 - 0.5) < 0.005, `mean ${sum / 100_000}`)
  for (const n of buckets) t.ok(Math.abs(n - 10_000) < 400, `bucket ${n}`)
  t.end()
})

t.test('golden values (the sequence must never change: saved scenarios replay identically)', (t) => {
  const random = createPrng(42)
  t.same(Array.from({ length: 3 }, () => Math.floor(random() * 2 ** 32)), GOLDEN)
  t.end()
})
