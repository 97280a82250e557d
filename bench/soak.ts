/**
 * Soak (issue 11): a paced, open-loop mixed workload through switchyard, with
 * the proxy, the upstream servers and the load generator in three processes so
 * that the proxy's memory, file descriptors and handles are measured alone.
 *
 *   npm run soak                      # 10 minutes
 *   npm run soak -- --duration 60     # the CI form (same criteria)
 *   npm run soak -- --rate 2000       # a fixed rate instead of a fraction of capacity
 *
 * Phases: capacity (closed loop, 32 in flight, `--capacity-seconds`), then the
 * paced load at `--fraction` × capacity (capped by `--max-rate`, or exactly
 * `--rate`), then 5 s of quiet. Workload: 75 % GET 100 B, 15 % POST 1 KiB
 * (echoed), 5 % GET 256 KiB streamed, 5 % slots start a WebSocket session (3
 * echoed messages, then close). Latency is measured from each request's
 * scheduled time (no coordinated omission).
 *
 * Criteria (exit 1 when one fails): 0 failed requests; p99 <= `--p99` ms (25);
 * RSS after warm-up: least-squares slope < 0.5 MB/min and end <= 1.2 × warm-up;
 * fds and active handles back to the pre-load baseline within 5 s of the load
 * stopping; upstream HTTP connections open at once <= the pools' bound (sum of
 * maxconn). Writes bench/results/soak.json.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Pool } from 'undici'
import { WebSocket, WebSocketServer } from 'ws'
import { createProxy } from '../lib/proxy.js'
import { safeDefaults } from '../lib/options/safe-defaults.js'
import { writeResults } from './results.js'

const self = fileURLToPath(import.meta.url)
const SERVERS = 2
const MAXCONN = 64
const SMALL = Buffer.alloc(100, 's')
const LARGE_CHUNK = Buffer.alloc(16_384, 'L')
const LARGE = 256 * 1024
const POST_BODY = Buffer.alloc(1024, 'p')

type Message = { type: string; [key: string]: unknown }

function send(msg: Message): void {
  process.send!(msg)
}

/** Resolves with the next message of `type` from a child. */
function next(child: ChildProcess, type: string): Promise<Message> {
  return new Promise((resolve) => {
    const on = (m: Message): void => {
      if (m.type !== type) return
      child.off('message', on)
      resolve(m)
    }
    child.on('message', on)
  })
}

// ── role: upstream servers ───────────────────────────────────────────────────

