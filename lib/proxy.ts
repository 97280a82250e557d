/**
 * The public face of switchyard's HTTP mode: `createProxy()`, `addBackend()`,
 * `addServer()`. Options are validated here (zod, once), then handed to the
 * core {@link Backend} (balancing, limits, queues) and to the HTTP adapters
 * (forwarding, retries, timeouts) as resolved objects.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { EventEmitter } from 'eventemitter3'
import { createHttpBackend, type HttpBackend } from './adapters/http-backend.js'
import { applyServerTimeouts, createHttpHandler, type HttpHandler } from './adapters/node-http.js'
import type { BackendTimeouts, ErrorPages, FrontendTimeouts, HttpLogger, ResolvedHttpFrontendOptions, RetryOnKeyword } from './adapters/types.js'
import { parseServerAddress } from './adapters/upstream.js'
import { HttpPersistence, type CookieCounters } from './adapters/persistence.js'
import type { AdminState, OperationalState, ServerView } from './balance/types.js'
import { Backend, type BackendCounters } from './backend.js'
import { SwitchyardError } from './errors.js'
import type { BackendEvents } from './events.js'
import { resolveBalance, type BalanceOptions } from './options/balance.js'
import { DEFAULT_TIMEOUT_CONNECT } from './options/defaults.js'
import { parseOptions } from './options/parse.js'
import { CookiePersistence } from './persist/cookie.js'
import { isValidServerCookie } from './persist/cookie-index.js'
import { createCookiePolicy } from './persist/policy.js'
import { BackendOptionsSchema, ProxyOptionsSchema, ServerOptionsSchema } from './options/schema.js'
import type { AcquireRequest, Admission, Lease } from './queue/types.js'
import { createRouter } from './routing/router.js'
import { RuleSet } from './rules/rule-set.js'
import type { StickTableStats } from './rules/stick-table.js'
import type { RuleSetOptions } from './rules/types.js'
import { HealthMonitor } from './health/monitor.js'
import { resolveServerHealth, type ServerHealthOptions } from './health/options.js'
import { balanceNameOf } from './balance/registry.js'
import { waitIdle } from './ops/idle.js'
import { applyConfig, type ProxyConfig, type ReconfigureReport } from './ops/reconfigure.js'
import { StatsCollector } from './stats/collector.js'
import { createStatsHandler, type StatsHandlerOptions } from './stats/handler.js'
import { buildSnapshot } from './stats/snapshot.js'
import type { ProxyStats } from './stats/types.js'
import type { RouteCondition } from './routing/types.js'
import { defaultDeps } from './runtime.js'
import type { Deps } from './types.js'
import type { WeightChange } from './weight-change.js'
import type { z } from 'zod'

/**
 * Options of {@link createProxy} (the frontend side).
 * @example createProxy({ timeouts: { client: 30_000 }, monitorUri: '/health' })
 */
export type ProxyOptions = Omit<z.input<typeof ProxyOptionsSchema>, 'log' | 'errorPages' | 'rules'> & {
  /** Per-request log hook with HAProxy's HTTP log fields; off when absent. HAProxy: `option httplog`. */
  readonly log?: HttpLogger | undefined
  /** Replacement answers for generated statuses. HAProxy: `errorfile`. */
  readonly errorPages?: ErrorPages | undefined
  /**
   * Request and response rules, compiled once here (docs/rules.md). `use-backend`
   * and `defaultBackend` name backends of this proxy (checked by {@link Proxy.listen},
   * answered 503 if still unknown at request time); `nbsrv()` reads this proxy's
   * backends. `tarpitTimeout` defaults to `timeout connect` (5000 ms), as HAProxy's
   * `timeout tarpit` does. HAProxy: `acl`, `http-request`, `http-response`, `use_backend`, `stick-table`.
   */
  readonly rules?: Omit<RuleSetOptions, 'backends'> | undefined
}

/** Options of {@link Proxy.frontend}: a frontend's own options plus the backend of unrouted requests (`spreadChecks` is the proxy's and ignored here). */
export type FrontendOptions = ProxyOptions & {
  /**
   * Backend for requests no rule routes (checked by {@link ProxyFrontend.listen},
   * answered 503 if still unknown at request time). HAProxy: `default_backend`.
   * @default none: unrouted requests are answered 503
   */
  readonly defaultBackend?: string | undefined
}

