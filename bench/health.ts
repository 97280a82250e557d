/**
 * Health monitoring cost: N servers (default 1,000) checked every `inter` ms
 * (default 100: 10,000 checks per second) for about 10 s, against a few
 * loopback TCP and HTTP servers shared by all. The target servers run in a
 * child process so that only the monitor's CPU is measured
 * (`process.cpuUsage()`, user + system, as % of one core).
 *
 * Modes: `mixed` (half TCP connect checks, half HTTP checks), `tcp`, `http`,
 * `inprocess` (a synchronous probe: the scheduling and state-machine cost
 * alone, no socket), and `baseline`: no monitor at all, just a bare
 * `net.connect()` + `destroy()` per server every `inter` ms with plain
 * timers — the floor any connect-per-check design pays; and `haproxy`: the
 * same servers and checks run by a real HAProxy (when the `haproxy` binary
 * is installed), its CPU read from /proc — the reference the others are
 * compared with.
 *
 * Usage: `node --import tsx bench/health.ts [--servers 1000] [--inter 100]
 * [--seconds 10] [--mode mixed]` or `npm run bench -- health`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, createServer, type AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Backend } from '../lib/backend.js'
import { HealthMonitor } from '../lib/health/monitor.js'
import type { ServerHealthOptions } from '../lib/health/options.js'
import { defaultDeps } from '../lib/runtime.js'
import { writeResults } from './results.js'

type Mode = 'mixed' | 'tcp' | 'http' | 'inprocess' | 'baseline' | 'haproxy'

interface Options {
  servers: number
  inter: number
  seconds: number
  mode: Mode
  targets: number
  haproxyChecks: 'tcp' | 'mixed' | 'http'
}

function parse(args: readonly string[]): Options {
  const get = (name: string, fallback: string): string => {
    const i = args.indexOf(`--${name}`)
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback
  }
  return {
    servers: Number(get('servers', '1000')),
    inter: Number(get('inter', '100')),
    seconds: Number(get('seconds', '10')),
    mode: get('mode', 'mixed') as Mode,
    targets: Number(get('targets', '4')),
    haproxyChecks: get('haproxy-checks', 'tcp') as Options['haproxyChecks'],
  }
}

/** The target servers' process: `targets` TCP servers that accept and close, `targets` HTTP servers answering 200. */
const TARGETS = `
const net = require('node:net'), http = require('node:http')
const count = Number(process.argv[1])
const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))
;(async () => {
  const tcp = [], web = []
  for (let i = 0; i < count; i++) {
    tcp.push(await listen(net.createServer((s) => { s.on('error', () => {}); s.resume() })))
    web.push(await listen(http.createServer((req, res) => { res.writeHead(200); res.end() })))
  }
  process.stdout.write(JSON.stringify({ tcp, web }) + '\\n')
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(0))
})()
`

