/**
 * Rule evaluations per second, in process: the "typical set" of issue 12
 * (an allowlist, a per-address rate limit and two header rules), built both
 * through the API and from haproxy.cfg lines, against the no-rules fast path
 * (`hasRules` false: the HTTP layer skips everything).
 *
 * One iteration is what the HTTP layer does per request: evaluate, apply the
 * header edits to the upstream header list, end the request for the counters.
 * 1,024 client addresses, time advancing 1 ms every 64 requests.
 * Usage: npm run bench -- rules [--ms 400]
 */
import { RulesConfigParser } from '../lib/rules/cfg-rules.js'
import { applyHeaderEdits } from '../lib/rules/header-edits.js'
import { RuleSet } from '../lib/rules/rule-set.js'
import type { RuleRequest } from '../lib/rules/types.js'
import { writeResults } from './results.js'

const typical = new RuleSet({
  tables: { per_ip: { size: 100_000, expire: 60_000, httpReqRate: 10_000 } },
  request: [
    { action: 'deny', unless: { kind: 'src', networks: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } },
    { action: 'track', key: 'src', table: 'per_ip' },
    { action: 'deny', status: 429, if: { kind: 'counter', slot: 0, counter: 'http_req_rate', compare: { op: 'gt', value: 1_000_000 } } },
    { action: 'set-header', name: 'x-forwarded-proto', value: 'https' },
    { action: 'del-header', name: 'x-debug' },
  ],
})

const cfg = new RulesConfigParser({ tableName: 'fe' })
for (const line of [
  'acl allowed src 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16',
  'stick-table type ip size 100k expire 60s store http_req_rate(10s),conn_cur',
  'http-request deny unless allowed',
  'http-request track-sc0 src',
  'http-request deny deny_status 429 if { sc_http_req_rate(0) gt 1000000 }',
  'http-request set-header X-Forwarded-Proto https',
  'http-request del-header X-Debug',
]) {
  cfg.line(line)
}
const fromCfg = new RuleSet(cfg.options())

const none = new RuleSet()

/** 1,024 requests from distinct addresses with a realistic header set. */
function requests(): RuleRequest[] {
  return Array.from({ length: 1024 }, (_, i) => ({
    method: 'GET',
    url: `/api/v1/items/${i}?page=2`,
    source: `10.0.${(i >> 8) & 255}.${i & 255}`,
    headers: { host: 'example.com', 'user-agent': 'bench/1.0', accept: '*/*', 'x-forwarded-proto': 'http' },
  }))
}

const UPSTREAM = ['host', 'example.com', 'user-agent', 'bench/1.0', 'accept', '*/*', 'x-forwarded-proto', 'http']

function measure(ms: number, body: (n: number) => void): number {
  body(20_000) // warm-up: let the JIT settle
  let ops = 0
  let batch = 10_000
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(ms) * 1_000_000n
  let now = start
  while (now < deadline) {
    body(batch)
    ops += batch
    now = process.hrtime.bigint()
    if (batch < 1_000_000) batch *= 2
  }
  return ops / (Number(now - start) / 1e9)
}

export async function run(args: string[]): Promise<void> {
  const ms = Number(argValue(args, '--ms') ?? 400)
  const reqs = requests()
  let clock = 0
  let sink = 0
  const perRequest = (rules: RuleSet) => (n: number) => {
    for (let i = 0; i < n; i++) {
      if ((i & 63) === 0) clock++
      const request = reqs[i & 1023]!
      const headers = UPSTREAM.slice() // the HTTP layer builds this list anyway
      if (!rules.hasRules) {
        sink += headers.length
        continue
      }
      const v = rules.evaluate(request, clock)
      if (v.action !== 'continue') throw new Error(`unexpected ${v.action}`)
      if (v.headersChanged) applyHeaderEdits(headers, v)
      rules.end(v, 200, clock)
      sink += headers.length
    }
  }
  const rows = [
    { case: 'no rules (hasRules = false)', opsPerSecond: Math.round(measure(ms, perRequest(none))) },
    { case: 'typical set (API)', opsPerSecond: Math.round(measure(ms, perRequest(typical))) },
    { case: 'typical set (haproxy.cfg)', opsPerSecond: Math.round(measure(ms, perRequest(fromCfg))) },
  ]
  if (sink === -1) console.log('unreachable')
  for (const row of rows) console.log(`${row.case.padEnd(30)} ${(row.opsPerSecond / 1e6).toFixed(2).padStart(6)} M requests/s  ${(1e9 / row.opsPerSecond).toFixed(0).padStart(5)} ns/request`)
  const table = typical.tables.get('per_ip')!.stats()
  console.log(`table: ${table.entries} entries, ${table.evictions} evictions`)
  console.log(`\nwrote ${writeResults('rules', { ms, rows })}`)
}

function argValue(args: string[], name: string): string | undefined {
  const at = args.indexOf(name)
  return at === -1 ? undefined : args[at + 1]
}
