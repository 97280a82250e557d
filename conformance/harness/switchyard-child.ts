/**
 * The switchyard side of the suite, in its own process (like HAProxy, so that
 * neither implementation shares an event loop with the origins and the client):
 * a long-lived child driven over IPC. `{ cmd: 'start', cfg }` loads the text with
 * `loadHaproxyConfig` and runs it with `startConfig`; `{ cmd: 'stop' }` closes it.
 */
import { existsSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

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

type Load = (text: string, options?: { file?: string }) => { config: unknown; warnings: readonly unknown[] }
type Start = (config: unknown) => Promise<{ close(options?: { grace?: number; hardStopAfter?: number }): Promise<void> | void }>

export type ChildRequest = { readonly cmd: 'start'; readonly cfg: string } | { readonly cmd: 'stop' }
export type ChildReply =
  | { readonly ok: true; readonly warnings?: readonly unknown[] }
  | { readonly ok: false; readonly error: string }

let load: Load
let start: Start
let running: Awaited<ReturnType<Start>> | undefined

async function init(): Promise<void> {
  load = (await findExport('loadHaproxyConfig', ['lib/index.ts', 'lib/config/haproxy/load.ts'])) as Load
  start = (await findExport('startConfig', ['lib/index.ts', 'lib/config/start.ts'])) as Start
  // warm up once (module loading, JIT of the request path) so that the first scenario's timings are not skewed
  const origin = http.createServer((_req, res) => res.end('ok'))
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r))
  const port = (origin.address() as AddressInfo).port
  const fe = await new Promise<number>((resolve) => {
    const probe = http.createServer()
    probe.listen(0, '127.0.0.1', () => {
      const p = (probe.address() as AddressInfo).port
      probe.close(() => resolve(p))
    })
  })
  const warm = await start(load(`defaults\n    mode http\nlisten warm\n    bind 127.0.0.1:${fe}\n    server o 127.0.0.1:${port}\n`).config)
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve) => {
      http.get({ host: '127.0.0.1', port: fe, path: '/', agent: false }, (res) => res.resume().on('end', resolve)).on('error', () => resolve())
    })
  }
  await warm.close()
  origin.closeAllConnections()
  await new Promise<void>((r) => origin.close(() => r()))
}

function reply(message: ChildReply): void {
  process.send!(message)
}

const ready = init()

process.on('message', (message: ChildRequest) => {
  void (async () => {
    try {
      await ready
      if (message.cmd === 'start') {
        const { config, warnings } = load(message.cfg, { file: 'haproxy.cfg' })
        running = await start(config)
        reply({ ok: true, warnings })
      } else {
        // like HAProxy's SIGTERM: a hard stop
        await running?.close({ grace: 0, hardStopAfter: 0 })
        running = undefined
        reply({ ok: true })
      }
    } catch (err) {
      reply({ ok: false, error: (err as Error).stack ?? String(err) })
    }
  })()
})
process.on('disconnect', () => process.exit(0))