async function upstreams(): Promise<void> {
  const stats = Array.from({ length: SERVERS }, () => ({ accepted: 0, open: 0, maxOpen: 0, requests: 0 }))
  const ports: number[] = []
  for (let i = 0; i < SERVERS; i++) {
    const st = stats[i]!
    const server = http.createServer((req, res) => {
      st.requests++
      if (req.method === 'POST') {
        let n = 0
        req.on('data', (c: Buffer) => (n += c.length))
        req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(String(n)))
        return
      }
      req.resume()
      if (req.url === '/large') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': LARGE })
        let left = LARGE
        const write = (): void => {
          while (left > 0) {
            left -= LARGE_CHUNK.length
            if (left === 0) return void res.end(LARGE_CHUNK)
            if (!res.write(LARGE_CHUNK)) return void res.once('drain', write)
          }
        }
        write()
        return
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': SMALL.length }).end(SMALL)
    })
    server.keepAliveTimeout = 10_000
    const wss = new WebSocketServer({ noServer: true })
    server.on('upgrade', (req, socket, head) => {
      // An upgraded socket is a tunnel, not a pooled connection.
      ;(socket as Socket & { tunnel?: boolean }).tunnel = true
      st.open--
      wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })))
    })
    server.on('connection', (s: Socket & { tunnel?: boolean }) => {
      st.accepted++
      st.open++
      st.maxOpen = Math.max(st.maxOpen, st.open)
      s.on('close', () => {
        if (s.tunnel !== true) st.open--
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    ports.push((server.address() as AddressInfo).port)
  }
  process.on('message', (m: Message) => {
    if (m.type === 'stats') send({ type: 'stats', stats })
    if (m.type === 'reset-max') for (const st of stats) st.maxOpen = st.open
  })
  send({ type: 'ready', ports })
}

// ── role: the proxy (the measured process) ───────────────────────────────────

const loopDelay = monitorEventLoopDelay({ resolution: 10 })

function sample(): { rss: number; heap: number; fds: number; handles: number; loopP99: number } {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  return {
    rss: process.memoryUsage().rss,
    heap: process.memoryUsage().heapUsed,
    fds: readdirSync('/proc/self/fd').length,
    // Everything that keeps the loop alive (sockets, servers, timers), except immediates of this very tick.
    handles: process.getActiveResourcesInfo().filter((r) => r !== 'Immediate').length,
    loopP99: loopDelay.percentile(99) / 1e6,
  }
}

async function proxyRole(ports: number[]): Promise<void> {
  const safe = safeDefaults()
  const proxy = createProxy({ ...safe.proxy })
  const be = proxy.addBackend('be', { ...safe.backend, balance: 'leastconn' })
  ports.forEach((port, i) => be.addServer(`s${i + 1}`, { ...safe.server, address: `127.0.0.1:${port}`, maxconn: MAXCONN }))
  const server = await proxy.listen(0)
  loopDelay.enable()
  let failures = 0
  be.on('lease:release', (_lease, outcome) => {
    if (outcome !== 'ok') failures++
  })
  process.on('message', (m: Message) => {
    if (m.type === 'sample') send({ type: 'sample', ...sample(), failures })
    if (m.type === 'reset-loop') loopDelay.reset()
  })
  send({ type: 'ready', port: (server.address() as AddressInfo).port })
}

// ── role: the load generator ─────────────────────────────────────────────────

interface LoadResult {
  sent: number
  ok: number
  failed: number
  errors: Record<string, number>
  latencies: number[]
  wsSessions: number
  lateStarts: number
}

/** Mixed requests: kind 0 GET small, 1 POST, 2 GET large, 3 WebSocket session. */
function kindOf(i: number): number {
  const r = i % 20
  if (r < 15) return 0
  if (r < 18) return 1
  return r === 18 ? 2 : 3
}

function oneRequest(pool: Pool, port: number, kind: number): Promise<void> {
  if (kind === 3) return wsSession(port)
  const options =
    kind === 1
      ? { path: '/post', method: 'POST' as const, body: POST_BODY, headers: { 'content-length': String(POST_BODY.length) } }
      : { path: kind === 2 ? '/large' : '/small', method: 'GET' as const }
  return pool.request(options).then(async (res) => {
    let n = 0
    for await (const c of res.body) n += (c as Buffer).length
    const want = kind === 0 ? SMALL.length : kind === 2 ? LARGE : String(POST_BODY.length).length
    if (res.statusCode !== 200 || n !== want) throw new Error(`status ${res.statusCode}, ${n} bytes`)
  })
}

function wsSession(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
    let echoed = 0
    ws.on('open', () => ws.send('m0'))
    ws.on('message', (data) => {
      if (String(data) !== `m${echoed}`) return reject(new Error('bad echo'))
      echoed++
      if (echoed < 3) ws.send(`m${echoed}`)
      else ws.close(1000)
    })
    ws.on('close', (code) => (echoed === 3 && code === 1000 ? resolve() : reject(new Error(`ws closed ${code} after ${echoed}`))))
    ws.on('error', reject)
  })
}

/** Closed loop: `inflight` requests at a time for `seconds`; returns req/s. */
async function capacity(port: number, seconds: number): Promise<number> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 32 })
  const end = performance.now() + seconds * 1000
  let done = 0
  let i = 0
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      const kind = kindOf(i++)
      await oneRequest(pool, port, kind === 3 ? 0 : kind).catch(() => {})
      done++
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: 32 }, lane))
  await pool.close()
  return done / ((performance.now() - started) / 1000)
}

/** Open loop: request i is due at start + i / rate, sent then whatever is in flight. */
async function paced(port: number, rate: number, seconds: number): Promise<LoadResult> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 128, keepAliveTimeout: 4_000 })
  const result: LoadResult = { sent: 0, ok: 0, failed: 0, errors: {}, latencies: [], wsSessions: 0, lateStarts: 0 }
  const total = Math.floor(rate * seconds)
  const interval = 1000 / rate
  const start = performance.now() + 50
  const pending = new Set<Promise<void>>()
  let i = 0
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now()
      while (i < total && start + i * interval <= now) {
        const due = start + i * interval
        if (now - due > 5) result.lateStarts++
        const kind = kindOf(i)
        if (kind === 3) result.wsSessions++
        result.sent++
        const p: Promise<void> = oneRequest(pool, port, kind).then(
          () => {
            result.ok++
            result.latencies.push(performance.now() - due)
          },
          (err: Error) => {
            result.failed++
            const key = String((err as { code?: unknown }).code ?? err.message)
            result.errors[key] = (result.errors[key] ?? 0) + 1
          },
        )
        pending.add(p)
        void p.finally(() => pending.delete(p))
        i++
      }
      if (i >= total) return resolve()
      setTimeout(tick, Math.max(0, Math.min(interval, start + i * interval - performance.now())))
    }
    tick()
  })
  await Promise.all(pending)
  await pool.close()
  return result
}