/** One frontend of a proxy, made by {@link Proxy.frontend}. */
export interface ProxyFrontend {
  readonly name: string
  /** The request listener (`http.createServer(frontend.handler)`); answers 503 once the proxy is closing. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void
  /** The `'upgrade'` listener. */
  readonly upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  /** The `'connect'` listener: CONNECT is refused with 400 and the connection closed. */
  readonly connect: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  /** The resolved frontend options (timeouts for {@link applyServerTimeouts}). */
  readonly options: ResolvedHttpFrontendOptions
  /**
   * Creates an HTTP server with this frontend's handlers and timeouts, listening;
   * the proxy's {@link Proxy.close} stops it.
   * @param port @default 0
   * @param host @default '127.0.0.1'
   * @throws {SwitchyardError} SWY_ERR_UNKNOWN_BACKEND when the default backend or a rule's backend does not exist
   */
  listen(port?: number, host?: string): Promise<Server>
}

/** Stick-table figures of a proxy's rules, by table name. */
export type RuleStats = Readonly<Record<string, StickTableStats>>

/**
 * Options of {@link Proxy.addBackend}: balancing, limits, queueing, timeouts,
 * retries and forwarding. Every key is optional.
 *
 * - `balance`: the algorithm (HAProxy `balance`). @default 'roundrobin'
 * - `allbackups`: balance over every usable backup (HAProxy `option allbackups`). @default false
 * - `maxconn`: requests in service at once over the backend, 0 = unlimited. @default 0
 * - `fullconn`: load at which servers reach `maxconn` (HAProxy `fullconn`). @default ceil(maxconn / 10)
 * - `timeouts.connect` (5000), `.server` (50000, answered 504), `.queue` (= connect, answered 503), `.tunnel` (3600000), in ms.
 * - `retries` (3), `redispatch` (false; true = on the last retry; N = every N-th), `retryOn` (['conn-failure']),
 *   `retryNonIdempotent` (false), `bufferSize` (16384 bytes kept for replays).
 * - `forwardFor`, `originalTo`, `forwardedProto`, `forwardedHost`: forwarding headers (off).
 * - `idleTimeout`: idle pooled server connections close after this, keep it below the servers' own (4000 ms).
 * - `server`: transport defaults for every server (`ssl`, `verify`, `ca`, `sni`, `source`).
 * - `errorPages`: replacement answers for this backend's errors.
 * - `cookie`: cookie persistence (HAProxy `cookie`): `name` (required), `mode` `'insert' | 'prefix' | 'rewrite'`
 *   (absent = passive), `indirect`, `nocache`, `postonly`, `preserve`, `httponly`, `secure`, `domains`, `attrs`,
 *   `maxidle`/`maxlife` (ms, whole seconds count), `dynamic` with `dynamicKey` (HAProxy `dynamic-cookie-key`).
 *   Servers give their value with `addServer(name, { cookie })`. Off when absent.
 * - `persist`: a cookie naming a DOWN or MAINT server still reaches it, and with `redispatch` a server going DOWN
 *   or draining keeps its queue (HAProxy `option persist`). @default false
 */
export type BackendOptions = Omit<z.input<typeof BackendOptionsSchema>, 'balance' | 'retryOn' | 'errorPages'> & {
  readonly balance?: BalanceOptions | undefined
  readonly retryOn?: readonly RetryOnKeyword[] | undefined
  readonly errorPages?: ErrorPages | undefined
}

/**
 * Options of {@link ProxyBackend.addServer}.
 *
 * - `address`: `http://host:port`, `https://host:port` or `host:port` (required).
 * - `weight` 0..256 (1), `id` (declaration position), `backup` (false), `maxconn` (0 = unlimited),
 *   `minconn`, `maxqueue` (0 = unlimited), `disabled` (false: start in maintenance).
 * - `ssl`, `verify` ('required'), `ca` (PEM), `sni`, `source`: TLS and the local address of connections.
 * - `cookie`: the server's persistence cookie value (HAProxy server `cookie`); backup servers may share an
 *   active server's value. Ignored when the backend has no `cookie`.
 * - `check`, `agent`, `observe`, `slowstart`, `initialState`, `shutdownOnDown`, `shutdownBackupsOnUp`:
 *   health ({@link ServerHealthOptions}); checks start when the proxy first listens or handles a request.
 */
export type ServerOptions = Omit<z.input<typeof ServerOptionsSchema>, keyof ServerHealthOptions> & ServerHealthOptions

/** A routing rule: send matching requests to a backend. HAProxy: `use_backend <name> if <cond>`. */
export interface RouteOptions {
  /** Backend name. */
  readonly backend: string
  readonly if?: RouteCondition | undefined
  readonly unless?: RouteCondition | undefined
}