function startTargets(count: number): Promise<{ child: ChildProcess; tcp: number[]; web: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', TARGETS, String(count)], { stdio: ['pipe', 'pipe', 'inherit'] })
    let out = ''
    child.stdout!.on('data', (chunk) => {
      out += String(chunk)
      if (out.includes('\n')) resolve({ child, ...(JSON.parse(out) as { tcp: number[]; web: number[] }) })
    })
    child.on('error', reject)
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Bare connects with plain timers, for comparison; returns a counter and a stop function. */
function baseline(ports: readonly number[], servers: number, inter: number): { count(): number; stop(): void } {
  let count = 0
  let stopped = false
  const check = (port: number): void => {
    const socket = connect({ host: '127.0.0.1', port })
    const next = (): void => {
      socket.destroy()
      count++
      if (!stopped) setTimeout(check, inter, port).unref()
    }
    socket.once('connect', next)
    socket.once('error', next)
  }
  for (let i = 0; i < servers; i++) setTimeout(check, (inter * i) / servers, ports[i % ports.length]!).unref()
  return { count: () => count, stop: () => (stopped = true) }
}

async function runBaseline(options: Options, ports: readonly number[]): Promise<void> {
  const { servers, inter, seconds } = options
  const bare = baseline(ports, servers, inter)
  await sleep(1000)
  const from = bare.count()
  const cpu = process.cpuUsage()
  const wall = performance.now()
  await sleep(seconds * 1000)
  const used = process.cpuUsage(cpu)
  const elapsed = performance.now() - wall
  bare.stop()
  const connects = bare.count() - from
  const result = {
    mode: 'baseline',
    servers,
    inter,
    seconds: Math.round(elapsed) / 1000,
    checksPerSecond: Math.round((connects * 1000) / elapsed),
    cpuPercentOfOneCore: Math.round(((used.user + used.system) / 1000 / elapsed) * 1000) / 10,
    microsecondsPerCheck: Math.round(((used.user + used.system) / Math.max(1, connects)) * 10) / 10,
  }
  console.table([result])
  console.log(`results: ${writeResults('health-baseline', result)}`)
}

/** A TCP port free right now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** CPU time (user + system) of a process, in microseconds, from /proc. */
function processCpu(pid: number): { user: number; system: number } {
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return { user: (Number(fields[11]) * 1e6) / ticks, system: (Number(fields[12]) * 1e6) / ticks }
}

/**
 * HAProxy checking the same servers the same way: TCP connect checks, or
 * with `--haproxy-checks mixed|http` half or all `option httpchk`. Its checks
 * are not counted, so checksPerSecond is the configured rate; `serversDown`
 * (from its log) shows whether they all passed.
 */
async function runHaproxy(options: Options, targets: { tcp: number[]; web: number[] }): Promise<void> {
  const { servers, inter, seconds } = options
  const mode = `haproxy-${options.haproxyChecks}`
  const lines = ['global', '  maxconn 4000', 'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s', '  timeout check 1s']
  const tcp: string[] = ['backend checks_tcp']
  const web: string[] = ['backend checks_http', '  option httpchk GET /']
  for (let i = 0; i < servers; i++) {
    const http = mode === 'haproxy-http' || (mode === 'haproxy-mixed' && i % 2 === 1)
    const ports = http ? targets.web : targets.tcp
    ;(http ? web : tcp).push(`  server s${i} 127.0.0.1:${ports[i % ports.length]!} check inter ${inter}`)
  }
  const file = join(tmpdir(), `switchyard-bench-health-${process.pid}.cfg`)
  // HAProxy refuses to start without a listener (and port 0): bind a free port.
  const frontend = ['frontend idle', `  bind 127.0.0.1:${await freePort()}`, '  default_backend checks_tcp']
  writeFileSync(file, [...lines, ...frontend, ...tcp, ...web].join('\n') + '\n')
  const child = spawn('haproxy', ['-f', file, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr!.on('data', (chunk) => (log += String(chunk)))
  try {
    await sleep(2000)
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${log}`)
    const before = processCpu(child.pid!)
    const wall = performance.now()
    await sleep(seconds * 1000)
    const after = processCpu(child.pid!)
    const elapsed = performance.now() - wall
    const user = after.user - before.user
    const system = after.system - before.system
    const result = {
      mode,
      servers,
      inter,
      seconds: Math.round(elapsed) / 1000,
      checksPerSecond: Math.round((servers * 1000) / inter),
      serversDown: (log.match(/is DOWN/g) ?? []).length,
      cpuPercentOfOneCore: Math.round(((user + system) / 1000 / elapsed) * 1000) / 10,
      userPercent: Math.round((user / 1000 / elapsed) * 1000) / 10,
      systemPercent: Math.round((system / 1000 / elapsed) * 1000) / 10,
    }
    console.table([result])
    console.log(`results: ${writeResults('health-haproxy', result)}`)
  } finally {
    child.kill('SIGTERM')
  }
}

export async function run(args: string[]): Promise<void> {
  const options = parse(args)
  const { servers, inter, seconds, mode } = options
  const targets = mode === 'inprocess' ? undefined : await startTargets(options.targets)
  try {
    if (mode === 'baseline') {
      await runBaseline(options, targets!.tcp)
      return
    }
    if (mode === 'haproxy') {
      await runHaproxy(options, targets!)
      return
    }
    const specs = Array.from({ length: servers }, (_, i) => {
      const http = mode === 'http' || (mode === 'mixed' && i % 2 === 1)
      const ports = targets === undefined ? [1] : http ? targets.web : targets.tcp
      return { name: `s${i}`, address: `${http ? 'http://' : ''}127.0.0.1:${ports[i % ports.length]!}`, http }
    })
    const backend = new Backend('bench', { balance: { algorithm: 'roundrobin' }, servers: specs.map(({ name, address }) => ({ name, address })) }, defaultDeps())
    const monitor = new HealthMonitor(defaultDeps())
    for (const spec of specs) {
      const health: ServerHealthOptions =
        mode === 'inprocess'
          ? { check: { probe: () => ({ status: 'L4OK' }), inter } }
          : { check: spec.http ? { http: { path: '/' }, inter, timeout: 1000 } : { inter, timeout: 1000 } }
      monitor.watch(backend, spec.name, health)
    }
    let checks = 0
    let failed = 0
    monitor.on('check:result', (report) => {
      checks++
      if (report.status !== 'L4OK' && report.status !== 'L7OK') failed++
    })
    monitor.start()
    await sleep(1000)
    const countedFrom = checks
    const failedFrom = failed
    const cpu = process.cpuUsage()
    const wall = performance.now()
    await sleep(seconds * 1000)
    const used = process.cpuUsage(cpu)
    const elapsed = performance.now() - wall
    const down = backend.servers.filter((s) => s.operational === 'down').length
    monitor.close()
    const result = {
      mode,
      servers,
      inter,
      seconds: Math.round(elapsed) / 1000,
      checksPerSecond: Math.round(((checks - countedFrom) * 1000) / elapsed),
      failedChecks: failed - failedFrom,
      serversDown: down,
      cpuPercentOfOneCore: Math.round(((used.user + used.system) / 1000 / elapsed) * 1000) / 10,
      userPercent: Math.round((used.user / 1000 / elapsed) * 1000) / 10,
      systemPercent: Math.round((used.system / 1000 / elapsed) * 1000) / 10,
      microsecondsPerCheck: Math.round(((used.user + used.system) / Math.max(1, checks - countedFrom)) * 10) / 10,
    }
    console.table([result])
    console.log(`results: ${writeResults(`health-${mode}`, result)}`)
  } finally {
    targets?.child.stdin!.end()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
