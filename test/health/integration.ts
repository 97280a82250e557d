/**
 * Health checks against real servers on 127.0.0.1 with the real clock and
 * small intervals (tens of milliseconds). Every wait is event-driven and
 * bounded.
 */
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { get, createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer as createTlsServer } from 'node:tls'
import { Backend } from '../../lib/backend.js'
import type { CheckReport, HealthEvents, ServerTransition } from '../../lib/events.js'
import { HealthMonitor } from '../../lib/health/monitor.js'
import type { ServerHealthOptions } from '../../lib/health/options.js'
import type { Lease } from '../../lib/queue/types.js'
import { defaultDeps } from '../../lib/runtime.js'
import type { ServerSpec } from '../../lib/server.js'
import { close, closedPort, listen, rawServer, selfSigned } from '../fixtures/net.js'

const LIMIT = 5000

/** Resolves with the first `event` whose transition matches, or fails after LIMIT ms. */
function next(monitor: HealthMonitor, event: 'server:up' | 'server:down' | 'server:stopping' | 'server:starting', server: string): Promise<ServerTransition> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      monitor.off(event, listener)
      reject(new Error(`no ${event} for ${server} within ${LIMIT} ms`))
    }, LIMIT)
    const listener = (transition: ServerTransition): void => {
      if (transition.server.name !== server) return
      clearTimeout(timer)
      monitor.off(event, listener)
      resolve(transition)
    }
    monitor.on(event, listener)
  })
}

/** The next check result of `server` (from `source`). */
function nextCheck(monitor: HealthMonitor, server: string, source: CheckReport['source'] = 'check'): Promise<CheckReport> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no check of ${server} within ${LIMIT} ms`)), LIMIT)
    const listener: (...args: HealthEvents['check:result']) => void = (report) => {
      if (report.server.name !== server || report.source !== source) return
      clearTimeout(timer)
      monitor.off('check:result', listener)
      resolve(report)
    }
    monitor.on('check:result', listener)
  })
}

function setup(t: Test, servers: ServerSpec[]): { backend: Backend; monitor: HealthMonitor; results: Map<string, string[]> } {
  const backend = new Backend('app', { balance: { algorithm: 'roundrobin' }, servers }, defaultDeps())
  const monitor = new HealthMonitor(defaultDeps())
  const results = new Map<string, string[]>()
  monitor.on('check:result', (report) => {
    const list = results.get(report.server.name) ?? []
    list.push(report.status)
    results.set(report.server.name, list)
  })
  t.teardown(() => monitor.close())
  return { backend, monitor, results }
}

function picks(backend: Backend, n: number, pinned?: string): string[] {
  const names: string[] = []
  for (let i = 0; i < n; i++) {
    const a = backend.tryAcquire(pinned === undefined ? {} : { pinned: backend.server(pinned) })
    if (a.status !== 'ok') {
      names.push(a.status)
      continue
    }
    names.push(a.lease.server.name)
    a.lease.release()
  }
  return names
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void

async function app(t: Test, handler: Handler): Promise<number> {
  const server = createHttpServer(handler)
  const port = await listen(server)
  t.teardown(() => close(server))
  return port
}

/** An app whose /health answers `state.status`. */
async function healthApp(t: Test): Promise<{ port: number; state: { status: number } }> {
  const state = { status: 200 }
  const port = await app(t, (req, res) => {
    res.writeHead(req.url === '/health' ? state.status : 200)
    res.end()
  })
  return { port, state }
}

/** Short intervals; `timeout check` keeps a slow exchange on a busy machine from failing the check. */
const HTTP_CHECK = { http: { method: 'GET', path: '/health' }, inter: 50, timeout: 2000, rise: 2, fall: 3 } as const

t.test('a server that starts failing is removed after fall checks and brought back after rise', async (t) => {
  const a = await healthApp(t)
  const b = await healthApp(t)
  const { backend, monitor, results } = setup(t, [
    { name: 'a', address: `http://127.0.0.1:${a.port}` },
    { name: 'b', address: `http://127.0.0.1:${b.port}` },
  ])
  monitor.watch(backend, 'a', { check: HTTP_CHECK })
  monitor.watch(backend, 'b', { check: HTTP_CHECK })
  monitor.start()
  await nextCheck(monitor, 'a')
  await nextCheck(monitor, 'a')
  t.same(picks(backend, 4), ['a', 'b', 'a', 'b'])
  a.state.status = 500
  const down = await next(monitor, 'server:down', 'a')
  const seen = results.get('a')!
  t.same(seen.slice(-4), ['L7OK', 'L7STS', 'L7STS', 'L7STS'], 'exactly fall = 3 failures')
  t.same([down.reason, down.check?.status, down.check?.code], ['check', 'L7STS', 500])
  t.same(picks(backend, 4), ['b', 'b', 'b', 'b'])
  a.state.status = 200
  const up = await next(monitor, 'server:up', 'a')
  t.same(results.get('a')!.slice(-3), ['L7STS', 'L7OK', 'L7OK'], 'exactly rise = 2 successes')
  t.equal(up.reason, 'check')
  t.same(picks(backend, 4).sort(), ['a', 'a', 'b', 'b'])
  t.same(monitor.healthStats(backend, 'a').chkdown, 1)
})