/** Options of {@link Proxy.close}. */
export interface CloseOptions {
  /**
   * Milliseconds queued requests may still wait for a server after close();
   * then the ones left are answered 503. In-flight requests are not cut by it.
   * @default 0
   */
  readonly grace?: number | undefined
  /**
   * Milliseconds after close() at which requests still in flight are cut
   * (their connections destroyed). HAProxy: `hard-stop-after`.
   * @default Infinity (in-flight requests always finish)
   */
  readonly hardStopAfter?: number | undefined
}

/** Events of a {@link Proxy}. */
export interface ProxyEvents {
  /** A backend was added. */
  'backend:add': [backend: ProxyBackend]
  /** The proxy finished closing. */
  'proxy:close': []
  /**
   * A listening server reported an error after it started (an accept that
   * failed, e.g. EMFILE when Node's reserve descriptor was gone). The server
   * keeps listening; without this listener the error would crash the process.
   */
  'listener:error': [error: Error, server: Server]
}

/**
 * One backend of a proxy: the core {@link Backend} (servers, balancing,
 * queues, events) plus its HTTP forwarding. Events are the core backend's.
 */
export class ProxyBackend {
  /** The core backend: balancing, limits, queues; emits {@link BackendEvents}. */
  readonly core: Backend
  /** The HTTP side: pools, retries, forwarding. */
  readonly http: HttpBackend
  /** The proxy's health monitor (checks, agents, passive health). */
  readonly health: HealthMonitor

  constructor(core: Backend, http: HttpBackend, health: HealthMonitor) {
    this.core = core
    this.http = http
    this.health = health
    health.attach(core)
  }

  /** Backend name. */
  get name(): string {
    return this.core.name
  }

  /** Servers in declaration order. */
  get servers(): readonly ServerView[] {
    return this.core.servers
  }

