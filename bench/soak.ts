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
 * paced load through the proxy at `--fraction` × capacity (capped by
 * `--max-rate`, or exactly `--rate`), then the same paced load straight to one
 * upstream for `--direct-seconds` (the baseline of the same run). Workload: 75 %
 * GET 100 B, 15 % POST 1 KiB (echoed), 5 % GET 256 KiB streamed, 5 % slots
 * start a WebSocket session (handshake, 3 echoed messages, close).
 *
 * Latency is per exchange: each HTTP request and each WebSocket handshake from
 * its scheduled time (no coordinated omission), each WebSocket echo from its
 * send; whole sessions are reported apart. The first `--latency-warmup` seconds
 * (5) are reported apart too: after the pause the first second runs slow (p99
 * 160-600 ms measured) while the generator's and the proxy's pools reconnect.
 *
 * Criteria (exit 1 when one fails, unless listed in `--advisory`): 0 failed
 * requests; p99 <= `--p99` ms (25) after the latency warm-up; RSS after the
 * memory warm-up (`--warmup`): least-squares slope < 0.5 MB/min and end <= 1.2 ×
 * warm-up; fds and active handles back to the pre-load baseline within 5 s of
 * the load stopping; upstream HTTP connections open at once <= the pools' bound
 * (sum of maxconn). Writes bench/results/soak.json (soak-<N>s.json for shorter runs).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Pool, type Dispatcher } from 'undici'
import { WebSocket, WebSocketServer } from 'ws'
import { createProxy } from '../lib/proxy.js'
import { safeDefaults } from '../lib/options/safe-defaults.js'
import { writeResults } from './results.js'

const self = fileURLToPath(import.meta.url)
/**
 * The young-generation size docs/operations.md recommends for a proxy: buffers read from
 * sockets are freed by cheap scavenges before they push V8 into a full mark-compact
 * (measured here: 167 → 24 mark-compacts a minute, p99 ÷ 1.3-3, RSS -25 MB).
 */
const RECOMMENDED_NODE_OPTIONS = '--max-semi-space-size=4'
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

/**
 * This process's event-loop delay (every role measures its own, so that a latency
 * tail can be traced to the process that stalled). The histogram records the time
 * between 10 ms timer ticks: 10 ms means no delay.
 */
const loopDelay = monitorEventLoopDelay({ resolution: 10 })

function loopFigures(): { loopP99: number; loopMax: number } {
  return { loopP99: +(loopDelay.percentile(99) / 1e6).toFixed(2), loopMax: +(loopDelay.max / 1e6).toFixed(2) }
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
    if (m.type === 'stats') send({ type: 'stats', stats, ...loopFigures() })
    if (m.type === 'reset-max') {
      for (const st of stats) st.maxOpen = st.open
      loopDelay.reset()
    }
  })
  loopDelay.enable()
  send({ type: 'ready', ports })
}

// ── role: the proxy (the measured process) ───────────────────────────────────

/**
 * The proxy's figures. `collect` forces a full GC first: only while no load runs,
 * since a forced collection of the whole heap stalls the loop for 10-20 ms
 * (every 2 s, that alone put the 60 s run's p99 above 40 ms).
 */
/** CPU time (user + system, µs) used since the load started. */
let cpuAtStart = process.cpuUsage()

function sample(collect: boolean): { rss: number; heap: number; fds: number; handles: number; loopP99: number; loopMax: number; cpuMicros: number } {
  if (collect) (globalThis as { gc?: () => void }).gc?.()
  return {
    rss: process.memoryUsage().rss,
    heap: process.memoryUsage().heapUsed,
    fds: readdirSync('/proc/self/fd').length,
    // Everything that keeps the loop alive (sockets, servers, timers), except immediates of this very tick.
    handles: process.getActiveResourcesInfo().filter((r) => r !== 'Immediate').length,
    loopP99: loopDelay.percentile(99) / 1e6,
    loopMax: loopDelay.max / 1e6,
    cpuMicros: ((c) => c.user + c.system)(process.cpuUsage(cpuAtStart)),
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
    if (m.type === 'sample') send({ type: 'sample', ...sample(m['collect'] === true), failures })
    if (m.type === 'reset-loop') {
      loopDelay.reset()
      cpuAtStart = process.cpuUsage()
    }
    if (m.type === 'exit') process.exit(0)
  })
  send({ type: 'ready', port: (server.address() as AddressInfo).port })
}

// ── role: the load generator ─────────────────────────────────────────────────

