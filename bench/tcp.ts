/**
 * Layer-4 macro benchmark, in one run and interleaved:
 *
 * - `direct`: the load generator connects to the upstream itself (the ceiling);
 * - `switchyard`: through `createTcpHandler` over a `Backend` with one server
 *   (default options: timeouts armed, counters on);
 * - `pipe`: through a minimal Node proxy (`net.connect` + `pipe()` both ways),
 *   the "plain Node" baseline;
 *
 * measuring (1) bulk throughput in MB/s — one connection downloads `--size`
 * MiB from the upstream — and (2) short connections per second — `--concurrency`
 * loops of connect, 8-byte request, 64-byte answer, close, for `--seconds`.
 * The upstream and each proxy run in their own child process; the load runs in
 * this one. The proxies' CPU time per GB and per connection (read from their
 * process over IPC) is steadier than the rates on a busy machine. Writes
 * bench/results/tcp.json.
 *
 *   node --import tsx bench/tcp.ts [--size 256] [--seconds 3] [--concurrency 32] [--rounds 2]
 *   npm run bench -- tcp
 *
 * The machine is shared (2 cores for 3–4 processes): compare ratios within a run.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Backend } from '../lib/backend.js'
import { createTcpHandler, listenTcp } from '../lib/adapters/tcp.js'
import { defaultDeps } from '../lib/runtime.js'
import { writeResults } from './results.js'

const self = fileURLToPath(import.meta.url)
const CASES = ['direct', 'switchyard', 'pipe'] as const
type Case = (typeof CASES)[number]
const SHORT_ANSWER = 64

// --- child roles -------------------------------------------------------------------------------

/** Upstream: reads an 8-byte request (a big-endian byte count), answers that many bytes, then ends. */
async function upstream(): Promise<number> {
  const block = Buffer.alloc(1024 * 1024, 'x')
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {})
    let head = Buffer.alloc(0)
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk])
      if (head.length < 8) return
      socket.off('data', onData)
      let left = Number(head.readBigUInt64BE(0))
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(left, block.length)
          left -= n
          if (!socket.write(n === block.length ? block : block.subarray(0, n))) {
            socket.once('drain', pump)
            return
          }
        }
        socket.end()
      }
      pump()
      socket.resume()
    }
    socket.on('data', onData)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

async function proxy(kind: Case, upstreamPort: number): Promise<number> {
  if (kind === 'switchyard') {
    const backend = new Backend('bench', { balance: { algorithm: 'roundrobin' }, servers: [{ name: 'u', address: `127.0.0.1:${upstreamPort}` }] }, defaultDeps())
    const server = await listenTcp(createTcpHandler(backend), { port: 0, host: '127.0.0.1', backlog: 1024 })
    return (server.address() as AddressInfo).port
  }
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstreamSocket = connect({ port: upstreamPort, host: '127.0.0.1', allowHalfOpen: true })
    const close = (): void => {
      client.destroy()
      upstreamSocket.destroy()
    }
    client.on('error', close)
    upstreamSocket.on('error', close)
    client.pipe(upstreamSocket)
    upstreamSocket.pipe(client)
  })
  server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 })
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

if (process.argv[2] === '--child') {
  const role = process.argv[3]!
  const port = role === 'upstream' ? await upstream() : await proxy(role as Case, Number(process.argv[4]))
  // Answers CPU-time queries (µs, user + system) from the parent.
  process.on('message', () => {
    const { user, system } = process.cpuUsage()
    process.send!({ cpu: user + system })
  })
  process.send!({ port })
}

// --- load ----------------------------------------------------------------------------------------

function request(size: number): Buffer {
  const buf = Buffer.alloc(8)
  buf.writeBigUInt64BE(BigInt(size))
  return buf
}

/** One connection downloading `size` bytes; MB/s (10^6 bytes per second). */
async function bulk(port: number, size: number): Promise<number> {
  const start = process.hrtime.bigint()
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  let received = 0
  socket.on('data', (chunk: Buffer) => (received += chunk.length))
  socket.write(request(size))
  await once(socket, 'end')
  socket.end()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (received !== size) throw new Error(`bulk: received ${received} of ${size} bytes`)
  return size / seconds / 1e6
}

/** One short exchange: connect, 8-byte request, 64-byte answer, close. */
function exchange(port: number, ask: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    let received = 0
    socket.on('data', (chunk: Buffer) => (received += chunk.length))
    socket.on('error', reject)
    socket.on('end', () => {
      socket.end()
      if (received === SHORT_ANSWER) resolve()
      else reject(new Error(`short: received ${received} bytes`))
    })
    socket.write(ask)
  })
}

