import t from 'tap'
import { meanOf, sampler, type Distribution } from '../../lib/sim/distributions.js'
import { createPrng } from '../../lib/sim/prng.js'

const CASES: Array<[Distribution, number, number]> = [
  // distribution, expected mean, relative tolerance
  [{ kind: 'constant', value: 7 }, 7, 0],
  [{ kind: 'exponential', mean: 10 }, 10, 0.02],
  [{ kind: 'uniform', min: 2, max: 6 }, 4, 0.01],
  [{ kind: 'normal', mean: 50, sd: 5 }, 50, 0.01],
  [{ kind: 'lognormal', median: 10, sigma: 0.5 }, 10 * Math.exp(0.125), 0.02],
]

t.test('sample means match meanOf', (t) => {
  for (const [dist, mean, tolerance] of CASES) {
    t.equal(meanOf(dist), mean, `${dist.kind} mean`)
    const draw = sampler(dist, createPrng(3))
    let sum = 0
    let min = Infinity
    for (let i = 0; i < 50_000; i++) {
      const x = draw()
      sum += x
      min = Math.min(min, x)
    }
    t.ok(Math.abs(sum / 50_000 - mean) <= mean * tolerance, `${dist.kind}: ${sum / 50_000}`)
    t.ok(min >= 0, `${dist.kind} never negative`)
  }
  t.end()
})

t.test('normal is truncated at 0; exponential median is mean × ln 2; lognormal median', (t) => {
  const normal = sampler({ kind: 'normal', mean: 0, sd: 1 }, createPrng(1))
  let zeros = 0
  for (let i = 0; i < 10_000; i++) if (normal() === 0) zeros++
  t.ok(Math.abs(zeros - 5000) < 300, `about half are clamped: ${zeros}`)
  for (const [dist, median] of [
    [{ kind: 'exponential', mean: 10 }, 10 * Math.LN2],
    [{ kind: 'lognormal', median: 10, sigma: 1 }, 10],
  ] as Array<[Distribution, number]>) {
    const draw = sampler(dist, createPrng(8))
    const xs = Array.from({ length: 20_001 }, draw).sort((a, b) => a - b)
    t.ok(Math.abs(xs[10_000]! - median) / median < 0.03, `${dist.kind} median ${xs[10_000]}`)
  }
  t.end()
})