/** What a latency sample measures (a WebSocket session gives one handshake and three echoes). */
const EXCHANGES = ['getSmall', 'post', 'getLarge', 'webSocketHandshake', 'webSocketEcho'] as const
const WS_HANDSHAKE = 3
const WS_ECHO = 4

interface Percentiles {
  n: number
  p50: number
  p99: number
  p999: number
  max: number
}

interface LoadResult {
  /** Requests and WebSocket sessions started. */
  sent: number
  ok: number
  failed: number
  errors: Record<string, number>
  /** Every exchange after the latency warm-up. */
  latency: Percentiles
  /** Every exchange, the warm-up included. */
  latencyWithWarmup: Percentiles
  /** After the latency warm-up, by exchange. */
  byExchange: Record<string, Percentiles>
  /** Whole WebSocket sessions (handshake, three echoes, close handshake), after the warm-up. */
  webSocketSessions: Percentiles
  lateStarts: number
  /** The generator's own event-loop delay during the paced load, ms. */
  loop: { loopP99: number; loopMax: number }
}

/** Latency samples, kept as typed columns (a 10-minute run records over 1.5 million). */
class Samples {
  #latency = new Float64Array(1 << 16)
  #due = new Float64Array(1 << 16)
  #kind = new Uint8Array(1 << 16)
  length = 0

  push(kind: number, dueOffset: number, latency: number): void {
    if (this.length === this.#latency.length) {
      const grow = <T extends Float64Array | Uint8Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2)
        b.set(a)
        return b
      }
      this.#latency = grow(this.#latency)
      this.#due = grow(this.#due)
      this.#kind = grow(this.#kind)
    }
    this.#latency[this.length] = latency
    this.#due[this.length] = dueOffset
    this.#kind[this.length] = kind
    this.length++
  }

  /** Percentiles of the samples due at or after `from` ms, of `kind` (all kinds when undefined). */
  figures(from: number, kind?: number): Percentiles {
    const picked: number[] = []
    for (let i = 0; i < this.length; i++) if (this.#due[i]! >= from && (kind === undefined || this.#kind[i] === kind)) picked.push(this.#latency[i]!)
    return latencyFigures(sortedCopy(picked))
  }

  /** `due latency kind` lines, for `--latency-log`. */
  lines(): string {
    const out: string[] = []
    for (let i = 0; i < this.length; i++) out.push(`${this.#due[i]!.toFixed(1)} ${this.#latency[i]!.toFixed(2)} ${EXCHANGES[this.#kind[i]!]}`)
    return out.join('\n')
  }
}

/** Mixed requests: kind 0 GET small, 1 POST, 2 GET large, 3 WebSocket session. */
function kindOf(i: number): number {
  const r = i % 20
  if (r < 15) return 0
  if (r < 18) return 1
  return r === 18 ? 2 : 3
}

/** Receives one exchange's latency, ms. */
type RecordLatency = (exchange: number, latency: number) => void

/** One request (or WebSocket session) due at `due`; `record` gets each exchange's latency. */
/**
 * One HTTP exchange through undici's raw `dispatch()` (no response stream, no
 * promise per chunk): the generator shares the 2 cores with the proxy, so it is
 * kept as light as it can be.
 */
class Exchange implements Dispatcher.DispatchHandler {
  #status = 0
  #bytes = 0
  readonly #want: number
  readonly #done: (err?: Error) => void

  constructor(want: number, done: (err?: Error) => void) {
    this.#want = want
    this.#done = done
  }

  onConnect(): void {}

  onHeaders(statusCode: number): boolean {
    this.#status = statusCode
    return true
  }

  onData(chunk: Buffer): boolean {
    this.#bytes += chunk.length
    return true
  }

  onComplete(): void {
    this.#done(this.#status === 200 && this.#bytes === this.#want ? undefined : new Error(`status ${this.#status}, ${this.#bytes} bytes`))
  }

  onError(err: Error): void {
    this.#done(err)
  }
}

const REQUESTS: Dispatcher.DispatchOptions[] = [
  { path: '/small', method: 'GET' },
  { path: '/post', method: 'POST', body: POST_BODY, headers: { 'content-length': String(POST_BODY.length) } },
  { path: '/large', method: 'GET' },
]
const WANT = [SMALL.length, String(POST_BODY.length).length, LARGE]

/** One request (or WebSocket session) due at `due`; `record` gets each exchange's latency. */
function oneRequest(pool: Pool, port: number, kind: number, due: number, record: RecordLatency): Promise<void> {
  if (kind === 3) return wsSession(port, due, record)
  return new Promise((resolve, reject) => {
    pool.dispatch(
      REQUESTS[kind]!,
      new Exchange(WANT[kind]!, (err) => {
        if (err !== undefined) return reject(err)
        record(kind, performance.now() - due)
        resolve()
      }),
    )
  })
}

