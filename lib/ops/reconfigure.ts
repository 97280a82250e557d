/**
 * Hot reconfiguration: a new set of backend and server definitions applied to
 * a running proxy. Servers that persist keep their connections, counters,
 * health and runtime state; only what the new definition changed is applied.
 * Everything is validated before the first change, so an invalid
 * configuration changes nothing.
 */
import { SwitchyardError } from '../errors.js'
import { createProxy, type BackendOptions, type Proxy, type ProxyBackend, type ServerOptions } from '../proxy.js'

/** One backend of a configuration: its options (used when it is new) and its servers by name. */
export interface BackendConfig {
  readonly options?: BackendOptions | undefined
  readonly servers: Readonly<Record<string, ServerOptions>>
}

/** A configuration for {@link Proxy.reconfigure}: backends by name. */
export interface ProxyConfig {
  readonly backends: Readonly<Record<string, BackendConfig>>
}

/** What a reconfiguration did, per `backend/server`. */
export interface ReconfigureReport {
  readonly addedBackends: readonly string[]
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly updated: readonly string[]
  readonly kept: readonly string[]
}

/** The keys that can change on a server that persists; the others need a new server name. */
const UPDATABLE = new Set(['weight', 'maxconn', 'maxqueue', 'disabled'])

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * Validates `config` against the proxy, then applies it (see {@link Proxy.reconfigure}).
 * @param previous the server definitions of the last configuration (to tell a changed definition from a runtime change)
 */
export async function applyConfig(proxy: Proxy, config: ProxyConfig, previous: Map<string, ServerOptions>): Promise<ReconfigureReport> {
  // 1. Validate everything against a scratch proxy: the same parsing as the real calls.
  const scratch = createProxy()
  for (const [name, backend] of Object.entries(config.backends)) {
    const existing = proxy.backends.find((b) => b.name === name)
    const probe = scratch.addBackend(name, existing === undefined ? backend.options : {})
    for (const [server, options] of Object.entries(backend.servers)) {
      probe.addServer(server, options)
      const before = existing?.server(server)
      const old = previous.get(`${name}/${server}`)
      if (before !== undefined && old !== undefined) {
        for (const key of Object.keys({ ...old, ...options }) as (keyof ServerOptions)[]) {
          if (!UPDATABLE.has(key) && !sameValue(old[key], options[key])) {
            throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Server "${server}" of backend "${name}": \`${key}\` cannot change on a running server; give it a new name`, { field: key, value: options[key] })
          }
        }
      }
    }
  }
  await scratch.close()
  // 2. Apply.
  const report = { addedBackends: [] as string[], added: [] as string[], removed: [] as string[], updated: [] as string[], kept: [] as string[] }
  const removals: Promise<void>[] = []
  for (const [name, backend] of Object.entries(config.backends)) {
    let target: ProxyBackend | undefined = proxy.backends.find((b) => b.name === name)
    if (target === undefined) {
      target = proxy.addBackend(name, backend.options)
      report.addedBackends.push(name)
    }
    for (const [server, options] of Object.entries(backend.servers)) {
      const id = `${name}/${server}`
      const old = previous.get(id)
      previous.set(id, options)
      if (target.server(server) === undefined) {
        target.addServer(server, options)
        report.added.push(id)
        continue
      }
      if (old === undefined || sameValue(old, options)) {
        report.kept.push(id)
        continue
      }
      // Only what the definition changed: runtime changes to other keys stay.
      if (!sameValue(old.weight, options.weight)) target.setWeight(server, options.weight ?? 1)
      if (!sameValue(old.maxconn, options.maxconn)) target.setMaxconn(server, options.maxconn ?? 0)
      if (!sameValue(old.maxqueue, options.maxqueue)) target.core.setMaxqueue(server, options.maxqueue ?? 0)
      if (!sameValue(old.disabled, options.disabled)) target.setState(server, options.disabled === true ? 'maint' : 'ready')
      report.updated.push(id)
    }
    for (const server of target.servers.map((s) => s.name)) {
      if (Object.hasOwn(backend.servers, server)) continue
      previous.delete(`${name}/${server}`)
      removals.push(target.removeServer(server))
      report.removed.push(`${name}/${server}`)
    }
  }
  await Promise.all(removals)
  return report
}