function loadRole(): void {
  process.on('message', (m: Message) => {
    const port = m['port'] as number
    if (m.type === 'capacity') void capacity(port, m['seconds'] as number).then((rps) => send({ type: 'capacity', rps }))
    if (m.type === 'paced') void paced(port, m['rate'] as number, m['seconds'] as number).then((r) => send({ type: 'paced', ...r }))
  })
  send({ type: 'ready' })
}

// ── the driver ──────────────────────────────────────────────────────────────

function spawnRole(role: string, extra: string[] = [], execArgv: string[] = []): ChildProcess {
  return fork(self, [role, ...extra], { execArgv: [...process.execArgv, ...execArgv], stdio: 'inherit' })
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length
  if (n < 2) return 0
  let sx = 0
  let sy = 0
  for (const [x, y] of points) {
    sx += x
    sy += y
  }
  const mx = sx / n
  const my = sy / n
  let num = 0
  let den = 0
  for (const [x, y] of points) {
    num += (x - mx) * (y - my)
    den += (x - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '600' },
      fraction: { type: 'string', default: '0.25' },
      'max-rate': { type: 'string', default: '2000' },
      rate: { type: 'string' },
      'capacity-seconds': { type: 'string', default: '5' },
      warmup: { type: 'string' },
      p99: { type: 'string', default: '25' },
      // Criteria reported but not enforced (comma-separated keys: p99, rss-slope); see docs/hardening.md.
      advisory: { type: 'string', default: '' },
    },
  })
  const duration = Number(values.duration)
  const warmup = values.warmup !== undefined ? Number(values.warmup) : Math.min(60, Math.max(10, duration / 4))
  const children: ChildProcess[] = []
  const kill = (): void => {
    for (const c of children) c.kill('SIGKILL')
  }
  process.on('exit', kill)
  const up = spawnRole('upstreams')
  children.push(up)
  const { ports } = (await next(up, 'ready')) as unknown as { ports: number[] }
  const px = spawnRole('proxy', [JSON.stringify(ports)], ['--expose-gc'])
  children.push(px)
  const { port } = (await next(px, 'ready')) as unknown as { port: number }
  const load = spawnRole('load')
  children.push(load)
  await next(load, 'ready')
  const probe = async (): Promise<{ rss: number; heap: number; fds: number; handles: number; loopP99: number; failures: number }> => {
    px.send({ type: 'sample' })
    return (await next(px, 'sample')) as never
  }

  const baseline = await probe()
  load.send({ type: 'capacity', port, seconds: Number(values['capacity-seconds']) })
  const capacityRps = ((await next(load, 'capacity')) as unknown as { rps: number }).rps
  const rate = values.rate !== undefined ? Number(values.rate) : Math.max(50, Math.round(Math.min(Number(values['max-rate']), Number(values.fraction) * capacityRps)))
  await delay(3_000) // let the capacity burst's connections idle out
  const preLoad = await probe()
  up.send({ type: 'reset-max' })
  px.send({ type: 'reset-loop' })
  const loadBefore = loadavg()[0]!
  console.log(`soak: capacity ${Math.round(capacityRps)} req/s (closed loop, 32 in flight); paced rate ${rate} req/s (${((rate / capacityRps) * 100).toFixed(0)} % of capacity) for ${duration} s, warm-up ${warmup} s`)

  load.send({ type: 'paced', port, rate, seconds: duration })
  const samples: { t: number; rss: number; heap: number; fds: number; handles: number }[] = []
  const started = performance.now()
  const sampleEvery = duration >= 300 ? 10_000 : 2_000
  let result: (LoadResult & { type: string }) | undefined
  void next(load, 'paced').then((r) => (result = r as never))
  while (result === undefined) {
    await delay(Math.min(sampleEvery, 500))
    if (result !== undefined) break
    const t = (performance.now() - started) / 1000
    if (samples.length === 0 || t - samples[samples.length - 1]!.t >= sampleEvery / 1000) samples.push({ t, ...(await probe()) })
  }
  const loadEnd = performance.now()
  const loadAfter = loadavg()[0]!
  const proxyLoopP99 = (await probe()).loopP99
  // Back to baseline within 5 s of the load stopping?
  let after = await probe()
  while ((after.fds > preLoad.fds || after.handles > preLoad.handles) && performance.now() - loadEnd < 5_000) {
    await delay(250)
    after = await probe()
  }
  const settledIn = performance.now() - loadEnd
  up.send({ type: 'stats' })
  const upstreamStats = ((await next(up, 'stats')) as unknown as { stats: { accepted: number; maxOpen: number; requests: number }[] }).stats

  const r = result!
  const lat = Float64Array.from(r.latencies).sort()
  const sorted = Array.from(lat)
  const measured = samples.filter((s) => s.t >= warmup)
  const warm = measured[0] ?? samples[samples.length - 1]!
  const last = measured[measured.length - 1] ?? warm
  const mbPerMin = slope(measured.map((s) => [s.t / 60, s.rss / 1e6] as const))
  const maxOpen = upstreamStats.reduce((a, s) => a + s.maxOpen, 0)
  const bound = MAXCONN * SERVERS
  const summary = {
    capacity: Math.round(capacityRps),
    rate,
    fractionOfCapacity: +(rate / capacityRps).toFixed(3),
    duration,
    warmup,
    requests: r.sent,
    ok: r.ok,
    failed: r.failed,
    errors: r.errors,
    wsSessions: r.wsSessions,
    lateStarts: r.lateStarts,
    p50: +percentile(sorted, 50).toFixed(2),
    p99: +percentile(sorted, 99).toFixed(2),
    p999: +percentile(sorted, 99.9).toFixed(2),
    max: +(sorted[sorted.length - 1] ?? 0).toFixed(2),
    rssStartMB: +(baseline.rss / 1e6).toFixed(1),
    rssWarmMB: +(warm.rss / 1e6).toFixed(1),
    rssEndMB: +(last.rss / 1e6).toFixed(1),
    rssSlopeMBPerMin: +mbPerMin.toFixed(3),
    fdsBefore: preLoad.fds,
    fdsAfter: after.fds,
    handlesBefore: preLoad.handles,
    handlesAfter: after.handles,
    settledMs: Math.round(settledIn),
    proxyEventLoopDelayP99: +proxyLoopP99.toFixed(2),
    loadAverage1m: [+loadBefore.toFixed(2), +loadAfter.toFixed(2)],
    cores: cpus().length,
    upstreamMaxOpen: maxOpen,
    upstreamBound: bound,
    upstreamAccepted: upstreamStats.reduce((a, s) => a + s.accepted, 0),
    proxyLeaseFailures: after.failures,
    samples: samples.map((s) => ({ t: +s.t.toFixed(1), rssMB: +(s.rss / 1e6).toFixed(1), heapMB: +(s.heap / 1e6).toFixed(1), fds: s.fds, handles: s.handles })),
  }
  const checks: [string, string, boolean][] = [
    ['failed', `0 failed requests (${r.failed})`, r.failed === 0 && r.ok === r.sent],
    ['p99', `p99 ${summary.p99} ms <= ${values.p99} ms`, summary.p99 <= Number(values.p99)],
    ['rss-slope', `RSS slope ${summary.rssSlopeMBPerMin} MB/min < 0.5`, mbPerMin < 0.5],
    ['rss-end', `RSS end ${summary.rssEndMB} MB <= 1.2 x warm-up ${summary.rssWarmMB} MB`, last.rss <= 1.2 * warm.rss],
    ['fds', `fds ${after.fds} <= baseline ${preLoad.fds} within 5 s`, after.fds <= preLoad.fds],
    ['handles', `handles ${after.handles} <= baseline ${preLoad.handles} within 5 s`, after.handles <= preLoad.handles],
    ['upstream', `upstream connections open at once ${maxOpen} <= pools ${bound}`, maxOpen <= bound],
  ]
  const file = writeResults(duration >= 600 ? 'soak' : `soak-${duration}s`, { ...summary, checks: Object.fromEntries(checks.map(([, name, ok]) => [name, ok])) })
  const { samples: _s, ...brief } = summary
  console.log(JSON.stringify(brief, null, 2))
  const advisory = new Set(values.advisory.split(',').filter((k) => k !== ''))
  for (const [key, name, ok] of checks) console.log(`${ok ? 'PASS' : advisory.has(key) ? 'WARN (advisory, not enforced)' : 'FAIL'} ${name}`)
  if (Math.max(loadBefore, loadAfter) > cpus().length || r.lateStarts > r.sent / 100) {
    console.log(`note: the machine was busy (load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} on ${cpus().length} cores, ${r.lateStarts} late starts of the generator): latency figures are not meaningful; rerun on a quiet machine`)
  }
  console.log(`results: ${file}`)
  kill()
  process.exitCode = checks.every(([key, , ok]) => ok || advisory.has(key)) ? 0 : 1
}

const role = process.argv[2]
if (role === 'upstreams') void upstreams()
else if (role === 'proxy') void proxyRole(JSON.parse(process.argv[3]!) as number[])
else if (role === 'load') loadRole()
else void main()