/** A WebSocket session: handshake (latency from `due`), three echoed messages (each a round trip), close. */
function wsSession(port: number, due: number, record: RecordLatency): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
    let echoed = 0
    let sentAt = 0
    const sendNext = (): void => {
      sentAt = performance.now()
      ws.send(`m${echoed}`)
    }
    ws.on('open', () => {
      record(WS_HANDSHAKE, performance.now() - due)
      sendNext()
    })
    ws.on('message', (data) => {
      if (String(data) !== `m${echoed}`) return reject(new Error('bad echo'))
      record(WS_ECHO, performance.now() - sentAt)
      echoed++
      if (echoed < 3) sendNext()
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
  const ignore = (): void => {}
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      const kind = kindOf(i++)
      await oneRequest(pool, port, kind === 3 ? 0 : kind, performance.now(), ignore).catch(ignore)
      done++
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: 32 }, lane))
  await pool.close()
  return done / ((performance.now() - started) / 1000)
}

/**
 * Open loop: request i is due at start + i / rate and is sent then, whatever is
 * in flight. Latency counts from the due time (no coordinated omission);
 * `warmup` seconds at the start are reported apart.
 */
async function paced(port: number, rate: number, seconds: number, warmup: number, log: string | undefined): Promise<LoadResult> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 128, keepAliveTimeout: 4_000 })
  const samples = new Samples()
  const sessions = new Samples()
  let sent = 0
  let ok = 0
  let failed = 0
  let lateStarts = 0
  const errors: Record<string, number> = {}
  const total = Math.floor(rate * seconds)
  const interval = 1000 / rate
  const start = performance.now() + 50
  const pending = new Set<Promise<void>>()
  let i = 0
  loopDelay.reset()
  loopDelay.enable()
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now()
      while (i < total && start + i * interval <= now) {
        const due = start + i * interval
        if (now - due > 5) lateStarts++
        const kind = kindOf(i)
        sent++
        const record: RecordLatency = (exchange, latency) => samples.push(exchange, due - start, latency)
        const p: Promise<void> = oneRequest(pool, port, kind, due, record).then(
          () => {
            ok++
            if (kind === 3) sessions.push(kind, due - start, performance.now() - due)
          },
          (err: Error) => {
            failed++
            const key = String((err as { code?: unknown }).code ?? err.message)
            errors[key] = (errors[key] ?? 0) + 1
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
  const loop = loopFigures()
  loopDelay.disable()
  await pool.close()
  if (log !== undefined) writeFileSync(log, samples.lines())
  const from = warmup * 1000
  return {
    sent,
    ok,
    failed,
    errors,
    latency: samples.figures(from),
    latencyWithWarmup: samples.figures(0),
    byExchange: Object.fromEntries(EXCHANGES.map((name, kind) => [name, samples.figures(from, kind)])),
    webSocketSessions: sessions.figures(from),
    lateStarts,
    loop,
  }
}

function loadRole(): void {
  process.on('message', (m: Message) => {
    const port = m['port'] as number
    if (m.type === 'capacity') void capacity(port, m['seconds'] as number).then((rps) => send({ type: 'capacity', rps }))
    if (m.type === 'paced') {
      void paced(port, m['rate'] as number, m['seconds'] as number, m['warmup'] as number, m['log'] as string | undefined).then((r) => send({ type: 'paced', ...r }))
    }
  })
  send({ type: 'ready' })
}

// ── the driver ──────────────────────────────────────────────────────────────

function spawnRole(role: string, extra: string[] = [], execArgv: string[] = []): ChildProcess {
  return fork(self, [role, ...extra], { execArgv: [...process.execArgv, ...execArgv], stdio: 'inherit' })
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

function sortedCopy(values: readonly number[]): number[] {
  return Array.from(Float64Array.from(values).sort())
}

function latencyFigures(sorted: readonly number[]): Percentiles {
  const at = (p: number): number => +percentile(sorted, p).toFixed(2)
  return { n: sorted.length, p50: at(50), p99: at(99), p999: at(99.9), max: +(sorted[sorted.length - 1] ?? 0).toFixed(2) }
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
      // Seconds at the start of the paced load left out of the latency criterion (reported apart).
      'latency-warmup': { type: 'string', default: '5' },
      // Seconds of the same load straight to an upstream after the proxy's run (0 = skip).
      'direct-seconds': { type: 'string' },
      // Writes every exchange of the proxied run as `due-ms latency-ms exchange` lines.
      'latency-log': { type: 'string' },
      // Node flags of the proxy process: docs/operations.md's production advice (a 4 MB young
      // generation; "" runs Node's defaults). Add e.g. "--trace-gc" to see collections.
      'proxy-node-options': { type: 'string', default: RECOMMENDED_NODE_OPTIONS },
      // Criteria reported but not enforced (comma-separated keys: p99, rss-slope); see docs/hardening.md.
      advisory: { type: 'string', default: '' },
      // Writes a V8 CPU profile of the proxy process to bench/results/profiles/ (open it in Chrome DevTools).
      'profile-proxy': { type: 'boolean', default: false },
    },
  })
  const duration = Number(values.duration)
  values['direct-seconds'] ??= String(Math.min(30, Math.max(10, Math.round(duration / 6))))
  const warmup = values.warmup !== undefined ? Number(values.warmup) : Math.min(60, Math.max(10, duration / 4))
  const children: ChildProcess[] = []
  const kill = (): void => {
    for (const c of children) c.kill('SIGKILL')
  }
  process.on('exit', kill)
  const up = spawnRole('upstreams')
  children.push(up)
  const { ports } = (await next(up, 'ready')) as unknown as { ports: number[] }
  const profileDir = fileURLToPath(new URL('./results/profiles/', import.meta.url))
  const px = spawnRole('proxy', [JSON.stringify(ports)], ['--expose-gc', ...values['proxy-node-options'].split(' ').filter(Boolean), ...(values['profile-proxy'] ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])])
  children.push(px)
  const { port } = (await next(px, 'ready')) as unknown as { port: number }
  const load = spawnRole('load')
  children.push(load)
  await next(load, 'ready')
  const probe = async (collect = false): Promise<{ rss: number; heap: number; fds: number; handles: number; loopP99: number; loopMax: number; cpuMicros: number; failures: number }> => {
    px.send({ type: 'sample', collect })
    return (await next(px, 'sample')) as never
  }

  const baseline = await probe(true)
  load.send({ type: 'capacity', port, seconds: Number(values['capacity-seconds']) })
  const capacityRps = ((await next(load, 'capacity')) as unknown as { rps: number }).rps
  const rate = values.rate !== undefined ? Number(values.rate) : Math.max(50, Math.round(Math.min(Number(values['max-rate']), Number(values.fraction) * capacityRps)))
  console.log(
    `soak: capacity ${Math.round(capacityRps)} req/s (closed loop, 32 in flight); paced rate ${rate} req/s (${((rate / capacityRps) * 100).toFixed(0)} % of capacity) for ${duration} s, memory warm-up ${warmup} s; proxy node options: ${values['proxy-node-options'] || '(none)'}`,
  )
  await delay(3_000) // let the capacity burst's connections idle out
  const preLoad = await probe(true)
  up.send({ type: 'reset-max' })
  px.send({ type: 'reset-loop' })
  const loadBefore = loadavg()[0]!

  const latencyWarmup = Number(values['latency-warmup'])
  load.send({ type: 'paced', port, rate, seconds: duration, warmup: latencyWarmup, log: values['latency-log'] })
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
  const proxyLoop = await probe()
  // Back to baseline within 5 s of the load stopping?
  let after = await probe()
  while ((after.fds > preLoad.fds || after.handles > preLoad.handles) && performance.now() - loadEnd < 5_000) {
    await delay(250)
    after = await probe()
  }
  const settledIn = performance.now() - loadEnd
  up.send({ type: 'stats' })
  const upstreamReply = (await next(up, 'stats')) as unknown as { stats: { accepted: number; maxOpen: number; requests: number }[]; loopP99: number; loopMax: number }
  const upstreamStats = upstreamReply.stats
  // The same paced workload straight to one upstream: the machine's own tail (generator,
  // upstream, scheduler) measured in the same run, for the ratio. After the proxy's run,
  // so that the proxy does not sit idle just before it.
  const directSeconds = Number(values['direct-seconds'])
  let direct: LoadResult | undefined
  if (directSeconds > 0) {
    console.log(`soak: direct to the upstream at ${rate} req/s for ${directSeconds} s (baseline)`)
    load.send({ type: 'paced', port: ports[0], rate, seconds: directSeconds, warmup: Math.min(latencyWarmup, directSeconds / 4) })
    direct = (await next(load, 'paced')) as unknown as LoadResult
  }

  const r = result!
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
    proxyNodeOptions: values['proxy-node-options'],
    requests: r.sent,
    ok: r.ok,
    failed: r.failed,
    errors: r.errors,
    lateStarts: r.lateStarts,
    latencyWarmup,
    // Every exchange (HTTP request, WebSocket handshake, WebSocket echo) due after the latency warm-up, ms.
    latencyMs: r.latency,
    latencyWithWarmupMs: r.latencyWithWarmup,
    byExchangeMs: r.byExchange,
    webSocketSessionMs: r.webSocketSessions,
    direct:
      direct === undefined
        ? null
        : { seconds: directSeconds, failed: direct.failed, latencyMs: direct.latency, byExchangeMs: direct.byExchange, p99Ratio: +(r.latency.p99 / direct.latency.p99).toFixed(2) },
    rssStartMB: +(baseline.rss / 1e6).toFixed(1),
    rssWarmMB: +(warm.rss / 1e6).toFixed(1),
    rssEndMB: +(last.rss / 1e6).toFixed(1),
    rssSlopeMBPerMin: +mbPerMin.toFixed(3),
    fdsBefore: preLoad.fds,
    fdsAfter: after.fds,
    handlesBefore: preLoad.handles,
    handlesAfter: after.handles,
    settledMs: Math.round(settledIn),
    // The proxy's CPU time (user + system) per request or WebSocket session, over the paced load.
    proxyCpuMicrosPerRequest: +(proxyLoop.cpuMicros / r.sent).toFixed(1),
    // Time between 10 ms timer ticks (10 = no delay), per process: where a latency tail comes from.
    eventLoopMs: {
      proxy: { p99: +proxyLoop.loopP99.toFixed(2), max: +proxyLoop.loopMax.toFixed(2) },
      upstreams: { p99: upstreamReply.loopP99, max: upstreamReply.loopMax },
      generator: { p99: r.loop.loopP99, max: r.loop.loopMax },
    },
    loadAverage1m: [+loadBefore.toFixed(2), +loadAfter.toFixed(2)],
    cores: cpus().length,
    upstreamMaxOpen: maxOpen,
    upstreamBound: bound,
    upstreamAccepted: upstreamStats.reduce((a, s) => a + s.accepted, 0),
    proxyLeaseFailures: after.failures,
    samples: samples.map((s) => ({ t: +s.t.toFixed(1), rssMB: +(s.rss / 1e6).toFixed(1), heapMB: +(s.heap / 1e6).toFixed(1), fds: s.fds, handles: s.handles })),
  }
  const budget = Number(values.p99)
  // A machine that cannot carry the load within half the budget without the proxy
  // (the direct baseline) cannot judge the proxy's latency: the p99 check is then reported only.
  const machineTooSlow = direct !== undefined && direct.latency.p99 > budget / 2
  const checks: [string, string, boolean][] = [
    ['failed', `0 failed requests (${r.failed})`, r.failed === 0 && r.ok === r.sent],
    ['p99', `p99 ${r.latency.p99} ms <= ${budget} ms (after ${latencyWarmup} s; with it ${r.latencyWithWarmup.p99} ms; direct ${direct?.latency.p99 ?? '-'} ms)`, r.latency.p99 <= budget],
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
  if (machineTooSlow) {
    advisory.add('p99')
    console.log(`note: the direct baseline's p99 (${direct!.latency.p99} ms) is over half the ${budget} ms budget: this machine is too busy to judge the proxy's latency`)
  }
  for (const [key, name, ok] of checks) console.log(`${ok ? 'PASS' : advisory.has(key) ? 'WARN (not enforced)' : 'FAIL'} ${name}`)
  if (Math.max(loadBefore, loadAfter) > cpus().length || r.lateStarts > r.sent / 100) {
    console.log(`note: the machine was busy (load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} on ${cpus().length} cores, ${r.lateStarts} late starts of the generator): latency figures are not meaningful; rerun on a quiet machine`)
  }
  console.log(`results: ${file}`)
  if (values['profile-proxy']) {
    // The profile is written when the process exits by itself.
    px.send({ type: 'exit' })
    await new Promise((resolve) => px.once('exit', resolve))
    console.log(`proxy CPU profile: ${profileDir}`)
  }
  kill()
  process.exitCode = checks.every(([key, , ok]) => ok || advisory.has(key)) ? 0 : 1
}

const role = process.argv[2]
if (role === 'upstreams') void upstreams()
else if (role === 'proxy') void proxyRole(JSON.parse(process.argv[3]!) as number[])
else if (role === 'load') loadRole()
else void main()