  /**
   * Adds a server. HAProxy: `server <name> <address> [weight N] [maxconn N] …`.
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION (naming the field), SWY_ERR_DUPLICATE_SERVER
   */
  addServer(name: string, options: ServerOptions): ServerView {
    const where = `server "${name}" of backend "${this.name}"`
    if (typeof name !== 'string' || name.length === 0) {
      throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected a server name (non-empty string), got \`${String(name)}\``, { field: 'name', value: name })
    }
    const o = parseOptions(ServerOptionsSchema, options, where)
    parseServerAddress(o.address, o.ssl ?? false) // validates the address, naming it
    if (o.cookie !== undefined && !isValidServerCookie(o.cookie)) {
      throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `${where}: invalid \`cookie\` value \`${o.cookie}\``, { field: 'cookie', value: o.cookie })
    }
    const health = healthOptions(options)
    // Validates the health keys before anything changes (the monitor resolves them again when watching).
    if (health !== undefined) resolveServerHealth(health)
    if (this.core.server(name) !== undefined) {
      throw new SwitchyardError('SWY_ERR_DUPLICATE_SERVER', `Server "${name}" already exists in backend "${this.name}"`, { server: name })
    }
    const server = this.core.addServer({
      name,
      address: o.address,
      id: o.id,
      weight: o.weight,
      backup: o.backup,
      maxconn: o.maxconn,
      minconn: o.minconn,
      maxqueue: o.maxqueue,
      admin: o.disabled === true ? 'maint' : 'ready',
    })
    if (o.ssl !== undefined || o.verify !== undefined || o.ca !== undefined || o.sni !== undefined || o.source !== undefined) {
      this.http.setServerTransport(name, { ssl: o.ssl, verify: o.verify, ca: o.ca, sni: o.sni, source: o.source })
    }
    this.http.persistence?.cookies.setServer(server, o.cookie)
    if (health !== undefined) this.health.watch(this.core, name, health)
    return server
  }

  /**
   * Removes a server: it takes no new traffic, its queued requests go elsewhere,
   * in-flight requests finish; resolves when its connection pool is closed.
   * HAProxy: `del server`.
   * @throws {SwitchyardError} SWY_ERR_UNKNOWN_SERVER
   */
  async removeServer(name: string): Promise<void> {
    const view = this.core.server(name)
    this.core.removeServer(name)
    // removeServer threw unless the server existed.
    this.http.persistence?.cookies.removeServer(view!)
    await this.http.removeServer(name)
  }

  /** The server named `name`, if any. */
  server(name: string): ServerView | undefined {
    return this.core.server(name)
  }

  /** Sets a weight, absolute or `'N%'` of the configured one. HAProxy: `set weight`. */
  setWeight(name: string, weight: WeightChange): void {
    this.core.setWeight(name, weight)
  }

  /** Sets the admin state. HAProxy: `set server <b>/<s> state ready|drain|maint`. */
  setState(name: string, state: AdminState): void {
    if (state !== 'ready' && state !== 'drain' && state !== 'maint') {
      throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected a server state of ready, drain or maint, got \`${String(state)}\``, { field: 'state', value: state })
    }
    this.core.setAdmin(name, state)
  }

  /** Forces the operational state. HAProxy: `set server <b>/<s> health up|stopping|down`. */
  setHealth(name: string, state: OperationalState): void {
    if (state !== 'up' && state !== 'starting' && state !== 'stopping' && state !== 'down') {
      throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected a server health of up, starting, stopping or down, got \`${String(state)}\``, { field: 'state', value: state })
    }
    this.core.setOperational(name, state)
  }

  /** Changes a server's maxconn. HAProxy: `set maxconn server`. */
  setMaxconn(name: string, maxconn: number): void {
    this.core.setMaxconn(name, maxconn)
  }

  /** Resumes a server's regular check. HAProxy: `enable health`. @throws {SwitchyardError} SWY_ERR_UNKNOWN_SERVER */
  enableCheck(name: string): void {
    this.health.enableCheck(this.core, name)
  }

  /** Stops a server's regular check (treated as unchecked). HAProxy: `disable health`. @throws {SwitchyardError} SWY_ERR_UNKNOWN_SERVER */
  disableCheck(name: string): void {
    this.health.disableCheck(this.core, name)
  }

  /** Resumes a server's agent check. HAProxy: `enable agent`. @throws {SwitchyardError} SWY_ERR_UNKNOWN_SERVER */
  enableAgent(name: string): void {
    this.health.enableAgent(this.core, name)
  }

  /** Stops a server's agent check. HAProxy: `disable agent`. @throws {SwitchyardError} SWY_ERR_UNKNOWN_SERVER */
  disableAgent(name: string): void {
    this.health.disableAgent(this.core, name)
  }

  /** Counters of the backend and its servers. */
  counters(): BackendCounters {
    return this.core.counters()
  }

  /**
   * The backend's cookie persistence (values, dynamic-cookie setters), or
   * `undefined` without a `cookie` option. HAProxy: `cookie`.
   */
  get persistence(): CookiePersistence | undefined {
    return this.http.persistence?.cookies
  }

  /** Cookie hits, misses and redispatches, or `undefined` without a `cookie` option. */
  cookieCounters(): CookieCounters | undefined {
    return this.http.persistence?.counters()
  }

  /** Waits for a slot (the {@link Backend.acquire} of the core). */
  acquire(request: AcquireRequest): Promise<Lease> {
    return this.core.acquire(request)
  }

  /** Synchronous admission (the {@link Backend.tryAcquire} of the core). */
  tryAcquire(request: AcquireRequest): Admission {
    return this.core.tryAcquire(request)
  }

  /** Listens to the core backend's events. */
  on<E extends keyof BackendEvents>(event: E, listener: (...args: BackendEvents[E]) => void): this {
    this.core.on(event, listener as never)
    return this
  }
}

/**
 * A load balancer inside the application: backends, routing rules and the
 * request handlers to mount on an HTTP server.
 */
export class Proxy extends EventEmitter<ProxyEvents> {
  readonly #deps: ReturnType<typeof defaultDeps>
  readonly #options: z.output<typeof ProxyOptionsSchema>
  readonly #backends = new Map<string, ProxyBackend>()
  readonly #routes: RouteOptions[] = []
  readonly #servers = new Set<Server>()
  /** Compiled rules; undefined when none are configured (the request path skips them). */
  readonly #rules: RuleSet | undefined
  /** Backend names the rules route to, checked when listening. */
  readonly #ruleBackends: readonly string[]
  /** undefined: the first backend; null: none (unmatched requests get 503, or `next()`). */
  #defaultBackend: string | null | undefined
  #built: HttpHandler | undefined
  /** Bumped when backends are added: frontends rebuild their handlers then. */
  #generation = 0
  #closing: Promise<void> | undefined
  readonly #collector: StatsCollector
  readonly #algos = new Map<string, string>()
  readonly #health: HealthMonitor
  readonly #definitions = new Map<string, ServerOptions>()

  /**
   * The request listener: `http.createServer(proxy.handler)`. Also works as
   * `(req, res)` anywhere a node:http handler fits.
   */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void
  /** The `'upgrade'` listener: `server.on('upgrade', proxy.upgrade)` (WebSocket and other upgrades). */
  readonly upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  /** The `'connect'` listener: `server.on('connect', proxy.connect)`; CONNECT is refused with 400 and the connection closed. */
  readonly connect: (req: IncomingMessage, socket: Duplex, head: Buffer) => void

