/**
 * HTTP macro benchmark: autocannon against, interleaved in one run,
 *
 * - `direct`: one upstream, no proxy (the ceiling);
 * - `switchyard`: createProxy, round robin over 4 keep-alive upstreams;
 * - `switchyard-rules`: the same with a typical rule set (an allowlist, a
 *   per-source rate limit and two header rules), to measure what rules cost;
 * - `undici-minimal`: a hand-written proxy on undici `Pool.request()` + `pipeline()`,
 *   round robin over the same 4 upstreams (the "plain Node" baseline);
 * - `http-proxy`: node-http-proxy with a keep-alive agent, same round robin;
 * - `switchyard-cookie`: `switchyard` plus cookie persistence (`insert indirect`),
 *   every request a returning client (`Cookie: SERVERID=s2; session=…`): the cookie
 *   is parsed, the server pinned, the header rewritten, the response checked;
 *
 * for a 100-byte and a 64 KiB response body. Each proxy and the upstreams run in
 * their own child process (autocannon runs in this one); the proxy's CPU time per
 * request is read from its child over IPC. Reports req/s, p50/p99 latency, CPU µs
 * per request, and ratios; writes bench/results/http.json.
 *
 *   node --import tsx bench/http.ts [--duration 5] [--connections 50] [--rounds 1] [--sizes 100,65536] [--cases switchyard,switchyard-rules]
 *   npm run bench -- http
 *
 * The machine is shared: absolute numbers are noisy, compare ratios within a run.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import { pipeline } from 'node:stream'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import httpProxy from 'http-proxy'
import { Pool, type Dispatcher } from 'undici'
import { createProxy } from '../lib/proxy.js'
import { writeResults } from './results.js'

const self = fileURLToPath(import.meta.url)
const UPSTREAMS = 4
const CASES = ['direct', 'switchyard', 'switchyard-cookie', 'switchyard-rules', 'undici-minimal', 'http-proxy'] as const
/** Request headers per case (the cookie case sends a returning client's cookie). */
const HEADERS: Partial<Record<Case, Record<string, string>>> = { 'switchyard-cookie': { cookie: 'SERVERID=s2; session=0123456789abcdef' } }
type Case = (typeof CASES)[number]

function listen(server: http.Server): Promise<number> {
  server.keepAliveTimeout = 60_000
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)))
}

/** Upstreams: `GET /<n>` answers n bytes. */
async function upstreams(): Promise<number[]> {
  const bodies = new Map<string, Buffer>()
  const handler: http.RequestListener = (req, res) => {
    let body = bodies.get(req.url!)
    if (body === undefined) {
      body = Buffer.alloc(Number(req.url!.slice(1)) || 0, 'x')
      bodies.set(req.url!, body)
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length })
    res.end(body)
  }
  return Promise.all(Array.from({ length: UPSTREAMS }, () => listen(http.createServer(handler))))
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-connection'])

function strip<T extends Record<string, unknown>>(headers: T): T {
  const out = { ...headers }
  for (const name of Object.keys(out)) if (HOP.has(name)) delete out[name]
  return out
}

/** The proxies under test, each built over the upstream addresses. */
const proxies: Record<Exclude<Case, 'direct'>, (addresses: string[]) => http.Server> = {
  switchyard(addresses) {
    // The real thing: createProxy → core Backend (roundrobin) → HTTP adapters.
    const proxy = createProxy()
    const web = proxy.addBackend('bench', { balance: 'roundrobin' })
    addresses.forEach((address, i) => web.addServer(`s${i + 1}`, { address }))
    return http.createServer(proxy.handler)
  },
  'switchyard-cookie'(addresses) {
    const proxy = createProxy()
    const web = proxy.addBackend('bench', { balance: 'roundrobin', cookie: { name: 'SERVERID', mode: 'insert', indirect: true } })
    addresses.forEach((address, i) => web.addServer(`s${i + 1}`, { address, cookie: `s${i + 1}` }))
    return http.createServer(proxy.handler)
  },
  'switchyard-rules'(addresses) {
    // issue 12's "typical set": an allowlist, a rate limit (never reached here) and two header rules.
    const proxy = createProxy({
      rules: {
        tables: { per_ip: { size: 100_000, expire: 60_000, httpReqRate: 10_000 } },
        request: [
          { action: 'deny', unless: { kind: 'src', networks: ['127.0.0.0/8', '10.0.0.0/8', '::1'] } },
          { action: 'track', key: 'src', table: 'per_ip' },
          { action: 'deny', status: 429, if: { kind: 'counter', slot: 0, counter: 'http_req_rate', compare: { op: 'gt', value: 1_000_000_000 } } },
          { action: 'set-header', name: 'x-client', value: { format: '%[src]' } },
          { action: 'del-header', name: 'x-debug' },
        ],
      },
    })
    const web = proxy.addBackend('bench', { balance: 'roundrobin' })
    addresses.forEach((address, i) => web.addServer(`s${i + 1}`, { address }))
    return http.createServer(proxy.handler)
  },
  'undici-minimal'(addresses) {
    const pools = addresses.map((a) => new Pool(a, { connections: 256 }))
    let next = 0
    return http.createServer((req, res) => {
      const pool = pools[next++ % pools.length]!
      const bodyless = req.method === 'GET' || req.method === 'HEAD'
      pool
        .request({ path: req.url!, method: req.method as Dispatcher.HttpMethod, headers: strip(req.headers), body: bodyless ? null : req })
        .then(({ statusCode, headers, body }) => {
          res.writeHead(statusCode, strip(headers))
          pipeline(body, res, () => {})
        })
        .catch(() => {
          res.statusCode = 502
          res.end()
        })
    })
  },
  'http-proxy'(addresses) {
    const proxy = httpProxy.createProxyServer({ agent: new http.Agent({ keepAlive: true, maxSockets: 256 }) })
    proxy.on('error', (_err, _req, res) => {
      if ('writeHead' in res && !res.headersSent) res.writeHead(502)
      res.end()
    })
    let next = 0
    return http.createServer((req, res) => proxy.web(req, res, { target: addresses[next++ % addresses.length] }))
  },
}

