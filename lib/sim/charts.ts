/**
 * The charts of a simulation result and of a comparison of algorithms, as
 * SVG files (name → content).
 */
import type { SimResult } from './simulate.js'
import { CDF_QUANTILES } from './stats.js'
import { barChart, lineChart, type LineSeries } from './svg.js'

/**
 * Charts of one run:
 * - `queue-depth.svg`: backend queue and each server's own queue over time;
 * - `in-service.svg`: requests in service per server over time;
 * - `server-load.svg`: attempts, successes and failures per server;
 * - `latency.svg`: p50 / p90 / p99 / p99.9 per server and overall.
 */
export function runCharts(result: SimResult): Record<string, string> {
  const { queue } = result
  const over = (values: readonly number[]): Array<[number, number]> => values.map((v, i) => [queue.time[i]!, v])
  const label = `${result.name} (${result.algorithm})`
  const queues: LineSeries[] = [{ name: 'backend queue', points: over(queue.backend) }]
  for (const [name, values] of Object.entries(queue.servers)) queues.push({ name: `${name} queue`, points: over(values) })
  const inService: LineSeries[] = Object.entries(queue.inService).map(([name, values]) => ({ name, points: over(values) }))
  const servers = result.servers
  const percentiles = (s: { latency: SimResult['latency'] }): number[] => [s.latency.p50, s.latency.p90, s.latency.p99, s.latency.p999]
  const rows = [...servers.map((s) => ({ name: s.name, values: percentiles(s) })), { name: 'all', values: percentiles(result) }]
  return {
    'queue-depth.svg': lineChart({ title: `Queue depth: ${label}`, xLabel: 'time (ms)', yLabel: 'requests waiting', series: queues, step: true }),
    'in-service.svg': lineChart({ title: `In service: ${label}`, xLabel: 'time (ms)', yLabel: 'requests in service', series: inService, step: true }),
    'server-load.svg': barChart({
      title: `Load per server: ${label}`,
      yLabel: 'requests',
      categories: servers.map((s) => s.name),
      series: [
        { name: 'attempts', values: servers.map((s) => s.attempts) },
        { name: 'served', values: servers.map((s) => s.served) },
        { name: 'failed', values: servers.map((s) => s.failed) },
      ],
    }),
    'latency.svg': barChart({
      title: `Latency percentiles: ${label}`,
      yLabel: 'latency (ms, log)',
      categories: rows.map((r) => r.name),
      series: ['p50', 'p90', 'p99', 'p99.9'].map((name, i) => ({ name, values: rows.map((r) => r.values[i]!) })),
      logY: true,
    }),
  }
}

/**
 * Charts comparing runs of one scenario (one run per algorithm), named
 * `<prefix>-percentiles.svg` (p50 / p99 / p99.9 per algorithm),
 * `<prefix>-cdf.svg` (latency distribution per algorithm) and
 * `<prefix>-errors.svg` (requests that did not get a response, per algorithm).
 */
export function comparisonCharts(title: string, results: readonly SimResult[], prefix = 'compare'): Record<string, string> {
  const categories = results.map((r) => r.algorithm)
  return {
    [`${prefix}-percentiles.svg`]: barChart({
      title: `${title}: latency percentiles`,
      yLabel: 'latency (ms, log)',
      categories,
      series: [
        { name: 'p50', values: results.map((r) => r.latency.p50) },
        { name: 'p99', values: results.map((r) => r.latency.p99) },
        { name: 'p99.9', values: results.map((r) => r.latency.p999) },
      ],
      logY: true,
    }),
    [`${prefix}-cdf.svg`]: lineChart({
      title: `${title}: latency CDF`,
      xLabel: 'latency (ms, log)',
      yLabel: 'fraction of requests',
      series: results.map((r) => ({ name: r.algorithm, points: r.cdf.map((v, i) => [v, CDF_QUANTILES[i]!] as [number, number]) })),
      logX: true,
    }),
    [`${prefix}-errors.svg`]: barChart({
      title: `${title}: errors`,
      yLabel: 'requests',
      categories,
      series: [
        { name: 'failed', values: results.map((r) => r.requests.failed) },
        { name: 'timed out / refused', values: results.map((r) => r.requests.timedOut + r.requests.full + r.requests.noServer) },
        { name: 'retries', values: results.map((r) => r.requests.retries) },
      ],
    }),
  }
}
