/**
 * Runs a {@link SwitchyardConfig}: one {@link Proxy} holding every backend,
 * one {@link ProxyFrontend} (HTTP) or TCP handler per frontend over those
 * shared backends, bound to the frontends' addresses. Reloads keep the
 * backends, servers and established connections; close stops gracefully.
 * Public API only: `createProxy`, `reconfigure`, `frontend`, `createTcpHandler`,
 * `listenTcp`, `statsHandler`.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http'
import type { AddressInfo, Server, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { applyServerTimeouts } from '../adapters/node-http.js'
import { createTcpHandler, listenTcp, type TcpHandler } from '../adapters/tcp.js'
import type { HttpLogEntry } from '../adapters/types.js'
import type { TcpLogEntry } from '../adapters/tcp-types.js'
import { SwitchyardError } from '../errors.js'
import type { ReconfigureReport } from '../ops/reconfigure.js'
import { createProxy, type Proxy, type ProxyFrontend } from '../proxy.js'
import { defaultDeps } from '../runtime.js'
import { formatHttpLog, formatTcpLog, type LogLineContext } from '../stats/httplog.js'
import type { Deps } from '../types.js'
import { ConnectionCounter, type ConnectionGroup } from './limits.js'
import type { BindConfig, FrontendConfig, SwitchyardConfig } from './types.js'

/** `hard-stop-after` when the configuration gives none, ms. */
export const DEFAULT_HARD_STOP_AFTER = 30_000

/** Options of {@link startConfig}. */
export interface StartOptions {
  /** Receives each log line of frontends with `log` set (`option httplog`/`tcplog`). @default lines are dropped */
  readonly log?: ((line: string) => void) | undefined
  /** Receives operational messages: listening addresses, reload results, configuration gaps. @default dropped */
  readonly notice?: ((message: string) => void) | undefined
  /** Clock, scheduler and wall clock (tests). @default the system ones */
  readonly deps?: Partial<Deps> | undefined
}

/** One bound address. */
export interface Listener {
  readonly frontend: string
  readonly host: string
  readonly port: number
}

/** What a {@link RunningConfig.reload} did. */
export interface ReloadReport {
  /** The backends and servers (see {@link Proxy.reconfigure}). */
  readonly backends: ReconfigureReport
  readonly frontendsAdded: readonly string[]
  readonly frontendsRemoved: readonly string[]
  /** Frontends whose options changed: new requests and connections use the new ones. */
  readonly frontendsUpdated: readonly string[]
  /** `frontend host:port` addresses bound by the reload. */
  readonly bound: readonly string[]
  /** `frontend host:port` addresses closed by the reload (their established connections finish). */
  readonly unbound: readonly string[]
  /** What the reload could not apply (e.g. options of a backend that already exists). */
  readonly warnings: readonly string[]
}

/** Options of {@link RunningConfig.close}. */
export interface StopOptions {
  /** Listeners stay open this long first (at most `hardStopAfter`), ms. HAProxy: `grace`. @default the configuration's, else 0 */
  readonly grace?: number | undefined
  /** In-flight requests and connections are cut this long after the stop was asked, ms. HAProxy: `hard-stop-after`. @default the configuration's, else 30000 */
  readonly hardStopAfter?: number | undefined
}

/** A running configuration. */
export interface RunningConfig {
  /** The proxy holding every backend (stats, runtime changes). */
  readonly proxy: Proxy
  /** Every bound address, in configuration order. */
  readonly listeners: readonly Listener[]
  /**
   * Applies a new configuration without dropping anything established:
   * backends and servers through {@link Proxy.reconfigure}, frontends' new
   * options for the requests and connections that follow, added binds bound and
   * removed ones closed (their connections finish). Validated first: an invalid
   * configuration rejects and changes nothing (a bind that fails, e.g. address
   * in use, rejects after the backends changed).
   * @throws {SwitchyardError} SWY_ERR_CONFIG, SWY_ERR_INVALID_OPTION
   */
  reload(config: SwitchyardConfig): Promise<ReloadReport>
  /**
   * Graceful stop: after `grace`, listeners close, new requests on open
   * connections are answered 503, in-flight requests and connections finish;
   * whatever is left at `hardStopAfter` is cut. Calling it again returns the
   * same promise. HAProxy: soft stop, `grace`, `hard-stop-after`.
   */
  close(options?: StopOptions): Promise<void>
}