interface Child {
  readonly proc: ChildProcess
  readonly ports: number[]
  cpu(): Promise<number>
}

/** Starts a role in a child process; it prints its ports as JSON and answers 'cpu' with µs used. */
function child(args: string[]): Promise<Child> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', self, ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
    proc.once('error', reject)
    proc.stdout!.once('data', (d: Buffer) => {
      const ports = JSON.parse(d.toString()) as number[]
      resolve({
        proc,
        ports,
        cpu: () =>
          new Promise((ok) => {
            proc.once('message', (m) => ok(m as number))
            proc.send('cpu')
          }),
      })
    })
  })
}

async function serveRole(role: string, ports: number[]): Promise<void> {
  const own = role === 'upstreams' ? await upstreams() : [await listen(proxies[role as Exclude<Case, 'direct'>](ports.map((p) => `http://127.0.0.1:${p}`)))]
  process.on('message', () => {
    const u = process.cpuUsage()
    process.send!(u.user + u.system)
  })
  process.stdout.write(`${JSON.stringify(own)}\n`)
}

interface Row {
  case: Case
  size: number
  rps: number
  p50: number
  p99: number
  cpuUsPerRequest: number | null
  errors: number
  non2xx: number
}

/** Runs the benchmark (also the `npm run bench -- http` entry point). */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      role: { type: 'string' },
      ports: { type: 'string', default: '' },
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '1' },
      sizes: { type: 'string', default: '100,65536' },
      cases: { type: 'string', default: CASES.join(',') },
    },
  })
  if (values.role !== undefined) {
    await serveRole(values.role, values.ports.split(',').filter(Boolean).map(Number))
    return
  }
  const duration = Number(values.duration)
  const connections = Number(values.connections)
  const sizes = values.sizes.split(',').map(Number)
  const cases = CASES.filter((c) => c === 'direct' || values.cases.split(',').includes(c))
  const up = await child(['--role', 'upstreams'])
  const children = new Map<Case, Child>()
  for (const c of cases) if (c !== 'direct') children.set(c, await child(['--role', c, '--ports', up.ports.join(',')]))
  const portOf = (c: Case): number => (c === 'direct' ? up.ports[0]! : children.get(c)!.ports[0]!)
  const rows: Row[] = []
  try {
    for (const size of sizes) {
      for (const c of cases) await autocannon({ url: `http://127.0.0.1:${portOf(c)}/${size}`, connections, duration: 1, headers: HEADERS[c] ?? {} }) // warm-up
      for (let round = 0; round < Number(values.rounds); round++) {
        for (const c of cases) {
          const proc = children.get(c)
          const before = proc === undefined ? 0 : await proc.cpu()
          const r = await autocannon({ url: `http://127.0.0.1:${portOf(c)}/${size}`, connections, duration, headers: HEADERS[c] ?? {} })
          const used = proc === undefined ? 0 : (await proc.cpu()) - before
          const total = r.requests.total
          rows.push({
            case: c,
            size,
            rps: r.requests.average,
            p50: r.latency.p50,
            p99: r.latency.p99,
            cpuUsPerRequest: proc === undefined || total === 0 ? null : used / total,
            errors: r.errors,
            non2xx: r.non2xx,
          })
          console.error(`${String(size).padStart(6)} B ${c.padEnd(15)} ${r.requests.average.toFixed(0).padStart(7)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms`)
        }
      }
    }
  } finally {
    up.proc.kill()
    for (const c of children.values()) c.proc.kill()
  }
  const summary = summarize(rows, sizes, cases)
  console.table(summary)
  const file = writeResults('http', { duration, connections, rounds: Number(values.rounds), upstreams: UPSTREAMS, rows, summary })
  console.error(`results: ${file}`)
}

/** Mean per case and size, with ratios to the baselines. */
function summarize(rows: Row[], sizes: number[], cases: readonly Case[]): Record<string, unknown>[] {
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
  const out: Record<string, unknown>[] = []
  for (const size of sizes) {
    const of = (c: Case): Row[] => rows.filter((r) => r.size === size && r.case === c)
    const rps = (c: Case): number => mean(of(c).map((r) => r.rps))
    const ratio = (c: Case, base: Case): number | string => (cases.includes(base) ? Number((rps(c) / rps(base)).toFixed(2)) : '-')
    for (const c of cases) {
      const own = of(c)
      const cpu = own[0]?.cpuUsPerRequest
      out.push({
        size,
        case: c,
        'req/s': Math.round(rps(c)),
        'p50 ms': mean(own.map((r) => r.p50)),
        'p99 ms': mean(own.map((r) => r.p99)),
        'cpu µs/req': cpu === null || cpu === undefined ? '-' : Number(mean(own.map((r) => r.cpuUsPerRequest!)).toFixed(1)),
        'x switchyard': ratio(c, 'switchyard'),
        'x undici': ratio(c, 'undici-minimal'),
        'x http-proxy': ratio(c, 'http-proxy'),
        errors: own.reduce((n, r) => n + r.errors + r.non2xx, 0),
      })
    }
  }
  return out
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await run(process.argv.slice(2))
