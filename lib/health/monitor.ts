/**
 * The health monitor: runs the checks of the servers of one or more backends
 * and applies their results to each {@link Backend} (the shell around the pure
 * machine of state.ts).
 *
 * One monitor usually serves a whole proxy so that, as in HAProxy, the first
 * checks of every server are spread over one interval (§5.2). For each
 * attached backend it keeps one {@link ServerHealth} per server, listens to
 * the backend's `server:*` events (so that changes made by anyone — checks,
 * the agent, the application, an operator — are seen after they are
 * committed) and to `lease:release` for passive health, and re-emits every
 * transition with its reason. Timers go through `deps.scheduler` (unref'd by
 * default): a monitor never keeps the process alive, and `close()` leaves no
 * timer pending.
 *
 * @example
 * ```ts
 * const health = new HealthMonitor(defaultDeps(), { spreadChecks: 5 })
 * health.watch(backend, 's1', { check: { http: { path: '/health', disableOn404: true }, inter: 2000 } })
 * health.on('server:down', (t) => log(`${t.backend}/${t.server.name} is DOWN: ${t.check?.message}`))
 * health.start()
 * ```
 */
import { EventEmitter } from 'eventemitter3'
import type { Backend } from '../backend.js'
import type { AdminState, OperationalState, ServerView } from '../balance/types.js'
import { SwitchyardError } from '../errors.js'
import type { CheckReport, HealthEvents, ServerTransition, TransitionKind } from '../events.js'
import { DEFAULT_SPREAD_CHECKS, MAX_SPREAD_CHECKS } from '../options/defaults.js'
import type { Lease, LeaseOutcome } from '../queue/types.js'
import type { Deps } from '../types.js'
import { resolveServerHealth, type ServerHealthOptions } from './options.js'
import { ServerHealth, type Cause, type HealthHost } from './server-health.js'
import { firstCheckDelay, startSpread } from './state.js'
import type { HealthStats } from './types.js'

/** Options of a monitor. */
export interface HealthMonitorOptions {
  /**
   * Random jitter added to every check interval, ±percent (0..50).
   * HAProxy: global `spread-checks`.
   * @default 0
   */
  readonly spreadChecks?: number | undefined
}

/** The reason of changes nobody announced: the application or an operator. */
const ADMIN: Cause = Object.freeze({ reason: 'admin', check: undefined })

type TransitionEvent = 'server:up' | 'server:starting' | 'server:stopping' | 'server:down' | 'server:ready' | 'server:drain' | 'server:maint' | 'server:weight'

const EVENT: Readonly<Record<TransitionKind, TransitionEvent>> = {
  up: 'server:up',
  starting: 'server:starting',
  stopping: 'server:stopping',
  down: 'server:down',
  ready: 'server:ready',
  drain: 'server:drain',
  maint: 'server:maint',
  weight: 'server:weight',
}

/** One attached backend: its servers' health and the listeners on it. */
class BackendWatch implements HealthHost {
  readonly backend: Backend
  readonly deps: Deps
  readonly spread: number
  readonly #monitor: HealthMonitor
  /** By server index; undefined once the server left the backend. */
  readonly records: (ServerHealth | undefined)[] = []
  #cause: Cause | undefined = undefined
  #activeUsable = 0
  #backupUsable = 0
  #observing = false

