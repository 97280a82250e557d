import t from 'tap'
import { CDF_QUANTILES, SampleList, cdfOf, latencyStats, quantile } from '../../lib/sim/stats.js'

t.test('nearest-rank quantiles', (t) => {
  const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  t.equal(quantile(sorted, 0), 1)
  t.equal(quantile(sorted, 0.5), 5)
  t.equal(quantile(sorted, 0.51), 6)
  t.equal(quantile(sorted, 0.9), 9)
  t.equal(quantile(sorted, 0.99), 10)
  t.equal(quantile(sorted, 1), 10)
  t.equal(quantile(new Float64Array(0), 0.5), 0)
  t.end()
})

t.test('latencyStats and the CDF', (t) => {
  const list = new SampleList()
  for (let i = 2000; i >= 1; i--) list.push(i)
  t.equal(list.size, 2000, 'grew past its first 1024 slots')
  const sorted = list.sorted()
  t.same(latencyStats(sorted), { count: 2000, mean: 1000.5, min: 1, p50: 1000, p90: 1800, p99: 1980, p999: 1998, max: 2000 })
  t.same(latencyStats(new Float64Array(0)), { count: 0, mean: 0, min: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 })
  const cdf = cdfOf(sorted)
  t.equal(cdf.length, CDF_QUANTILES.length)
  t.equal(cdf[0], 1)
  t.equal(cdf.at(-1), 2000)
  t.end()
})
