/**
 * Runs one scenario under several balancing algorithms and summarises the
 * runs side by side.
 */
import type { BalanceOptions } from '../options/balance.js'
import { formatNumber } from './svg.js'
import { parseScenario } from './scenario-schema.js'
import { simulate, type SimResult, type SimulateOptions } from './simulate.js'

/**
 * Simulates `scenario` once per algorithm, in order, all with the scenario's
 * seed (so arrivals are identical across runs). Without `algorithms`, the
 * scenario's own `compare` list is used, else its `backend.balance` alone.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an invalid scenario or algorithm
 */
export async function compareAlgorithms(
  scenario: unknown,
  algorithms?: readonly BalanceOptions[],
  options: Omit<SimulateOptions, 'balance'> = {},
): Promise<SimResult[]> {
  const parsed = parseScenario(scenario)
  const list = algorithms ?? (parsed.compare.length > 0 ? parsed.compare : [parsed.backend.balance])
  const results: SimResult[] = []
  for (const balance of list) results.push(await simulate(scenario, { ...options, balance }))
  return results
}

/** A Markdown table of runs: p50 / p99 / p99.9 / max latency (ms) and errors per algorithm. */
export function comparisonTable(results: readonly SimResult[]): string {
  const lines = [
    '| algorithm | served | p50 ms | p99 ms | p99.9 ms | max ms | failed | timed out / refused | retries |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of results) {
    const q = r.requests
    const cells = [r.latency.p50, r.latency.p99, r.latency.p999, r.latency.max].map(formatNumber)
    lines.push(`| ${r.algorithm} | ${q.served} | ${cells.join(' | ')} | ${q.failed} | ${q.timedOut + q.full + q.noServer} | ${q.retries} |`)
  }
  return `${lines.join('\n')}\n`
}