/** `concurrency` loops of short exchanges for `seconds`; connections per second. */
async function short(port: number, seconds: number, concurrency: number): Promise<number> {
  const ask = request(SHORT_ANSWER)
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(Math.round(seconds * 1e9))
  let done = 0
  const loop = async (): Promise<void> => {
    while (process.hrtime.bigint() < deadline) {
      await exchange(port, ask)
      done++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop))
  return done / (Number(process.hrtime.bigint() - start) / 1e9)
}

/** CPU time used so far by a child process, µs. */
async function cpuOf(proc: ChildProcess | undefined): Promise<number> {
  if (proc === undefined) return 0
  proc.send('cpu')
  const [message] = (await once(proc, 'message')) as [{ cpu: number }]
  return message.cpu
}

/** Runs `body` and returns its result with the CPU time `proc` used meanwhile (µs). */
async function measured<T>(proc: ChildProcess | undefined, body: () => Promise<T>): Promise<[T, number]> {
  const before = await cpuOf(proc)
  const result = await body()
  return [result, (await cpuOf(proc)) - before]
}

async function child(role: string, arg?: number): Promise<{ child: ChildProcess; port: number }> {
  const proc = fork(self, ['--child', role, ...(arg === undefined ? [] : [String(arg)])], { execArgv: process.execArgv })
  const [message] = (await once(proc, 'message')) as [{ port: number }]
  return { child: proc, port: message.port }
}

/** Runs the suite. */
export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string', default: '256' },
      seconds: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '2' },
    },
  })
  const size = Number(values.size) * 1024 * 1024
  const seconds = Number(values.seconds)
  const concurrency = Number(values.concurrency)
  const rounds = Number(values.rounds)
  const up = await child('upstream')
  const ports: Record<Case, number> = { direct: up.port, switchyard: 0, pipe: 0 }
  const procs: Partial<Record<Case, ChildProcess>> = {}
  const children: ChildProcess[] = [up.child]
  for (const kind of ['switchyard', 'pipe'] as const) {
    const p = await child(kind, up.port)
    ports[kind] = p.port
    procs[kind] = p.child
    children.push(p.child)
  }
  const mbps: Record<Case, number[]> = { direct: [], switchyard: [], pipe: [] }
  const cps: Record<Case, number[]> = { direct: [], switchyard: [], pipe: [] }
  /** Proxy CPU per GB moved (ms) and per short connection (µs). */
  const cpuPerGB: Record<Case, number[]> = { direct: [], switchyard: [], pipe: [] }
  const cpuPerConn: Record<Case, number[]> = { direct: [], switchyard: [], pipe: [] }
  try {
    // Warm-up: JIT and socket buffers of every path.
    for (const kind of CASES) {
      await bulk(ports[kind], 16 * 1024 * 1024)
      await short(ports[kind], 0.3, concurrency)
    }
    for (let round = 0; round < rounds; round++) {
      for (const kind of CASES) {
        const [rate, cpu] = await measured(procs[kind], () => bulk(ports[kind], size))
        mbps[kind].push(rate)
        cpuPerGB[kind].push(cpu / 1000 / (size / 1e9))
      }
      for (const kind of CASES) {
        const [rate, cpu] = await measured(procs[kind], () => short(ports[kind], seconds, concurrency))
        cps[kind].push(rate)
        cpuPerConn[kind].push(cpu / (rate * seconds))
      }
    }
  } finally {
    for (const c of children) c.kill()
  }
  const best = (xs: number[]): number => Math.max(...xs)
  const least = (xs: number[]): number => Math.min(...xs)
  const rows = CASES.map((kind) => ({
    case: kind,
    'MB/s': Math.round(best(mbps[kind])),
    'MB/s vs direct': +(best(mbps[kind]) / best(mbps.direct)).toFixed(3),
    'proxy CPU ms/GB': kind === 'direct' ? '-' : Math.round(least(cpuPerGB[kind])),
    'conn/s': Math.round(best(cps[kind])),
    'conn/s vs direct': +(best(cps[kind]) / best(cps.direct)).toFixed(3),
    'proxy CPU µs/conn': kind === 'direct' ? '-' : Math.round(least(cpuPerConn[kind])),
  }))
  console.table(rows)
  const file = writeResults('tcp', {
    parameters: { sizeMiB: size / 1024 / 1024, seconds, concurrency, rounds, answerBytes: SHORT_ANSWER },
    note: 'best of the rounds; upstream and each proxy in their own child process, load in the parent',
    rows,
    samples: { mbps, cps, cpuPerGB, cpuPerConn },
  })
  console.log(`written to ${file}`)
}

if (process.argv[2] !== '--child' && process.argv[1] === self) await run(process.argv.slice(2))
