import t from 'tap'
import { comparisonCharts, runCharts } from '../../lib/sim/charts.js'
import { compareAlgorithms, comparisonTable } from '../../lib/sim/compare.js'

const SCENARIO = {
  name: 'tiny',
  servers: [{ name: 'a', maxconn: 1, service: 10 }, { name: 'b', maxconn: 1, service: 10, errorRate: 0.5 }],
  arrivals: [{ kind: 'burst', count: 20 }],
  compare: ['roundrobin', 'leastconn'],
}

t.test('run charts', async (t) => {
  const [result] = await compareAlgorithms(SCENARIO, ['roundrobin'])
  const charts = runCharts(result!)
  t.same(Object.keys(charts).sort(), ['in-service.svg', 'latency.svg', 'queue-depth.svg', 'server-load.svg'])
  t.match(charts['queue-depth.svg'], /backend queue/)
  t.match(charts['queue-depth.svg'], /a queue/)
  t.match(charts['latency.svg'], />all</)
  t.match(charts['server-load.svg'], />failed</)
  t.end()
})

t.test('comparisons: the scenario list, an explicit list, the scenario algorithm alone', async (t) => {
  const results = await compareAlgorithms(SCENARIO)
  t.same(results.map((r) => r.algorithm), ['roundrobin', 'leastconn'])
  const explicit = await compareAlgorithms(SCENARIO, [{ algorithm: 'random', draws: 2 }])
  t.same(explicit.map((r) => r.algorithm), ['random(2)'])
  const alone = await compareAlgorithms({ ...SCENARIO, compare: [], backend: { balance: 'first' } })
  t.same(alone.map((r) => r.algorithm), ['first'])
  const charts = comparisonCharts('Tiny', results, 'tiny')
  t.same(Object.keys(charts).sort(), ['tiny-cdf.svg', 'tiny-errors.svg', 'tiny-percentiles.svg'])
  t.match(charts['tiny-cdf.svg'], />leastconn</)
  t.same(Object.keys(comparisonCharts('Tiny', results)).sort(), ['compare-cdf.svg', 'compare-errors.svg', 'compare-percentiles.svg'])
  const table = comparisonTable(results)
  t.match(table, /^\| algorithm \| served \|/)
  t.equal(table.trimEnd().split('\n').length, 4)
  t.match(table, /\| roundrobin \| \d+ \| /)
  t.end()
})
