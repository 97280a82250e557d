/**
 * `switchyard simulate scenario.json [--out dir]`: runs a scenario file
 * through the simulator, prints a summary, and writes the result as JSON and
 * SVG charts.
 */
import { dirname, join, resolve } from 'node:path'
import type { BalanceOptions } from '../options/balance.js'
import { comparisonCharts, runCharts } from '../sim/charts.js'
import { compareAlgorithms, comparisonTable } from '../sim/compare.js'
import { parseScenario } from '../sim/scenario-schema.js'
import type { SimResult } from '../sim/simulate.js'
import type { CliIo } from './io.js'
import type { Command } from './main.js'

const USAGE = `usage: switchyard simulate <scenario.json> [options]

Runs a scenario (servers, arrivals, failures, changes: see docs/simulations.md)
through the real balancer and queues in virtual time, deterministically.

options:
  --out <dir>        write result.json, summary.md and SVG charts to <dir>
  --balance <name>   use this algorithm instead of the scenario's (repeat to compare)
  --seed <n>         override the scenario's seed
  --json             print the result JSON instead of a summary`

interface Args {
  readonly file: string
  readonly out: string | undefined
  readonly balance: string[]
  readonly seed: number | undefined
  readonly json: boolean
}

function parseArgs(args: readonly string[]): Args | string {
  let file: string | undefined
  let out: string | undefined
  let seed: number | undefined
  let json = false
  const balance: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--json') {
      json = true
      continue
    }
    if (arg === '--out' || arg === '--balance' || arg === '--seed') {
      const value = args[++i]
      if (value === undefined) return `${arg} needs a value`
      if (arg === '--out') out = value
      else if (arg === '--balance') balance.push(value)
      else if (/^-?\d+$/.test(value)) seed = Number(value)
      else return `--seed needs an integer, got "${value}"`
      continue
    }
    if (arg.startsWith('-')) return `unknown option ${arg}`
    if (file !== undefined) return `one scenario file at a time (got "${file}" and "${arg}")`
    file = arg
  }
  if (file === undefined) return 'missing the scenario file'
  return { file, out, balance, seed, json }
}

/**
 * Reads a scenario file, replacing each `{ kind: 'trace', file }` arrival by
 * the requests in that JSON file (relative to the scenario's directory).
 */
export async function readScenario(path: string, io: CliIo): Promise<unknown> {
  const scenario = parseJson(await io.readFile(path), path)
  if (typeof scenario !== 'object' || scenario === null || !Array.isArray((scenario as { arrivals?: unknown }).arrivals)) return scenario
  const arrivals = (scenario as { arrivals: unknown[] }).arrivals
  for (let i = 0; i < arrivals.length; i++) {
    const source = arrivals[i]
    if (typeof source !== 'object' || source === null) continue
    const { kind, file, ...rest } = source as { kind?: unknown; file?: unknown }
    if (kind !== 'trace' || typeof file !== 'string') continue
    const tracePath = resolve(dirname(path), file)
    arrivals[i] = { ...rest, kind, requests: parseJson(await io.readFile(tracePath), tracePath) }
  }
  return scenario
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`)
  }
}

function summary(r: SimResult): string {
  const q = r.requests
  const l = r.latency
  const ms = (v: number): string => `${Number(v.toFixed(3))} ms`
  return [
    `${r.name} — ${r.algorithm}, seed ${r.seed}`,
    `  requests  ${q.total} total: ${q.served} served, ${q.failed} failed, ${q.timedOut} timed out, ${q.full} queue full, ${q.noServer} no server, ${q.unfinished} unfinished; ${q.retries} retries`,
    `  latency   p50 ${ms(l.p50)}, p90 ${ms(l.p90)}, p99 ${ms(l.p99)}, p99.9 ${ms(l.p999)}, max ${ms(l.max)}`,
    `  servers   ${r.servers.map((s) => `${s.name} ${s.attempts}`).join(', ')}`,
    ...r.health.map((h) => `  health    ${ms(h.at)} ${h.server} ${h.admin}/${h.operational}${h.check === undefined ? '' : ` (${h.check})`}`),
    ...(r.persistence === undefined
      ? []
      : [`  sticky    ${r.persistence.clients} clients: ${r.persistence.hits} hits, ${r.persistence.misses} misses, ${r.persistence.redispatched} redispatched, ${r.persistence.cookiesSet} cookies set`]),
    ...(r.classes ?? []).map((c) => `  class ${c.priorityClass}  ${c.served} of ${c.total} served, ${c.timedOut} timed out; p99 ${ms(c.latency.p99)}`),
    `  ended at  ${ms(r.endedAt)} of virtual time`,
  ].join('\n')
}

/** The `simulate` subcommand. */
export const simulateCommand: Command = {
  summary: 'run a scenario through the simulator (JSON and SVG results)',
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgs(argv)
    if (typeof args === 'string') {
      io.err(`switchyard simulate: ${args}\n\n${USAGE}`)
      return 2
    }
    const raw = await readScenario(args.file, io)
    const scenario = args.seed === undefined ? raw : { ...(raw as object), seed: args.seed }
    const parsed = parseScenario(scenario)
    const algorithms: readonly BalanceOptions[] = args.balance.length > 0 ? (args.balance as BalanceOptions[]) : parsed.compare.length > 0 ? parsed.compare : [parsed.backend.balance]
    const started = io.now()
    const results = await compareAlgorithms(scenario, algorithms)
    const wall = io.now() - started
    const requests = results.reduce((n, r) => n + r.requests.total, 0)
    const json = `${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`
    if (args.json) io.out(json.trimEnd())
    else {
      for (const r of results) io.out(summary(r))
      if (results.length > 1) io.out(`\n${comparisonTable(results).trimEnd()}`)
    }
    io.err(`simulated ${requests} requests in ${Math.round(wall)} ms of wall time`)
    if (args.out !== undefined) {
      const files: Record<string, string> = { 'result.json': json }
      if (results.length === 1) Object.assign(files, runCharts(results[0]!))
      else Object.assign(files, comparisonCharts(parsed.name, results))
      files['summary.md'] = `# ${parsed.name}\n\n${parsed.description === '' ? '' : `${parsed.description}\n\n`}${comparisonTable(results)}`
      for (const [name, content] of Object.entries(files)) await io.writeFile(join(args.out, name), content)
      io.err(`wrote ${Object.keys(files).sort().join(', ')} to ${args.out}`)
    }
    return 0
  },
}