/** One bound address of a frontend. */
interface Bound {
  readonly key: string
  readonly bind: BindConfig
  readonly server: Server
  readonly listener: Listener
}

/** A frontend while it runs: the current handlers (swapped by reloads) and its servers. */
interface Front {
  config: FrontendConfig
  http: HttpFront | undefined
  tcp: Map<boolean, TcpHandler>
  readonly bound: Bound[]
  readonly connections: ConnectionGroup
}

interface HttpFront {
  readonly frontend: ProxyFrontend
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void
}

function bindKey(bind: BindConfig): string {
  return `${bind.host}:${bind.port}${bind.acceptProxy === true ? ' accept-proxy' : ''}`
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function configError(message: string, details: Record<string, unknown> = {}): SwitchyardError {
  return new SwitchyardError('SWY_ERR_CONFIG', message, details)
}

/** Backends a frontend may send traffic to: its default backend and its rules' `use-backend` targets. */
function targetsOf(frontend: FrontendConfig): string[] {
  const rules = frontend.http?.rules
  const names = (rules?.request ?? []).flatMap((r) => (r.action === 'use-backend' ? [r.backend] : []))
  if (rules?.defaultBackend !== undefined) names.push(rules.defaultBackend)
  if (frontend.defaultBackend !== undefined) names.push(frontend.defaultBackend)
  return names
}

/**
 * Checks what the option schemas cannot: unique frontend names, at least one
 * bind, backends that exist, TCP frontends with a default backend, no
 * `accept-proxy` on HTTP frontends.
 * @throws {SwitchyardError} SWY_ERR_CONFIG
 */
function checkReferences(config: SwitchyardConfig): void {
  const names = new Set<string>()
  for (const frontend of config.frontends) {
    const where = `frontend "${frontend.name}"`
    if (names.has(frontend.name)) throw configError(`${where} is defined twice`, { frontend: frontend.name })
    names.add(frontend.name)
    if (frontend.bind.length === 0) throw configError(`${where} has no bind address`, { frontend: frontend.name })
    for (const backend of targetsOf(frontend)) {
      if (!Object.hasOwn(config.backends, backend)) throw configError(`${where} uses backend "${backend}", which does not exist`, { frontend: frontend.name, backend })
    }
    if (frontend.mode === 'tcp' && frontend.defaultBackend === undefined) throw configError(`${where} (mode tcp) has no default backend`, { frontend: frontend.name })
    if (frontend.mode === 'http' && frontend.bind.some((b) => b.acceptProxy === true)) {
      throw configError(`${where}: accept-proxy is supported on mode tcp frontends only`, { frontend: frontend.name })
    }
  }
}

/**
 * Validates a whole configuration the way {@link startConfig} would run it,
 * without binding or starting checks: the backends, servers and frontends
 * are built on a scratch proxy, then dropped. What `switchyard -c` runs.
 * @throws {SwitchyardError} SWY_ERR_CONFIG, or SWY_ERR_INVALID_OPTION naming the option
 */
export async function checkConfig(config: SwitchyardConfig): Promise<void> {
  checkReferences(config)
  const proxy = createProxy()
  try {
    await proxy.reconfigure({ backends: config.backends })
    for (const frontend of config.frontends) {
      if (frontend.mode === 'http') proxy.frontend(frontend.name, { ...frontend.http, defaultBackend: frontend.defaultBackend })
      // checkReferences made sure the default backend exists.
      else for (const acceptProxy of [false, true]) createTcpHandler(proxy.getBackend(frontend.defaultBackend!).core, { ...frontend.tcp, acceptProxy }).close()
    }
  } finally {
    await proxy.close()
  }
}

/**
 * Starts a configuration: validates it ({@link checkConfig}), builds the
 * backends and servers, then binds every frontend's addresses (port 0 lets
 * the OS choose: read {@link RunningConfig.listeners}). HTTP frontends serve
 * their `stats` page and log `option httplog` lines; TCP frontends
 * (`mode tcp`) balance connections onto their default backend and log
 * `option tcplog` lines. Global and frontend `maxconn` close connections over
 * the limit at accept.
 * @throws {SwitchyardError} SWY_ERR_CONFIG, SWY_ERR_INVALID_OPTION; a bind error (EADDRINUSE…) closes what started and rejects
 */
export async function startConfig(config: SwitchyardConfig, options: StartOptions = {}): Promise<RunningConfig> {
  await checkConfig(config)
  const running = new Running(config, options)
  try {
    await running.start()
  } catch (err) {
    await running.close({ grace: 0, hardStopAfter: 0 })
    throw err
  }
  return running
}

class Running implements RunningConfig {
  readonly proxy: Proxy
  readonly #fronts = new Map<string, Front>()
  readonly #retired = new Set<TcpHandler>()
  readonly #tcpServers = new Set<Server>()
  readonly #counter: ConnectionCounter
  readonly #deps: ReturnType<typeof defaultDeps>
  readonly #options: StartOptions
  #config: SwitchyardConfig
  #closing: Promise<void> | undefined

  constructor(config: SwitchyardConfig, options: StartOptions) {
    this.#config = config
    this.#options = options
    this.#deps = defaultDeps(options.deps)
    this.proxy = createProxy({ spreadChecks: config.global?.spreadChecks }, this.#deps)
    this.#counter = new ConnectionCounter(config.global?.maxconn)
  }

  get listeners(): readonly Listener[] {
    return [...this.#fronts.values()].flatMap((front) => front.bound.map((b) => b.listener))
  }

  async start(): Promise<void> {
    await this.proxy.reconfigure({ backends: this.#config.backends })
    // TCP-only configurations: nothing builds an HTTP handler, which is what starts the checks.
    this.proxy.health.start()
    for (const frontend of this.#config.frontends) await this.#addFront(frontend)
  }

  #notice(message: string): void {
    this.#options.notice?.(message)
  }

  /** Builds the handlers of `config` into `front` (replacing the previous ones, which keep their connections). */
  #build(front: Front, config: FrontendConfig): void {
    front.config = config
    for (const handler of front.tcp.values()) this.#retired.add(handler)
    front.tcp = new Map()
    front.http = undefined
    front.connections.maxconn = config.maxconn
    if (config.mode === 'http') {
      const frontend = this.proxy.frontend(config.name, { ...config.http, defaultBackend: config.defaultBackend, log: this.#httpLogger(front) })
      const stats = config.stats
      const page = stats === undefined ? undefined : this.proxy.statsHandler({ refresh: stats.refresh })
      const handler = page === undefined ? frontend.handler : (req: IncomingMessage, res: ServerResponse): void => {
        // HAProxy: `stats uri` is a prefix of the request path.
        // node:http always sets url on server requests.
        if (req.url!.startsWith(stats!.uri)) page(req, res)
        else frontend.handler(req, res)
      }
      front.http = { frontend, handler }
    }
  }

  /** The TCP handler of `front` for connections with or without a PROXY header, created on first use. */
  #tcpHandler(front: Front, acceptProxy: boolean): TcpHandler {
    const existing = front.tcp.get(acceptProxy)
    if (existing !== undefined) return existing
    const config = front.config
    // checkReferences: a tcp frontend has a default backend.
    const backend = this.proxy.getBackend(config.defaultBackend!)
    const handler = createTcpHandler(backend.core, { ...config.tcp, acceptProxy: acceptProxy || config.tcp?.acceptProxy === true, log: this.#tcpLogger(front), deps: this.#deps })
    front.tcp.set(acceptProxy, handler)
    return handler
  }

  #httpLogger(front: Front): ((entry: HttpLogEntry) => void) | undefined {
    const sink = this.#options.log
    if (sink === undefined || front.config.log === undefined) return undefined
    return (entry) => sink(formatHttpLog(entry, this.#logContext(front, entry)))
  }

  #tcpLogger(front: Front): ((entry: TcpLogEntry) => void) | undefined {
    const sink = this.#options.log
    if (sink === undefined || front.config.log === undefined) return undefined
    return (entry) => sink(formatTcpLog(entry, this.#logContext(front, entry)))
  }

  /** The date and counts of a log line, read when it is written (as HAProxy does). */
  #logContext(front: Front, entry: HttpLogEntry | TcpLogEntry): LogLineContext {
    const backend = this.proxy.backends.find((b) => b.name === entry.backend)
    const counters = backend?.core.counters()
    const server = counters?.servers.find((s) => s.name === entry.server)
    return {
      frontend: front.config.name,
      acceptDate: new Date(this.#deps.wallClock.now() - entry.Tt),
      actconn: this.#counter.connections,
      feconn: front.connections.connections,
      beconn: counters?.beconn ?? 0,
      srvConn: server?.served ?? 0,
      srvQueue: server?.queued ?? 0,
      backendQueue: counters?.queued ?? 0,
    }
  }

  async #addFront(config: FrontendConfig): Promise<void> {
    const front: Front = { config, http: undefined, tcp: new Map(), bound: [], connections: this.#counter.group(config.maxconn) }
    this.#fronts.set(config.name, front)
    this.#build(front, config)
    for (const bind of config.bind) await this.#bind(front, bind)
  }

  async #bind(front: Front, bind: BindConfig): Promise<Bound> {
    const host = bind.host === '*' ? '0.0.0.0' : bind.host
    let server: Server
    if (front.http !== undefined) {
      const http = await front.http.frontend.listen(bind.port, host)
      // The server calls the frontend's current handler: a reload swaps it without rebinding.
      http.off('request', front.http.frontend.handler).on('request', (req: IncomingMessage, res: ServerResponse) => front.http!.handler(req, res))
      http.off('upgrade', front.http.frontend.upgrade).on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => front.http!.frontend.upgrade(req, socket, head))
      server = http
    } else {
      const acceptProxy = bind.acceptProxy === true
      const first = this.#tcpHandler(front, acceptProxy)
      server = await listenTcp(first, { host, port: bind.port })
      server.off('connection', first).on('connection', (socket: Socket) => {
        // Closed at accept by a maxconn limit.
        if (!socket.destroyed) this.#tcpHandler(front, acceptProxy)(socket)
      })
      this.#tcpServers.add(server)
    }
    front.connections.attach(server)
    const address = server.address() as AddressInfo
    const bound: Bound = { key: bindKey(bind), bind, server, listener: { frontend: front.config.name, host: address.address, port: address.port } }
    front.bound.push(bound)
    const where = `frontend=${front.config.name} ${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
    this.#notice(`listening ${where}`)
    server.on('error', this.#acceptAlert(where))
    return bound
  }

  /**
   * Reports errors of a listening server (an accept that failed, e.g. EMFILE);
   * the server keeps listening. At most one line a second per address, naming
   * how many were left out, since a process out of descriptors fails every accept.
   */
  #acceptAlert(where: string): (error: Error) => void {
    let last = -Infinity
    let unreported = 0
    return (error) => {
      const now = this.#deps.clock.now()
      if (now - last < 1_000) {
        unreported++
        return
      }
      last = now
      this.#notice(`[ALERT] accept failed on ${where}: ${error.message}${unreported === 0 ? '' : ` (${unreported} more since the last report)`}`)
      unreported = 0
    }
  }

  /** Stops accepting on one address; its established connections finish. */
  #unbind(front: Front, bound: Bound): Promise<void> {
    front.bound.splice(front.bound.indexOf(bound), 1)
    this.#tcpServers.delete(bound.server)
    return new Promise((resolve) => {
      bound.server.close(() => resolve())
      ;(bound.server as HttpServer).closeIdleConnections?.()
    })
  }

  async reload(config: SwitchyardConfig): Promise<ReloadReport> {
    if (this.#closing !== undefined) throw configError('Cannot reload: the configuration is stopping')
    await checkConfig(config)
    const warnings: string[] = []
    for (const [name, backend] of Object.entries(config.backends)) {
      const before = this.#config.backends[name]
      if (before !== undefined && !sameJson(before.options, backend.options)) warnings.push(`backend "${name}": changed options apply to new backends only; restart to apply them`)
    }
    const backends = await this.proxy.reconfigure({ backends: config.backends })
    const added: string[] = []
    const removed: string[] = []
    const updated: string[] = []
    const bound: string[] = []
    const unbound: string[] = []
    const closing: Promise<void>[] = []
    const wanted = new Set(config.frontends.map((f) => f.name))
    for (const [name, front] of this.#fronts) {
      if (wanted.has(name) && config.frontends.find((f) => f.name === name)!.mode === front.config.mode) continue
      for (const b of [...front.bound]) {
        unbound.push(`${name} ${b.key}`)
        closing.push(this.#unbind(front, b))
      }
      for (const handler of front.tcp.values()) this.#retired.add(handler)
      this.#fronts.delete(name)
      removed.push(name)
    }
    for (const next of config.frontends) {
      const front = this.#fronts.get(next.name)
      if (front === undefined) {
        await this.#addFront(next)
        for (const b of this.#fronts.get(next.name)!.bound) bound.push(`${next.name} ${b.key}`)
        added.push(next.name)
        continue
      }
      const { bind: oldBinds, ...oldRest } = front.config
      const { bind: newBinds, ...newRest } = next
      if (!sameJson(oldRest, newRest)) {
        this.#build(front, next)
        const http = front.http
        if (http !== undefined) for (const b of front.bound) applyServerTimeouts(b.server as HttpServer, http.frontend.options)
        updated.push(next.name)
      } else front.config = next
      const keys = new Set(newBinds.map(bindKey))
      for (const b of [...front.bound]) {
        if (keys.has(b.key)) continue
        unbound.push(`${next.name} ${b.key}`)
        closing.push(this.#unbind(front, b))
      }
      const have = new Set(oldBinds.map(bindKey))
      for (const bind of newBinds) {
        if (have.has(bindKey(bind))) continue
        await this.#bind(front, bind)
        bound.push(`${next.name} ${bindKey(bind)}`)
      }
    }
    this.#counter.maxconn = config.global?.maxconn
    this.#config = config
    await Promise.all(closing)
    return { backends, frontendsAdded: added, frontendsRemoved: removed, frontendsUpdated: updated, bound, unbound, warnings }
  }

  close(options: StopOptions = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.grace ?? this.#config.global?.grace ?? 0, options.hardStopAfter ?? this.#config.global?.hardStopAfter ?? DEFAULT_HARD_STOP_AFTER)
    return this.#closing
  }

  async #shutdown(grace: number, hardStopAfter: number): Promise<void> {
    const { clock, scheduler } = this.#deps
    const started = clock.now()
    // The hard stop also ends the grace period (both count from the stop request).
    const wait = Math.min(grace, hardStopAfter)
    if (wait > 0) await new Promise<void>((resolve) => scheduler.schedule(wait, resolve))
    const left = Math.max(0, hardStopAfter - (clock.now() - started))
    // TCP listeners stop accepting; their connections finish, or are cut at the hard stop.
    const tcpClosed = [...this.#tcpServers].map((server) => new Promise<void>((resolve) => server.close(() => resolve())))
    const kill = (): void => {
      for (const front of this.#fronts.values()) for (const handler of front.tcp.values()) handler.close()
      for (const handler of this.#retired) handler.close()
    }
    // A timer of Infinity would fire at once (setTimeout clamps it).
    const timer = Number.isFinite(left) ? scheduler.schedule(left, kill) : undefined
    // Queued requests may still get a server until the hard stop (HAProxy serves them on a soft stop).
    await Promise.all([this.proxy.close({ grace: left, hardStopAfter: left }), ...tcpClosed])
    timer?.cancel()
  }
}