  constructor(monitor: HealthMonitor, backend: Backend, deps: Deps, spread: number) {
    this.#monitor = monitor
    this.backend = backend
    this.deps = deps
    this.spread = spread
    for (const server of backend.servers) this.#add(server)
    backend.on('server:state', this.#onState)
    backend.on('server:weight', this.#onWeight)
    backend.on('server:add', this.#onAdd)
    backend.on('server:remove', this.#onRemove)
    backend.on('backend:close', this.#onClose)
  }

  get started(): boolean {
    return this.#monitor.started
  }

  apply(cause: Cause, change: () => void): void {
    const outer = this.#cause
    this.#cause = cause
    try {
      change()
    } finally {
      this.#cause = outer
    }
  }

  report(report: CheckReport): void {
    if (this.#monitor.listenerCount('check:result') > 0) this.#monitor.emit('check:result', report)
  }

  record(server: ServerView | string): ServerHealth {
    const name = typeof server === 'string' ? server : server.name
    const view = this.backend.server(name)
    const record = view === undefined || (typeof server !== 'string' && view !== server) ? undefined : this.records[view.index]
    if (record === undefined) {
      throw new SwitchyardError('SWY_ERR_UNKNOWN_SERVER', `No server named "${name}" in backend "${this.backend.name}"`, { backend: this.backend.name, server: name })
    }
    return record
  }

  /** Starts listening to lease releases once a server observes them. */
  observe(): void {
    if (this.#observing) return
    this.#observing = true
    this.backend.on('lease:release', this.#onRelease)
  }

  detach(): void {
    for (const record of this.records) record?.stop()
    this.backend.off('server:state', this.#onState)
    this.backend.off('server:weight', this.#onWeight)
    this.backend.off('server:add', this.#onAdd)
    this.backend.off('server:remove', this.#onRemove)
    this.backend.off('backend:close', this.#onClose)
    this.backend.off('lease:release', this.#onRelease)
  }

  #add(server: ServerView): ServerHealth {
    const record = new ServerHealth(this, server)
    this.records[server.index] = record
    if (record.usable) this.#count(server, 1)
    return record
  }

  #count(server: ServerView, delta: number): void {
    if (server.backup) this.#backupUsable += delta
    else this.#activeUsable += delta
  }

  get #usable(): number {
    return this.#activeUsable + this.#backupUsable
  }

  /** Emits one transition, then the backend's up/down if its usable servers went from or to none. */
  #emit(record: ServerHealth, kind: TransitionKind, cause: Cause, previousAdmin: AdminState, previousOperational: OperationalState, previousWeight: number): void {
    const server = record.server
    const wasUp = this.#usable > 0
    if (record.usable !== server.usable) {
      record.usable = server.usable
      this.#count(server, server.usable ? 1 : -1)
    }
    const transition: ServerTransition = {
      backend: this.backend.name,
      server,
      kind,
      reason: cause.reason,
      check: cause.check,
      previousAdmin,
      previousOperational,
      previousWeight,
      status: record.statusText(),
      activeUsable: this.#activeUsable,
      backupUsable: this.#backupUsable,
    }
    const monitor = this.#monitor
    monitor.emit(EVENT[kind], transition)
    monitor.emit('server:transition', transition)
    const isUp = this.#usable > 0
    if (wasUp && !isUp) monitor.emit('backend:down', this.backend.name, transition)
    else if (!wasUp && isUp) monitor.emit('backend:up', this.backend.name, transition)
  }

  readonly #onState = (server: ServerView, previousAdmin: AdminState, previousOperational: OperationalState): void => {
    // Every server of an attached backend has a record (created on attach or on server:add).
    const record = this.records[server.index]!
    const cause = this.#cause ?? ADMIN
    record.noteChange()
    if (server.admin !== previousAdmin) {
      this.#emit(record, server.admin, cause, previousAdmin, previousOperational, server.weight)
      record.adminChanged(previousAdmin, cause)
      return
    }
    record.operationalChanged(previousOperational, this.#cause === undefined)
    this.#emit(record, server.operational, cause, previousAdmin, previousOperational, server.weight)
    const options = record.options
    if (options === undefined) return
    if (server.operational === 'down' && options.shutdownOnDown) {
      this.#monitor.emit('server:shutdown-sessions', server, this.backend.name, 'marked-down')
    }
    if (previousOperational === 'down' && !server.backup && server.eweight > 0 && options.shutdownBackupsOnUp) {
      for (const other of this.backend.servers) {
        if (other.backup) this.#monitor.emit('server:shutdown-sessions', other, this.backend.name, 'marked-up')
      }
    }
  }

  readonly #onWeight = (server: ServerView, previous: number): void => {
    // As in #onState: every server of an attached backend has a record.
    this.#emit(this.records[server.index]!, 'weight', this.#cause ?? ADMIN, server.admin, server.operational, previous)
  }

  readonly #onAdd = (server: ServerView): void => {
    if (this.#add(server).usable && this.#usable === 1) this.#monitor.emit('backend:up', this.backend.name, undefined)
  }

  readonly #onRemove = (server: ServerView): void => {
    // As in #onState: every server of an attached backend has a record.
    const record = this.records[server.index]!
    record.stop()
    this.records[server.index] = undefined
    if (!record.usable) return
    this.#count(server, -1)
    if (this.#usable === 0) this.#monitor.emit('backend:down', this.backend.name, undefined)
  }

  readonly #onClose = (): void => {
    this.#monitor.detach(this.backend)
  }

  readonly #onRelease = (lease: Lease, outcome: LeaseOutcome, status: number | undefined): void => {
    // A lease of a removed server may still be released; its record is gone.
    this.records[lease.server.index]?.observe(outcome, status)
  }
}

/**
 * Health checks for the servers of one or more backends: active checks
 * (TCP, HTTP(S), SSL hello, custom probes), agent checks, passive health,
 * slow start, and the events of every transition.
 */
export class HealthMonitor extends EventEmitter<HealthEvents> {
  readonly #deps: Deps
  readonly #spread: number
  readonly #watches = new Map<Backend, BackendWatch>()
  #started = false
  #closed = false

  /**
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for `spreadChecks` outside 0..50
   */
  constructor(deps: Deps, options: HealthMonitorOptions = {}) {
    super()
    this.#deps = deps
    const spread = options.spreadChecks ?? DEFAULT_SPREAD_CHECKS
    if (!Number.isInteger(spread) || spread < 0 || spread > MAX_SPREAD_CHECKS) {
      throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected \`spreadChecks\` to be an integer 0..${MAX_SPREAD_CHECKS}, got \`${String(spread)}\``, { field: 'spreadChecks', value: spread })
    }
    this.#spread = spread
  }

  /** True once {@link start} was called (and until {@link close}). */
  get started(): boolean {
    return this.#started
  }

  /**
   * Follows a backend: its servers' transitions are re-emitted with their
   * reason, and {@link healthStats} covers its servers (unchecked ones show
   * `no check`). Attaching twice does nothing.
   */
  attach(backend: Backend): void {
    if (this.#closed || this.#watches.has(backend)) return
    this.#watches.set(backend, new BackendWatch(this, backend, this.#deps, this.#spread))
  }

  /** Stops following a backend and every check of its servers. */
  detach(backend: Backend): void {
    const watch = this.#watches.get(backend)
    if (watch === undefined) return
    watch.detach()
    this.#watches.delete(backend)
  }

  /**
   * Checks a server with `options` (replacing earlier ones), attaching its
   * backend if needed. The counters start in the initial state (§5.4; HAProxy:
   * UP, and one failure takes it DOWN). Once the monitor is started, the
   * checks begin at once.
   * @throws {SwitchyardError} SWY_ERR_UNKNOWN_SERVER, SWY_ERR_INVALID_OPTION
   */
  watch(backend: Backend, server: ServerView | string, options: ServerHealthOptions): void {
    if (this.#closed) return
    const resolved = resolveServerHealth(options)
    this.attach(backend)
    const watch = this.#watches.get(backend)!
    const record = watch.record(server)
    record.configure(resolved)
    if (resolved.observe !== undefined) watch.observe()
    if (this.#started) record.start(0, 0)
  }

  /** Stops checking a server; it then counts as unchecked. */
  unwatch(backend: Backend, server: ServerView | string): void {
    this.#watch(backend).record(server).unconfigure()
  }

  /**
   * Starts the checks. The k-th of the n configured checks (agents included,
   * in attach and declaration order) runs after `max(spread, interval) × k / n`
   * ms, `spread` being the smallest interval of at least 1 s (§5.2): the
   * first runs at once. Calling it again does nothing.
   */
  start(): void {
    if (this.#started || this.#closed) return
    this.#started = true
    const planned: { record: ServerHealth; check: number | undefined; agent: number | undefined }[] = []
    const intervals: number[] = []
    for (const watch of this.#watches.values()) {
      for (const record of watch.records) {
        if (record === undefined) continue
        const check = record.hasCheck ? record.checkInterval() : undefined
        const agent = record.agentInterval()
        if (check !== undefined) intervals.push(check)
        if (agent !== undefined) intervals.push(agent)
        if (check !== undefined || agent !== undefined) planned.push({ record, check, agent })
      }
    }
    const spread = startSpread(intervals)
    const count = intervals.length
    const random = this.#deps.random
    let position = 0
    for (const { record, check, agent } of planned) {
      const checkDelay = check === undefined ? 0 : firstCheckDelay(position++, count, spread, check, this.#spread, random)
      const agentDelay = agent === undefined ? 0 : firstCheckDelay(position++, count, spread, agent, this.#spread, random)
      record.start(checkDelay, agentDelay)
    }
  }

  /** Stops every check and timer and detaches from every backend. Calling it again does nothing. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#started = false
    for (const backend of [...this.#watches.keys()]) this.detach(backend)
  }

  /**
   * What the health layer knows of a server, for the stats.
   * @throws {SwitchyardError} SWY_ERR_UNKNOWN_BACKEND, SWY_ERR_UNKNOWN_SERVER
   */
  healthStats(backend: Backend, server: ServerView | string): HealthStats {
    return this.#watch(backend).record(server).stats()
  }

  /** Resumes a disabled regular check (it runs at once). HAProxy: `enable health`. */
  enableCheck(backend: Backend, server: ServerView | string): void {
    this.#watch(backend).record(server).enableCheck(this.#started)
  }

  /**
   * Stops a server's regular check: it is treated as unchecked, so a DOWN
   * server comes back up unless its agent says down. HAProxy: `disable health`.
   */
  disableCheck(backend: Backend, server: ServerView | string): void {
    this.#watch(backend).record(server).disableCheck()
  }

  /** Resumes a disabled agent (it runs at once). HAProxy: `enable agent`. */
  enableAgent(backend: Backend, server: ServerView | string): void {
    this.#watch(backend).record(server).enableAgent(this.#started)
  }

  /** Stops a server's agent; a `down` it reported no longer holds the server. HAProxy: `disable agent`. */
  disableAgent(backend: Backend, server: ServerView | string): void {
    this.#watch(backend).record(server).disableAgent()
  }

  #watch(backend: Backend): BackendWatch {
    const watch = this.#watches.get(backend)
    if (watch === undefined) {
      throw new SwitchyardError('SWY_ERR_UNKNOWN_BACKEND', `Backend "${backend.name}" is not attached to this health monitor`, { backend: backend.name })
    }
    return watch
  }
}