  constructor(options: ProxyOptions = {}, deps: Partial<Deps> = {}) {
    super()
    this.#options = parseOptions(ProxyOptionsSchema, options, 'createProxy')
    this.#deps = defaultDeps(deps)
    // The caller's objects, not zod's copies: rules may hold RegExp, StickTable and function values.
    const rules = options.rules
    this.#rules = rules === undefined && options.trustedProxies === undefined ? undefined : this.#compileRules(rules ?? {}, options.trustedProxies)
    const names = (rules?.request ?? []).flatMap((r) => (r.action === 'use-backend' ? [r.backend] : []))
    if (rules?.defaultBackend !== undefined) names.push(rules.defaultBackend)
    this.#ruleBackends = names
    const clock = this.#deps.clock
    this.#collector = new StatsCollector(() => clock.now())
    this.#health = new HealthMonitor(this.#deps, { spreadChecks: this.#options.spreadChecks })
    this.handler = (req, res) => {
      if (this.#closing !== undefined) return refuseClosing(res)
      this.#handler()(req, res)
    }
    this.upgrade = (req, socket, head) => {
      if (this.#closing !== undefined) return refuseUpgrade(socket)
      this.#handler().upgrade(req, socket, head)
    }
    this.connect = (req, socket, head) => this.#handler().connect(req, socket, head)
  }

  /**
   * Like {@link handler}, but when no backend matches `next()` is called instead of
   * answering 503: what `expressMiddleware(proxy)` and the Fastify plugin use.
   * While closing, new requests are answered 503 here too.
   */
  handle(req: IncomingMessage, res: ServerResponse, next?: () => void): void {
    if (this.#closing !== undefined) return refuseClosing(res)
    this.#handler().handle(req, res, next)
  }

  /** The compiled rules (stick tables under `rules.tables`); `undefined` when none are configured. */
  get rules(): RuleSet | undefined {
    return this.#rules
  }

  /** Figures of every stick table of the rules (entries, in use, evictions, expired, failed). */
  ruleStats(): RuleStats {
    const out: Record<string, StickTableStats> = {}
    for (const [name, table] of this.#rules?.tables ?? []) out[name] = table.stats()
    return out
  }

  #compileRules(rules: Omit<RuleSetOptions, 'backends'>, trustedProxies: string | readonly string[] | undefined): RuleSet | undefined {
    let compiled: RuleSet
    try {
      compiled = new RuleSet({
        ...rules,
        trustedProxies: trustedProxies ?? rules.trustedProxies,
        // HAProxy: `timeout tarpit` falls back to `timeout connect`.
        tarpitTimeout: rules.tarpitTimeout ?? DEFAULT_TIMEOUT_CONNECT,
        // Backends are added later: look them up when a condition runs.
        backends: { usableServers: (name) => () => this.#usableServers(name) },
      })
    } catch (err) {
      // RuleSet reports every configuration problem as a SwitchyardError naming the field and value.
      const e = err as SwitchyardError
      throw new SwitchyardError(e.code, `Invalid options for createProxy: rules: ${e.message}`, e.details, { cause: err })
    }
    return compiled.hasRules ? compiled : undefined
  }

  /** `nbsrv(<backend>)`: usable servers of a backend (0 when it does not exist). */
  #usableServers(name: string): number {
    const backend = this.#backends.get(name)
    if (backend === undefined) return 0
    let n = 0
    for (const server of backend.core.servers) if (server.usable) n++
    return n
  }

  /** The health monitor of every backend: transition and check events. */
  get health(): HealthMonitor {
    return this.#health
  }

  /** Backends by name, in the order they were added. */
  get backends(): readonly ProxyBackend[] {
    return [...this.#backends.values()]
  }

  /**
   * Adds a backend. The first backend added is the default one until
   * {@link setDefaultBackend} says otherwise.
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION, SWY_ERR_DUPLICATE_BACKEND
   */
  addBackend(name: string, options: BackendOptions = {}): ProxyBackend {
    if (typeof name !== 'string' || name.length === 0) {
      throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected a backend name (non-empty string), got \`${String(name)}\``, { field: 'name', value: name })
    }
    if (this.#backends.has(name)) throw new SwitchyardError('SWY_ERR_DUPLICATE_BACKEND', `Backend "${name}" already exists`, { backend: name })
    const where = `backend "${name}"`
    const o = parseOptions(BackendOptionsSchema, options, where)
    const balance = resolveBalance(o.balance as BalanceOptions | undefined, `${where} balance`)
    const redispatch = o.redispatch !== undefined && o.redispatch !== false && o.redispatch !== 0
    const core = new Backend(name, {
      balance,
      allbackups: o.allbackups,
      maxconn: o.maxconn,
      fullconn: o.fullconn,
      timeoutQueue: o.timeouts?.queue,
      // HAProxy: `timeout queue` defaults to `timeout connect`.
      timeoutConnect: o.timeouts?.connect ?? DEFAULT_TIMEOUT_CONNECT,
      redispatch,
      persist: o.persist,
    }, this.#deps)
    const http = createHttpBackend(core, {
      // Unset keys fall back to defaults in the resolver (`??`), so an explicit undefined is harmless.
      timeouts: o.timeouts as Partial<BackendTimeouts> | undefined,
      retries: o.retries,
      redispatch: o.redispatch,
      retryOn: o.retryOn,
      retryNonIdempotent: o.retryNonIdempotent,
      bufferSize: o.bufferSize,
      forwardFor: o.forwardFor,
      originalTo: o.originalTo,
      forwardedProto: o.forwardedProto,
      forwardedHost: o.forwardedHost,
      idleTimeout: o.idleTimeout,
      server: o.server,
      errorPages: o.errorPages as ErrorPages | undefined,
    })
    if (o.cookie !== undefined) {
      const policy = createCookiePolicy(o.cookie)
      const persistence = new CookiePersistence(policy, { persist: o.persist, redispatch })
      http.persistence = new HttpPersistence(persistence, this.#deps.wallClock, o.persist === true)
    }
    const backend = new ProxyBackend(core, http, this.#health)
    this.#collector.backend(name)
    core.on('server:add', (server) => this.#collector.server(name, server))
    core.on('server:remove', (server) => this.#collector.forget(name, server))
    this.#algos.set(name, balanceNameOf(balance))
    this.#backends.set(name, backend)
    this.#built = undefined
    this.#generation++
    this.emit('backend:add', backend)
    return backend
  }

  /**
   * The backend named `name`.
   * @throws {SwitchyardError} SWY_ERR_UNKNOWN_BACKEND
   */
  getBackend(name: string): ProxyBackend {
    const backend = this.#backends.get(name)
    if (backend === undefined) throw new SwitchyardError('SWY_ERR_UNKNOWN_BACKEND', `No backend named "${name}"`, { backend: name })
    return backend
  }

  /**
   * Adds a routing rule, evaluated in the order added; the first match wins.
   * HAProxy: `use_backend <name> if <cond>`.
   * @throws {SwitchyardError} SWY_ERR_UNKNOWN_BACKEND
   */
  route(rule: RouteOptions): this {
    this.getBackend(rule.backend)
    this.#routes.push(rule)
    this.#built = undefined
    return this
  }

  /**
   * Sets the backend for requests no rule matched (HAProxy `default_backend`);
   * `null` for none: unmatched requests get 503, or reach the application
   * through `next()` when the proxy is mounted as middleware.
   * @default the first backend added
   * @throws {SwitchyardError} SWY_ERR_UNKNOWN_BACKEND
   */
  setDefaultBackend(name: string | null): this {
    if (name !== null) this.getBackend(name)
    this.#defaultBackend = name
    this.#built = undefined
    return this
  }

  /**
   * Creates an HTTP server with this proxy's handlers and timeouts and starts
   * listening. Resolves with the server once it listens; {@link close} stops it.
   * @param port @default 0 (any free port: read it from `server.address()`)
   * @param host @default '127.0.0.1'
   */
  listen(port = 0, host = '127.0.0.1'): Promise<Server> {
    for (const name of this.#ruleBackends) this.getBackend(name)
    return this.#listen(this.handler, this.upgrade, this.connect, this.#handler().options, this.#options.log as HttpLogger | undefined, port, host)
  }

  /** Starts a server for `handler`, tracked for {@link close}. */
  #listen(handler: Proxy['handler'], upgrade: Proxy['upgrade'], connect: Proxy['connect'], options: ResolvedHttpFrontendOptions, log: HttpLogger | undefined, port: number, host: string): Promise<Server> {
    const server = createServer(handler)
    server.on('upgrade', upgrade)
    server.on('connect', connect)
    // Requests Node rejects itself (slowloris 408, parse errors) get a page, a log line and a count too.
    applyServerTimeouts(server, { timeouts: options.timeouts, errorPages: options.errorPages, log, stats: this.#collector })
    this.#servers.add(server)
    server.once('close', () => this.#servers.delete(server))
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        // An unhandled 'error' on a listening server would end the process.
        server.on('error', (error) => this.emit('listener:error', error, server))
        resolve(server)
      })
    })
  }

  /**
   * Another frontend over this proxy's backends: its own handlers, timeouts,
   * monitor-uri, error pages, log hook, rules and default backend, sharing the
   * backends (servers, queues, health, persistence) and the stats (one frontend
   * row for all). Closing the proxy closes it too. HAProxy: a `frontend` section
   * (several frontends may `use_backend` the same backend).
   * @param name used in error messages
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming the field
   */
  frontend(name: string, options: FrontendOptions = {}): ProxyFrontend {
    const { defaultBackend, spreadChecks: _proxyWide, ...rest } = options
    const o = parseOptions(ProxyOptionsSchema, rest, `frontend "${name}"`)
    const rules = rest.rules === undefined && rest.trustedProxies === undefined ? undefined : this.#compileRules(rest.rules ?? {}, rest.trustedProxies)
    const names = (rest.rules?.request ?? []).flatMap((r) => (r.action === 'use-backend' ? [r.backend] : []))
    if (rest.rules?.defaultBackend !== undefined) names.push(rest.rules.defaultBackend)
    if (defaultBackend !== undefined) names.push(defaultBackend)
    let built: HttpHandler | undefined
    let generation = -1
    const current = (): HttpHandler => {
      if (built === undefined || generation !== this.#generation) {
        built = this.#build(o, rules, [], defaultBackend ?? null)
        generation = this.#generation
      }
      return built
    }
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      if (this.#closing !== undefined) return refuseClosing(res)
      current()(req, res)
    }
    const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      if (this.#closing !== undefined) return refuseUpgrade(socket)
      current().upgrade(req, socket, head)
    }
    const connect = (req: IncomingMessage, socket: Duplex, head: Buffer): void => current().connect(req, socket, head)
    return {
      name,
      handler,
      upgrade,
      connect,
      get options() {
        return current().options
      },
      listen: (port = 0, host = '127.0.0.1') => {
        for (const backend of names) this.getBackend(backend)
        return this.#listen(handler, upgrade, connect, current().options, o.log as HttpLogger | undefined, port, host)
      },
    }
  }

  /**
   * A snapshot of the stats: the frontend row, then per backend its row and
   * its servers' rows, with HAProxy's field names. HAProxy: `show stat`.
   */
  stats(): ProxyStats {
    return buildSnapshot({
      collector: this.#collector,
      backends: [...this.#backends.values()].map((b) => ({ core: b.core, algo: this.#algos.get(b.name)! })),
      health: this.#health,
      open: this.#closing === undefined,
      now: this.#deps.clock.now(),
    })
  }

  /**
   * A `(req, res)` handler serving the stats: the live HTML page (default),
   * `?format=json`, `;csv` or `?format=csv` (HAProxy's CSV), and
   * `?format=prometheus` (HAProxy exporter names). Mount it where you like.
   * HAProxy: `stats uri`, `prometheus-exporter`.
   */
  statsHandler(options: StatsHandlerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
    return createStatsHandler(() => this.stats(), options)
  }

  /**
   * Hot reconfiguration: applies a whole set of backend/server definitions
   * while traffic flows. New backends and servers are added; servers missing
   * from a listed backend are removed (in-flight requests finish, queued ones
   * go elsewhere, §11.3); servers present in both keep their connections,
   * counters, health and runtime state, and only the keys their definition
   * changed (`weight`, `maxconn`, `maxqueue`, `disabled`) are applied. Other
   * keys (address, TLS, checks) of a running server cannot change: rename the
   * server. Backends not listed are left as they are; a listed backend's
   * options apply only when it is new. Everything is validated first: an
   * invalid configuration throws and changes nothing.
   * HAProxy: a reload with `server-state-file` (without dropping connections).
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming the field
   */
  reconfigure(config: ProxyConfig): Promise<ReconfigureReport> {
    return applyConfig(this, config, this.#definitions)
  }

  /**
   * Graceful stop: the servers started by {@link listen} stop accepting, the
   * handler answers new requests 503, requests in flight finish; queued ones
   * may still get a server during `grace`, then the rest are answered 503
   * (every backend closes). After `hardStopAfter`, whatever is still in flight
   * is cut. Then connection pools close. Resolves when nothing is left;
   * calling it again returns the same promise.
   * HAProxy: soft stop (`SIGUSR1`), `hard-stop-after`.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.grace ?? 0, options.hardStopAfter ?? Infinity)
    return this.#closing
  }

  async #shutdown(grace: number, hardStopAfter: number): Promise<void> {
    const scheduler = this.#deps.scheduler
    const started = this.#deps.clock.now()
    const servers = [...this.#servers]
    const stopped = servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeIdleConnections()
        }),
    )
    const backends = [...this.#backends.values()]
    const cores = backends.map((b) => b.core)
    // Checks of a stopping proxy stop (HAProxy stops them on soft stop).
    this.#health.close()
    await waitIdle(cores, scheduler, Math.min(grace, hardStopAfter))
    for (const core of cores) core.close()
    const left = hardStopAfter - (this.#deps.clock.now() - started)
    if (!(await waitIdle(cores, scheduler, Math.max(0, left)))) {
      for (const server of servers) server.closeAllConnections()
      await Promise.all(backends.map((b) => b.http.close()))
    }
    for (const server of servers) server.closeIdleConnections()
    await Promise.all(stopped)
    await Promise.all(backends.map((b) => b.http.close()))
    this.emit('proxy:close')
  }

  /** The current handler, rebuilt after backends or rules changed. */
  #handler(): HttpHandler {
    if (this.#built !== undefined) return this.#built
    const backends = [...this.#backends.values()]
    const fallback = this.#defaultBackend === undefined ? (backends[0]?.name ?? null) : this.#defaultBackend
    this.#built = this.#build(this.#options, this.#rules, this.#routes, fallback)
    return this.#built
  }

  /** Builds a handler over every backend with these frontend options, rules and routes. */
  #build(o: z.output<typeof ProxyOptionsSchema>, rules: RuleSet | undefined, routes: readonly RouteOptions[], fallback: string | null): HttpHandler {
    // The first use of a handler (or listen) starts the checks.
    this.#health.start()
    const frontend = {
      timeouts: o.timeouts as Partial<FrontendTimeouts> | undefined,
      monitorUri: o.monitorUri,
      maxHeaders: o.maxHeaders,
      abortOnClose: o.abortOnClose,
      errorPages: o.errorPages as ErrorPages | undefined,
      log: o.log as HttpLogger | undefined,
      stats: this.#collector,
      now: () => this.#deps.clock.now(),
    }
    const router = createRouter({
      rules: routes.map((r) => ({ backend: this.getBackend(r.backend).http, if: r.if, unless: r.unless })),
      defaultBackend: fallback === null ? undefined : this.getBackend(fallback).http,
    })
    const backends = [...this.#backends.values()]
    return createHttpHandler({ ...frontend, router, rules, ruleBackends: backends.map((b) => b.http), scheduler: this.#deps.scheduler })
  }
}

const CLOSING_BODY = 'Service Unavailable: closing\n'

/** Closing: no new work. HAProxy's listeners are unbound; an embedded handler answers 503. */
function refuseClosing(res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' }).end(CLOSING_BODY)
}

/** Closing: an upgrade request is answered 503 on its raw socket. */
function refuseUpgrade(socket: Duplex): void {
  socket.end(`HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: ${CLOSING_BODY.length}\r\nconnection: close\r\n\r\n${CLOSING_BODY}`)
}

/**
 * Creates a load balancer.
 *
 * @example
 * ```ts
 * const proxy = createProxy()
 * const web = proxy.addBackend('web', { balance: 'leastconn', timeouts: { server: 10_000 } })
 * web.addServer('s1', { address: 'http://10.0.0.1:8080', maxconn: 100 })
 * web.addServer('s2', { address: 'http://10.0.0.2:8080', maxconn: 100 })
 * http.createServer(proxy.handler).on('upgrade', proxy.upgrade).on('connect', proxy.connect).listen(80)
 * ```
 * @param deps clock, scheduler, random and wall clock (cookie dates) to use instead of the system ones (tests)
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming the field
 */
export function createProxy(options: ProxyOptions = {}, deps: Partial<Deps> = {}): Proxy {
  return new Proxy(options, deps)
}

const HEALTH_KEYS = ['check', 'agent', 'observe', 'slowstart', 'initialState', 'shutdownOnDown', 'shutdownBackupsOnUp'] as const

/** The health part of server options, undefined when there is none. */
function healthOptions(options: ServerOptions): ServerHealthOptions | undefined {
  if (!HEALTH_KEYS.some((key) => options[key] !== undefined)) return undefined
  const { check, agent, observe, slowstart, initialState, shutdownOnDown, shutdownBackupsOnUp } = options
  return { check, agent, observe, slowstart, initialState, shutdownOnDown, shutdownBackupsOnUp }
}