t.test('the guide’s soft stop using a file: 404 → NOLB with disable-on-404, 500 → DOWN; requests in flight finish', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-softstop-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'maintenance')
  const slow: ServerResponse[] = []
  const port = await app(t, (req, res) => {
    if (req.url === '/health') {
      // The guide's trick: the health URL fails while a file exists (404, or the status written in it).
      res.writeHead(existsSync(file) ? Number(readFileSync(file, 'utf8') || '404') : 200)
      res.end()
    } else if (req.url === '/slow') {
      slow.push(res)
    } else res.end('hi')
  })
  const other = await healthApp(t)
  const { backend, monitor } = setup(t, [
    { name: 'a', address: `http://127.0.0.1:${port}` },
    { name: 'b', address: `http://127.0.0.1:${other.port}` },
  ])
  const killed: string[] = []
  monitor.on('server:shutdown-sessions', (server) => killed.push(server.name))
  const check: ServerHealthOptions = { check: { ...HTTP_CHECK, http: { ...HTTP_CHECK.http, disableOn404: true } } }
  monitor.watch(backend, 'a', check)
  monitor.watch(backend, 'b', check)
  monitor.start()

  const inFlight = async (): Promise<{ lease: Lease; response: Promise<string> }> => {
    const admission = backend.tryAcquire({ pinned: backend.server('a') })
    if (admission.status !== 'ok') throw new Error('no lease on a')
    const response = new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/slow' }, (res) => {
        let body = ''
        res.on('data', (chunk) => (body += String(chunk)))
        res.on('end', () => resolve(`${res.statusCode} ${body}`))
      }).on('error', reject)
    })
    while (slow.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    return { lease: admission.lease, response }
  }

  // 404: NOLB — no new balanced traffic, persistent traffic still served, the request in flight finishes.
  let request = await inFlight()
  writeFileSync(file, '')
  const nolb = await next(monitor, 'server:stopping', 'a')
  t.same([nolb.check?.status, nolb.status], ['L7OKC', 'NOLB'])
  t.same(picks(backend, 3), ['b', 'b', 'b'])
  t.same(picks(backend, 2, 'a'), ['a', 'a'], 'persistent requests still reach it')
  slow.shift()!.end('done')
  t.equal(await request.response, '200 done')
  request.lease.release('ok', 200)
  t.equal(backend.server('a')!.served, 0)
  rmSync(file)
  await next(monitor, 'server:up', 'a')

  // 500: DOWN after fall checks; the request in flight still finishes (no shutdown-sessions configured).
  request = await inFlight()
  writeFileSync(file, '500')
  const down = await next(monitor, 'server:down', 'a')
  t.equal(down.check?.code, 500)
  t.same(picks(backend, 2, 'a'), ['b', 'b'], 'persistence to a DOWN server is broken')
  slow.shift()!.end('done')
  t.equal(await request.response, '200 done')
  request.lease.release('ok', 200)
  t.same(killed, [])
  rmSync(file)
  await next(monitor, 'server:up', 'a')
})

