/**
 * Transport choice benchmark: the same minimal forwarding proxy built on
 * node:http's keep-alive Agent, on undici's `Pool.request()` and on undici's
 * raw `Pool.dispatch()` handler API, measured interleaved with autocannon.
 *
 *   node --import tsx bench/transport.ts [--duration 5] [--rounds 2] [--body 100]
 *   npm run bench -- transport
 *
 * Each proxy and the upstream run in their own child process; autocannon runs
 * in this one. Results go to stdout and bench/results/transport.json.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { Pool } from 'undici'
import type { Dispatcher } from 'undici'
import autocannon from 'autocannon'
import { writeResults } from './results.js'

const self = fileURLToPath(import.meta.url)

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port))
  })
}

/** Upstream: answers every request with a fixed body. */
async function upstream(bodySize: number): Promise<number> {
  const body = Buffer.alloc(bodySize, 'x')
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length })
      res.end(body)
    })
  })
  server.keepAliveTimeout = 60_000
  return listen(server)
}

function nodeHttpProxy(port: number): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
  return http.createServer((req, res) => {
    const up = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent }, (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.headers)
      ures.pipe(res)
    })
    up.on('error', () => {
      res.statusCode = 502
      res.end()
    })
    req.pipe(up)
  })
}

function undiciRequestProxy(port: number): http.Server {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 256 })
  return http.createServer((req, res) => {
    const headers = { ...req.headers }
    delete headers.connection
    pool
      .request({ path: req.url ?? '/', method: req.method as Dispatcher.HttpMethod, headers, body: req.method === 'GET' ? null : req })
      .then(({ statusCode, headers: h, body }) => {
        delete h['connection']
        delete h['keep-alive']
        res.writeHead(statusCode, h)
        body.pipe(res)
      })
      .catch(() => {
        res.statusCode = 502
        res.end()
      })
  })
}

function undiciDispatchProxy(port: number): http.Server {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 256 })
  return http.createServer((req, res) => {
    const headers = { ...req.headers }
    delete headers.connection
    let controller: Dispatcher.DispatchController | undefined
    res.on('drain', () => controller?.resume())
    pool.dispatch(
      { origin: `http://127.0.0.1:${port}`, path: req.url ?? '/', method: req.method as Dispatcher.HttpMethod, headers, body: req.method === 'GET' ? null : req },
      {
        onRequestStart(c) {
          controller = c
        },
        onResponseStart(_c, statusCode, h) {
          delete h['connection']
          delete h['keep-alive']
          res.writeHead(statusCode, h)
        },
        onResponseData(c, chunk) {
          if (!res.write(chunk)) c.pause()
        },
        onResponseEnd() {
          res.end()
        },
        onResponseError() {
          if (res.headersSent) res.destroy()
          else {
            res.statusCode = 502
            res.end()
          }
        },
      },
    )
  })
}

const kinds = { 'node-http-agent': nodeHttpProxy, 'undici-request': undiciRequestProxy, 'undici-dispatch': undiciDispatchProxy }
type Kind = keyof typeof kinds

function child(args: string[]): Promise<{ proc: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', self, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    proc.stdout!.once('data', (d: Buffer) => resolve({ proc, port: Number(d.toString().trim()) }))
    proc.once('error', reject)
  })
}

/** Runs the benchmark (also the `npm run bench -- transport` entry point). */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      role: { type: 'string' },
      port: { type: 'string' },
      duration: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '2' },
      body: { type: 'string', default: '100' },
      connections: { type: 'string', default: '50' },
    },
  })
  if (values.role === 'upstream') {
    process.stdout.write(`${await upstream(Number(values.body))}\n`)
    return
  }
  if (values.role !== undefined) {
    const server = kinds[values.role as Kind](Number(values.port))
    process.stdout.write(`${await listen(server)}\n`)
    return
  }
  const duration = Number(values.duration)
  const connections = Number(values.connections)
  const up = await child(['--role', 'upstream', '--body', values.body])
  const proxies = await Promise.all(
    (Object.keys(kinds) as Kind[]).map(async (kind) => ({ kind, ...(await child(['--role', kind, '--port', String(up.port)])) })),
  )
  const results: Record<string, { rps: number[]; p50: number[]; p99: number[] }> = {}
  try {
    for (const p of proxies) await autocannon({ url: `http://127.0.0.1:${p.port}/`, connections, duration: 1 }) // warm-up
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const p of proxies) {
        const r = await autocannon({ url: `http://127.0.0.1:${p.port}/`, connections, duration })
        const entry = (results[p.kind] ??= { rps: [], p50: [], p99: [] })
        entry.rps.push(r.requests.average)
        entry.p50.push(r.latency.p50)
        entry.p99.push(r.latency.p99)
        console.log(`${p.kind.padEnd(16)} round ${round + 1}: ${r.requests.average.toFixed(0)} req/s p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms errors ${r.errors} non2xx ${r.non2xx}`)
      }
    }
  } finally {
    up.proc.kill()
    for (const p of proxies) p.proc.kill()
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
  const summary = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { rps: mean(v.rps), p50: mean(v.p50), p99: mean(v.p99) }]))
  console.table(summary)
  writeResults('transport', { duration, connections, body: Number(values.body), results, summary })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await run(process.argv.slice(2))
