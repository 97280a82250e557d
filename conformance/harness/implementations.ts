/**
 * The two implementations under comparison, behind one interface: start a
 * configuration, get something to stop. HAProxy is spawned in the foreground
 * (`-db`); switchyard runs `loadHaproxyConfig` + `startConfig` in a child
 * process of its own (or, with SWITCHYARD_CONFORMANCE=cli, as `switchyard -f`).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ChildReply, ChildRequest } from './switchyard-child.js'

/** A running load balancer. */
export interface Running {
  stop(): Promise<void>
  /** Anything it printed (for failure reports). */
  output(): string
}

export interface Implementation {
  readonly name: 'haproxy' | 'switchyard'
  /** Why it cannot run here, or undefined when it can. */
  unavailable(): Promise<string | undefined>
  /** Starts `cfg` and resolves once `port` accepts connections. */
  start(cfg: string, port: number): Promise<Running>
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The haproxy binary: $HAPROXY, else /usr/sbin/haproxy, else `haproxy` on PATH. */
export function haproxyBinary(): string | undefined {
  const env = process.env['HAPROXY']
  if (env !== undefined && env !== '') return existsSync(env) ? env : undefined
  if (existsSync('/usr/sbin/haproxy')) return '/usr/sbin/haproxy'
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (dir !== '' && existsSync(join(dir, 'haproxy'))) return join(dir, 'haproxy')
  }
  return undefined
}

/**
 * True when something listens on `port`, read from /proc/net/tcp without
 * connecting (a probe connection would take a balancing turn in `mode tcp`);
 * undefined where /proc is not available.
 */
function listeningInProc(port: number): boolean | undefined {
  let text: string
  try {
    text = readFileSync('/proc/net/tcp', 'utf8')
  } catch {
    return undefined
  }
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  // columns: sl local_address rem_address st …; LISTEN is state 0A
  return text.split('\n').some((line) => {
    const cols = line.trim().split(/\s+/)
    return cols[1]?.endsWith(`:${hex}`) === true && cols[3] === '0A'
  })
}

/** Resolves once 127.0.0.1:`port` listens (polling every 10 ms). */
export async function waitListening(port: number, ms: number, alive: () => boolean): Promise<void> {
  const end = performance.now() + ms
  for (;;) {
    const ok =
      listeningInProc(port) ??
      (await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1')
        socket.once('connect', () => {
          socket.destroy()
          resolve(true)
        })
        socket.once('error', () => resolve(false))
      }))
    if (ok) return
    if (!alive()) throw new Error('exited before listening')
    if (performance.now() > end) throw new Error(`port ${port} not listening after ${ms} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

function tempConfig(cfg: string): { file: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'swy-conf-'))
  const file = join(dir, 'haproxy.cfg')
  writeFileSync(file, cfg)
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Spawned load balancers still running: killed if the runner itself exits early (Ctrl-C, crash). */
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL')
    process.exit(130)
  })
}

async function spawnAndWait(cmd: string, args: string[], port: number, cleanup: () => void): Promise<Running> {
  let out = ''
  let exited = false
  const child: ChildProcess = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()))
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true
      live.delete(child)
      resolve()
    }),
  )
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exit
      clearTimeout(timer)
    }
    cleanup()
  }
  try {
    await waitListening(port, 30_000, () => !exited)
  } catch (err) {
    await stop()
    throw new Error(`${(err as Error).message}\n${out}`)
  }
  return { stop, output: () => out }
}

/** HAProxy, spawned in the foreground with `-db`. */
export const haproxy: Implementation = {
  name: 'haproxy',
  async unavailable() {
    return haproxyBinary() === undefined ? 'haproxy binary not found (install the Debian package `haproxy`)' : undefined
  },
  async start(cfg, port) {
    const bin = haproxyBinary()!
    const tmp = tempConfig(cfg)
    return spawnAndWait(bin, ['-f', tmp.file, '-db'], port, tmp.cleanup)
  },
}

let availability: string | undefined | null = null

/** The first of `modules` (paths under the package root) that exports function `name`. */
async function hasExport(name: string, modules: readonly string[]): Promise<boolean> {
  for (const m of modules) {
    const path = join(ROOT, m)
    if (!existsSync(path)) continue
    const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>
    if (typeof mod[name] === 'function') return true
  }
  return false
}

let child: ChildProcess | undefined
let childOutput = ''
let pending: ((reply: ChildReply) => void) | undefined

/** The long-lived switchyard child (conformance/harness/switchyard-child.ts), forked on first use. */
function switchyardChild(): ChildProcess {
  if (child !== undefined && child.connected) return child
  const forked = fork(join(ROOT, 'conformance/harness/switchyard-child.ts'), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  forked.stdout?.on('data', (c: Buffer) => (childOutput += c.toString()))
  forked.stderr?.on('data', (c: Buffer) => (childOutput += c.toString()))
  forked.on('message', (m: ChildReply) => {
    const resolve = pending
    pending = undefined
    resolve?.(m)
  })
  forked.on('exit', (code) => {
    const resolve = pending
    pending = undefined
    resolve?.({ ok: false, error: `switchyard child exited (${code})\n${childOutput}` })
  })
  child = forked
  return forked
}

function ask(request: ChildRequest): Promise<ChildReply> {
  const c = switchyardChild()
  return new Promise((resolve) => {
    pending = resolve
    c.send(request)
  })
}

/** Ends the switchyard child (call once at the end of the run). */
export function shutdownSwitchyard(): void {
  child?.disconnect()
  child = undefined
}

/**
 * switchyard: by default in a long-lived child process (loadHaproxyConfig +
 * startConfig, see switchyard-child.ts); with SWITCHYARD_CONFORMANCE=cli, one
 * `switchyard -f file` process per scenario.
 */
export const switchyard: Implementation = {
  name: 'switchyard',
  async unavailable() {
    if (process.env['SWITCHYARD_CONFORMANCE'] === 'cli') return undefined
    if (availability === null) {
      const load = await hasExport('loadHaproxyConfig', ['lib/index.ts', 'lib/config/haproxy/load.ts'])
      const start = await hasExport('startConfig', ['lib/index.ts', 'lib/config/start.ts'])
      availability = load && start ? undefined : `switchyard's ${load ? '' : 'loadHaproxyConfig '}${start ? '' : 'startConfig '}not available`
    }
    return availability
  },
  async start(cfg, port) {
    if (process.env['SWITCHYARD_CONFORMANCE'] === 'cli') {
      const tmp = tempConfig(cfg)
      return spawnAndWait(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/switchyard.ts'), '-f', tmp.file], port, tmp.cleanup)
    }
    childOutput = ''
    const started = await ask({ cmd: 'start', cfg })
    if (!started.ok) throw new Error(started.error)
    const warnings = (started.warnings ?? []).map((w) => JSON.stringify(w)).join('\n')
    await waitListening(port, 5000, () => child !== undefined && child.connected)
    return {
      stop: async () => {
        const stopped = await ask({ cmd: 'stop' })
        if (!stopped.ok) throw new Error(stopped.error)
      },
      output: () => `${warnings}\n${childOutput}`,
    }
  },
}