t.test('backup servers take over when all actives are down, and give back', async (t) => {
  const a = await healthApp(t)
  const b = await healthApp(t)
  const { backend, monitor } = setup(t, [
    { name: 'a', address: `http://127.0.0.1:${a.port}` },
    { name: 'b', address: `http://127.0.0.1:${b.port}`, backup: true },
  ])
  const killed: string[] = []
  monitor.on('server:shutdown-sessions', (server, _backend, cause) => killed.push(`${server.name}:${cause}`))
  const downs: string[] = []
  monitor.on('backend:down', (name) => downs.push(name))
  monitor.watch(backend, 'a', { check: HTTP_CHECK, shutdownBackupsOnUp: true })
  monitor.watch(backend, 'b', { check: HTTP_CHECK })
  monitor.start()
  await nextCheck(monitor, 'b')
  t.same(picks(backend, 3), ['a', 'a', 'a'], 'the backup idles')
  a.state.status = 503
  const down = await next(monitor, 'server:down', 'a')
  t.same([down.activeUsable, down.backupUsable], [0, 1])
  t.same(picks(backend, 3), ['b', 'b', 'b'], 'the backup takes over')
  a.state.status = 200
  await next(monitor, 'server:up', 'a')
  t.same(picks(backend, 3), ['a', 'a', 'a'], 'and gives back')
  t.same(killed, ['b:marked-up'], 'on-marked-up shutdown-backup-sessions')
  t.same(downs, [], 'the backend never lost all its servers')
})

t.test('a check that hangs is cut by timeout check', async (t) => {
  const silent = await rawServer(() => {})
  t.teardown(silent.close)
  const { backend, monitor } = setup(t, [{ name: 'a', address: `http://127.0.0.1:${silent.port}` }])
  monitor.watch(backend, 'a', { check: { http: { path: '/health' }, inter: 2000, timeout: 60, connectTimeout: 1000 } })
  const started = performance.now()
  monitor.start()
  const report = await nextCheck(monitor, 'a')
  const elapsed = performance.now() - started
  t.same([report.status, report.message], ['L7TOUT', 'Layer7 timeout'])
  t.ok(report.duration! >= 55 && report.duration! < 1000, `cut after ≈60 ms (${report.duration} ms)`)
  t.ok(elapsed < 1500, 'long before inter')
  t.equal(backend.server('a')!.operational, 'down', 'a single failure from the initial state')
})

t.test('a checked address that refuses connections', async (t) => {
  const port = await closedPort()
  const { backend, monitor } = setup(t, [{ name: 'a', address: `127.0.0.1:${port}` }])
  monitor.watch(backend, 'a', { check: { inter: 50 } })
  monitor.start()
  const down = await next(monitor, 'server:down', 'a')
  t.same([down.check?.status, down.check?.message], ['L4CON', 'Connection refused'])
  t.same(picks(backend, 1), ['nosrv'])
  t.equal(monitor.healthStats(backend, 'a').status, 'DOWN')
})

t.test('checks on another port than traffic', async (t) => {
  const health = await healthApp(t)
  const port = await closedPort()
  const { backend, monitor } = setup(t, [{ name: 'a', address: `127.0.0.1:${port}` }])
  monitor.watch(backend, 'a', { check: { http: { path: '/health' }, port: health.port, inter: 1000 } })
  monitor.start()
  const report = await nextCheck(monitor, 'a')
  t.same([report.status, report.code], ['L7OK', 200])
  t.equal(backend.server('a')!.operational, 'up')
})

