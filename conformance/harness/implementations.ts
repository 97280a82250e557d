/**
 * The two implementations under comparison, behind one interface: start a
 * configuration, get something to stop. HAProxy is spawned in the foreground
 * (`-db`); switchyard runs in-process through `loadHaproxyConfig` +
 * `startConfig` (or, with SWITCHYARD_CONFORMANCE=cli, as `switchyard -f`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

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

/** Resolves once 127.0.0.1:`port` accepts a TCP connection (polling every 10 ms). */
export async function waitListening(port: number, ms: number, alive: () => boolean): Promise<void> {
  const end = performance.now() + ms
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
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

async function spawnAndWait(cmd: string, args: string[], port: number, cleanup: () => void): Promise<Running> {
  let out = ''
  let exited = false
  const child: ChildProcess = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()))
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true
    resolve()
  }))
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
    await waitListening(port, 10_000, () => !exited)
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

interface InProcess {
  load(text: string, file: string): Promise<{ config: unknown; warnings: readonly unknown[] }>
  start(config: unknown): Promise<{ close(): Promise<void> | void }>
}

let inProcess: InProcess | string | undefined

/** The first of `modules` (paths under the package root) that exports function `name`. */
async function findExport(name: string, modules: readonly string[]): Promise<unknown> {
  for (const m of modules) {
    const path = join(ROOT, m)
    if (!existsSync(path)) continue
    const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>
    if (typeof mod[name] === 'function') return mod[name]
  }
  throw new Error(`${name} is not exported by ${modules.join(', ')}`)
}

/**
 * Finds the loader and the runtime. Kept in one place: when their module paths
 * or signatures settle, this is the only function to adapt.
 */
async function loadInProcess(): Promise<InProcess | string> {
  if (inProcess !== undefined) return inProcess
  try {
    const load = (await findExport('loadHaproxyConfig', ['lib/index.ts', 'lib/config/haproxy/index.ts', 'lib/config/haproxy/load.ts', 'lib/config/index.ts'])) as (text: string, options?: unknown) => unknown
    const start = (await findExport('startConfig', ['lib/index.ts', 'lib/config/start.ts', 'lib/config/start-config.ts', 'lib/config/run.ts', 'lib/config/index.ts'])) as (config: unknown, options?: unknown) => unknown
    inProcess = {
      load: async (text, file) => (await load(text, { file })) as { config: unknown; warnings: readonly unknown[] },
      start: async (config) => (await start(config)) as { close(): Promise<void> },
    }
  } catch (err) {
    inProcess = `switchyard's haproxy.cfg loader/runtime not available: ${(err as Error).message.split('\n')[0]}`
  }
  return inProcess
}

/** switchyard: in-process by default, or the CLI (`SWITCHYARD_CONFORMANCE=cli`). */
export const switchyard: Implementation = {
  name: 'switchyard',
  async unavailable() {
    if (process.env['SWITCHYARD_CONFORMANCE'] === 'cli') return undefined
    const p = await loadInProcess()
    return typeof p === 'string' ? p : undefined
  },
  async start(cfg, port) {
    if (process.env['SWITCHYARD_CONFORMANCE'] === 'cli') {
      const tmp = tempConfig(cfg)
      return spawnAndWait(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/switchyard.ts'), '-f', tmp.file], port, tmp.cleanup)
    }
    const p = (await loadInProcess()) as InProcess
    const { config, warnings } = await p.load(cfg, 'haproxy.cfg')
    const running = await p.start(config)
    await waitListening(port, 5000, () => true)
    return {
      stop: async () => {
        await running.close()
      },
      output: () => warnings.map((w) => JSON.stringify(w)).join('\n'),
    }
  },
}