t.test('TLS hello against a TLS server (TCP mode), and against a plain one', async (t) => {
  const { key, cert } = selfSigned()
  const tls = createTlsServer({ key, cert }, () => {})
  tls.on('tlsClientError', () => {})
  const tlsPort = await listen(tls)
  t.teardown(() => close(tls))
  const plain = await healthApp(t)
  const { backend, monitor } = setup(t, [
    { name: 'secure', address: `127.0.0.1:${tlsPort}` },
    { name: 'plain', address: `127.0.0.1:${plain.port}` },
  ])
  monitor.watch(backend, 'secure', { check: { type: 'ssl-hello', inter: 1000 } })
  monitor.watch(backend, 'plain', { check: { type: 'ssl-hello', inter: 1000 } })
  const secure = nextCheck(monitor, 'secure')
  const down = next(monitor, 'server:down', 'plain')
  monitor.start()
  const report = await secure
  t.same([report.status, report.message], ['L6OK', 'ServerHello received'])
  t.same([(await down).check?.status], ['L6RSP'])
  t.equal(backend.server('secure')!.operational, 'up')
})

t.test('an HTTP check over https', async (t) => {
  const { key, cert } = selfSigned()
  const server = createHttpsServer({ key, cert }, (req, res) => {
    res.writeHead(req.url === '/health' ? 204 : 404)
    res.end()
  })
  const port = await listen(server)
  t.teardown(() => close(server))
  const { backend, monitor } = setup(t, [{ name: 'a', address: `https://localhost:${port}` }])
  monitor.watch(backend, 'a', { check: { http: { method: 'GET', path: '/health', version: 'HTTP/1.1', host: 'localhost' }, tls: { ca: cert }, inter: 1000 } })
  monitor.start()
  const report = await nextCheck(monitor, 'a')
  t.same([report.status, report.code], ['L7OK', 204])
})

t.test('the agent protocol against a tiny TCP agent', async (t) => {
  const replies = ['50%', 'drain', 'ready 100%', 'down #deploying', 'up maxconn:7']
  let current = ''
  const agent = await rawServer((socket) => socket.end(`${current}\n`))
  t.teardown(agent.close)
  const traffic = await healthApp(t)
  const { backend, monitor } = setup(t, [{ name: 'a', address: `127.0.0.1:${traffic.port}`, weight: 10 }])
  monitor.watch(backend, 'a', { agent: { port: agent.port, inter: 50, timeout: 2000 } })
  const a = backend.server('a')!
  const states: string[] = []
  for (const [i, reply] of replies.entries()) {
    current = reply
    if (i === 0) monitor.start()
    // The first check may have been sent before the reply changed: wait for one that saw it.
    let report = await nextCheck(monitor, 'a', 'agent')
    report = await nextCheck(monitor, 'a', 'agent')
    states.push(`${reply} → ${a.weight} ${a.admin} ${a.operational} ${a.maxconn} [${report.status} ${report.message}]`)
  }
  t.same(states, [
    '50% → 5 ready up 0 [CHECKED ]',
    'drain → 5 drain up 0 [CHECKED ]',
    'ready 100% → 10 ready up 0 [CHECKED ]',
    'down #deploying → 10 ready down 0 [L7STS via agent : down (deploying)]',
    'up maxconn:7 → 10 ready up 7 [L7OK via agent : up]',
  ])
})

t.test('health checks never keep the process alive', async (t) => {
  const hanging = await rawServer(() => {})
  t.teardown(hanging.close)
  const child = fileURLToPath(new URL('../fixtures/health-child.ts', import.meta.url))
  const started = performance.now()
  const output = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    // No coverage from the child: loaded through tsx, it would not line up with this run's.
    const proc = spawn(process.execPath, ['--import', 'tsx', child, String(hanging.port)], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env['PATH'], _TAPJS_PROCESSINFO_COVERAGE_: '0' } })
    let out = ''
    proc.stdout.on('data', (chunk) => (out += String(chunk)))
    const timer = setTimeout(() => {
      proc.kill()
      reject(new Error('the child process did not exit'))
    }, 10_000)
    proc.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, out })
    })
  })
  t.equal(output.code, 0)
  t.equal(output.out, 'in flight: 1\n', 'a check was in flight when the process ended')
  t.ok(performance.now() - started < 8000)
})
