/**
 * The backend: admission, queueing and connection limits over a {@link Farm}
 * (HAProxy's `assign_server_and_queue`, src/queue.c). Policy only — no sockets.
 *
 * How waiting works. A request asks for a slot. {@link Backend.tryAcquire}
 * decides synchronously — `ok` (a lease is held), `queued` (it would wait;
 * nothing is reserved), `full` (its server's `maxqueue` is reached) or `nosrv`
 * — and {@link Backend.acquire} acts on that decision, turning `queued` into a
 * waiter. A request directed to one server (persistence through
 * `request.pinned`, or a hashing algorithm) waits in that server's own queue;
 * any other request waits in the backend queue, for whichever server frees a
 * slot first (§3.2). A waiter is a ticket in one of four states:
 *
 * - **waiting** — in exactly one queue and on the backend's arrival list.
 * - **assigned** — the freed-slot procedure bound it to a server and resolved
 *   its promise with a lease. Only that procedure assigns, and it runs when a
 *   lease is released, a server becomes usable, a limit is raised
 *   (`setMaxconn`, a slow-start step through `processQueue`), or a server is
 *   added.
 * - **cancelled** — it left unserved: its signal aborted (the promise rejects
 *   with `signal.reason`), the backend closed (SWY_ERR_CLOSED), the last usable
 *   server disappeared while it was in the backend queue, or a redistribution
 *   found no server or a full queue for it (SWY_ERR_NO_SERVER /
 *   SWY_ERR_QUEUE_FULL).
 * - **timed out** — `timeout queue` (else `timeout connect`) expired first
 *   (SWY_ERR_QUEUE_TIMEOUT). One scheduler timer serves every waiter, since
 *   arrival order is deadline order.
 *
 * Redistribution (§3.8) moves a waiting ticket from a server's queue to wherever
 * balancing now sends it, keeping its place (priority key) and its deadline.
 * Every transition out of *waiting* goes through this file, and each settles
 * the caller's promise exactly once.
 *
 * Who gets a freed slot (§3.5): while the server has room (`served` below its
 * effective maxconn, and the backend below its own `maxconn`), the head of the
 * server's own queue competes with the head of the backend queue — the latter
 * only when the server takes balanced traffic now (usable, and a backup only
 * while it is in the current group). Lower class wins, then the earlier time
 * key; an exact tie goes to the server's own queue.
 */
import { EventEmitter } from 'eventemitter3'
import { Farm } from './balance/farm.js'
import { balanceNameOf } from './balance/registry.js'
import type { AdminState, BalanceConfig, OperationalState, PickRequest, ServerView } from './balance/types.js'
import { SwitchyardError, type ErrorCode } from './errors.js'
import type { BackendEvents } from './events.js'
import { BackendLease } from './lease.js'
import { defaultFullconn, dynamicMaxconn, slowStartMaxconn, slowStartWeightScale, type SlowStartWindow } from './queue/dynamic-maxconn.js'
import { PendingQueue } from './queue/pending-queue.js'
import { clampPriorityClass, clampPriorityOffset, timeKey } from './queue/priority-key.js'
import type { AcquireRequest, Admission, Lease, LeaseOutcome } from './queue/types.js'
import { Waiter, WaiterList, type WaiterOwner } from './queue/waiter.js'
import { WEIGHT_SCALE, isSaturated, type ServerRecord, type ServerSpec } from './server.js'
import type { Clock, Deps, Scheduler, Timer } from './types.js'
import { resolveWeightChange, type WeightChange } from './weight-change.js'

/** How a backend balances, limits and queues (already validated). */
export interface BackendOptions {
  /** The algorithm. HAProxy: `balance`, `hash-type`. */
  readonly balance: BalanceConfig
  /** Balance over every usable backup instead of the first one. HAProxy: `option allbackups`. @default false */
  readonly allbackups?: boolean | undefined
  /**
   * Requests in service at once over the whole backend; 0 = unlimited. Beyond
   * it, requests wait (in the backend queue, or their server's queue when
   * directed) instead of reaching a server. Also the base of the default `fullconn`.
   * HAProxy: frontend/`listen` `maxconn`, whose excess waits in the kernel backlog instead.
   * @default 0
   */
  readonly maxconn?: number | undefined
  /**
   * Backend load at which servers reach `maxconn` (only matters with `minconn`).
   * HAProxy: `fullconn`.
   * @default ceil(maxconn / 10) when `maxconn` is set; otherwise the dynamic limit is off
   */
  readonly fullconn?: number | undefined
  /** Longest wait in any queue, in milliseconds; 0 or unset falls back to `timeoutConnect`. HAProxy: `timeout queue`. */
  readonly timeoutQueue?: number | undefined
  /** Used as the queue timeout when `timeoutQueue` is unset; 0 or unset too means waiting without limit. HAProxy: `timeout connect`. */
  readonly timeoutConnect?: number | undefined
  /**
   * Rebalance a persistent request whose server's queue is full, and move the
   * queue of a server going down or draining, instead of failing or waiting.
   * HAProxy: `option redispatch`.
   * @default false
   */
  readonly redispatch?: boolean | undefined
  /**
   * Requests directed to a server (persistence) keep waiting in its queue when
   * it goes DOWN, stops or drains, even with `redispatch` (§3.8); entering
   * maintenance still moves them (HAProxy 3.1+).
   * HAProxy: `option persist`.
   * @default false
   */
  readonly persist?: boolean | undefined
  /** Servers to start with, in declaration order. */
  readonly servers?: readonly ServerSpec[] | undefined
}

/** Counters of one server (HAProxy stats names in brackets). */
export interface ServerCounters {
  readonly name: string
  /** Requests in service now [scur]. */
  readonly served: number
  /** Highest `served` seen [smax]. */
  readonly maxServed: number
  /** Requests that took a slot on this server [stot]. */
  readonly total: number
  /** Length of the server's own queue [qcur]. */
  readonly queued: number
  /** Longest own queue seen [qmax]. */
  readonly maxQueued: number
  /** Effective maxconn now, 0 = unlimited [slim is the static one]. */
  readonly limit: number
  /** Queue timeouts in this server's queue. */
  readonly timeouts: number
  /** Aborts while in this server's queue. */
  readonly aborts: number
  /** Requests refused because this queue reached `maxqueue`. */
  readonly full: number
}

/** Counters of a backend (HAProxy stats names in brackets). */
export interface BackendCounters {
  /** Requests in service now over all servers [scur]. */
  readonly served: number
  /** Highest `served` seen [smax]. */
  readonly maxServed: number
  /** Requests that took a slot [stot]. */
  readonly total: number
  /** Length of the backend queue, server queues excluded [qcur]. */
  readonly queued: number
  /** Longest backend queue seen [qmax]. */
  readonly maxQueued: number
  /** Requests waiting in any queue of the backend. */
  readonly waiting: number
  /** Requests attached to the backend: served plus waiting (HAProxy `beconn`). */
  readonly beconn: number
  /** Queue timeouts (503, `sQ`). */
  readonly timeouts: number
  /** Aborts while waiting (`CQ`). */
  readonly aborts: number
  /** Refusals for a full server queue (503, `SQ`). */
  readonly full: number
  /** Refusals for lack of a server (503, `<NOSRV>`). */
  readonly noServer: number
  /** Persistent requests rebalanced because their server's queue was full [wredis]. */
  readonly redispatched: number
  /** Waiters moved off a server going down, draining, into maintenance or removed. */
  readonly redistributed: number
  /** Per-server counters, in declaration order. */
  readonly servers: readonly ServerCounters[]
}

/** Admission outcomes of the internal decision (no allocation on the hot path). */
const OK = 0
const QUEUED = 1
const FULL = 2
const NOSRV = 3
const CLOSED = 4

const NO_REQUEST: AcquireRequest = Object.freeze({})
const CLOSED_ADMISSION: Admission = Object.freeze({ status: 'closed' })
const NOSRV_ADMISSION: Admission = Object.freeze({ status: 'nosrv' })

/** Per-server queueing state, indexed by `server.index` (kept after removal for leases still held). */
class ServerLine {
  readonly queue = new PendingQueue<Waiter>()
  window: SlowStartWindow | undefined = undefined
  /** The server left the backend while leases were held; the line goes with the last one. */
  removed = false
  total = 0
  maxServed = 0
  maxQueued = 0
  timeouts = 0
  aborts = 0
  full = 0
}

/** True when `a` (backend queue) is served before `b` (server queue): class, then time key; ties go to `b`. */
function backendFirst(a: Waiter, b: Waiter): boolean {
  return a.priorityClass < b.priorityClass || (a.priorityClass === b.priorityClass && a.key < b.key)
}

/**
 * One backend: a farm of servers, their limits and queues.
 *
 * @example
 * ```ts
 * const backend = new Backend('app', { balance: { algorithm: 'roundrobin' }, timeoutQueue: 5000,
 *   servers: [{ name: 's1', address: '127.0.0.1:8001', maxconn: 4 }] }, defaultDeps())
 * const lease = await backend.acquire({ signal })
 * try { await forward(lease.server.address) } finally { lease.release() }
 * ```
 */
export class Backend extends EventEmitter<BackendEvents> {
  /** The backend's name. */
  readonly name: string
  readonly #farm: Farm
  readonly #clock: Clock
  readonly #scheduler: Scheduler
  readonly #fifo: boolean
  readonly #maxconn: number
  readonly #fullconn: number
  readonly #timeout: number
  readonly #redispatch: boolean
  /** `redispatch` without `persist`: a server going down, stopping or draining gives its queue away. */
  readonly #redistributes: boolean
  /** The algorithm learns from latencies: leases are timed (one clock read per grant and per release). */
  readonly #observes: boolean
  readonly #lines: (ServerLine | undefined)[] = []
  readonly #backendQueue = new PendingQueue<Waiter>()
  readonly #arrivals = new WaiterList()
  /** Servers whose own queue is not empty (offered backend room when `maxconn` was binding). */
  readonly #queuedServers = new Set<ServerRecord>()
  readonly #owner: WaiterOwner
  #timer: Timer | undefined = undefined
  #closed = false
  /** Served plus waiting, plus the request being admitted (HAProxy `beconn`). */
  #beconn = 0
  #seq = 0
  /** Out-parameter of the admission decision: the server chosen, if any. */
  #target: ServerRecord | undefined = undefined
  #total = 0
  #maxServed = 0
  #maxQueued = 0
  #timeouts = 0
  #aborts = 0
  #full = 0
  #noServer = 0
  #redispatched = 0
  #redistributed = 0

  /**
   * @throws {SwitchyardError} SWY_ERR_DUPLICATE_SERVER for duplicate server names or ids
   */
  constructor(name: string, options: BackendOptions, deps: Deps) {
    super()
    this.name = name
    this.#clock = deps.clock
    this.#scheduler = deps.scheduler
    const algorithm = balanceNameOf(options.balance)
    // §2.0 step 4: only these algorithms send newcomers straight to a non-empty backend queue.
    this.#fifo = algorithm === 'roundrobin' || algorithm === 'static-rr' || algorithm === 'first'
    this.#maxconn = options.maxconn ?? 0
    this.#fullconn = options.fullconn ?? (this.#maxconn > 0 ? defaultFullconn([this.#maxconn]) : 0)
    this.#timeout = options.timeoutQueue || options.timeoutConnect || 0
    this.#redispatch = options.redispatch ?? false
    this.#redistributes = this.#redispatch && options.persist !== true
    this.#owner = { abort: (waiter) => this.#abort(waiter) }
    this.#farm = new Farm({
      balance: options.balance,
      allbackups: options.allbackups,
      random: deps.random,
      clock: deps.clock,
      limitOf: (server) => this.limitOf(server),
    })
    this.#observes = this.#farm.observes
    for (const spec of options.servers ?? []) this.#add(spec)
  }

  /** All servers in declaration order. */
  get servers(): readonly ServerView[] {
    return this.#farm.servers
  }

  /** The server named `name`, if any. */
  server(name: string): ServerView | undefined {
    return this.#farm.get(name)
  }

  /** True while some server may take balanced traffic (HAProxy: backend UP, `nbsrv(be) > 0`). */
  hasUsableServer(): boolean {
    return this.#farm.hasUsable()
  }

  /**
   * True when a failed connection should be retried on another server at once:
   * more than one active server is usable and the algorithm is not hash-based
   * (HAProxy `stream_choose_redispatch`, fourth rule).
   */
  redispatchEveryRetry(): boolean {
    return this.#farm.activeUsable > 1 && this.#farm.skipsSaturated
  }

  /** The `fullconn` in force (0: dynamic limits off). */
  get fullconn(): number {
    return this.#fullconn
  }

  /** The queue timeout in force, in milliseconds (0: none). */
  get timeoutQueue(): number {
    return this.#timeout
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Effective maxconn of `server` now (0 = unlimited): the §3.4 dynamic limit
   * for the current backend load, ramped during slow start (§5.9).
   */
  limitOf(server: ServerView): number {
    const maxconn = server.maxconn
    if (maxconn === 0) return 0
    const limit = dynamicMaxconn(server, this.#beconn, this.#fullconn)
    if (server.operational !== 'starting') return limit
    // A removed server whose last lease was released has no line any more.
    const window = this.#lines[server.index]?.window
    return window === undefined ? limit : slowStartMaxconn(limit, window, this.#clock.now())
  }

  /**
   * Decides synchronously, never waits, never throws for an expected outcome.
   * Only `ok` holds anything (a lease the caller must release); `queued` says
   * where the request would wait, without enqueuing it, so a caller that does
   * not wait leaks nothing (call {@link acquire} to wait). `full` and `nosrv`
   * are counted and emitted (`queue:full`, `nosrv`) as the caller is expected
   * to answer 503. The request's `signal` is not looked at.
   * HAProxy: `assign_server_and_queue`
   */
  tryAcquire(request: AcquireRequest = NO_REQUEST): Admission {
    const code = this.#admit(request)
    const target = this.#target
    if (code === OK) return { status: 'ok', lease: this.#grant(target!, 0) }
    if (code === QUEUED) {
      this.#beconn--
      return { status: 'queued', server: target }
    }
    if (code === FULL) {
      this.#refuseFull(target!)
      return { status: 'full', server: target! }
    }
    if (code === NOSRV) {
      this.#refuseNoServer()
      return NOSRV_ADMISSION
    }
    return CLOSED_ADMISSION
  }

  /**
   * Takes a slot, waiting in a queue when every candidate is full.
   *
   * @throws {SwitchyardError} (rejects) SWY_ERR_NO_SERVER, SWY_ERR_QUEUE_FULL,
   *   SWY_ERR_QUEUE_TIMEOUT, SWY_ERR_CLOSED — all with status 503; rejects with
   *   `request.signal.reason` when the signal aborts (nothing reaches a server)
   * HAProxy: `maxconn`, `maxqueue`, `timeout queue`, `option abortonclose`
   */
  acquire(request: AcquireRequest = NO_REQUEST): Promise<Lease> {
    const signal = request.signal
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    const code = this.#admit(request)
    const target = this.#target
    if (code === OK) return Promise.resolve(this.#grant(target!, 0))
    if (code === QUEUED) return this.#wait(request, target)
    if (code === FULL) {
      this.#refuseFull(target!)
      return Promise.reject(this.#error('SWY_ERR_QUEUE_FULL', target))
    }
    if (code === NOSRV) {
      this.#refuseNoServer()
      return Promise.reject(this.#error('SWY_ERR_NO_SERVER', undefined))
    }
    return Promise.reject(this.#error('SWY_ERR_CLOSED', undefined))
  }

  /**
   * Adds a server; if usable it pulls waiting requests at once.
   * @throws {SwitchyardError} SWY_ERR_DUPLICATE_SERVER
   */
  addServer(spec: ServerSpec): ServerView {
    const server = this.#add(spec)
    this.#changed(server, false)
    this.emit('server:add', server)
    return server
  }

  /**
   * Removes a server. It stops taking traffic at once; its waiting requests
   * are rebalanced (a request that can be served elsewhere is not lost), and
   * requests in service may still release their leases.
   * @throws {SwitchyardError} SWY_ERR_UNKNOWN_SERVER
   * HAProxy: `del server` (which also requires maintenance and no connection)
   */
  removeServer(server: ServerView | string): void {
    const record = this.#own(server)
    this.#farm.remove(record.name)
    this.#changed(record, true)
    // Leases still held need the line until the last one is released (see #release).
    if (record.served === 0) this.#lines[record.index] = undefined
    else this.#line(record).removed = true
    this.emit('server:remove', record)
  }

  /**
   * Sets the user weight: an integer 0..256, or `"N%"` of the configured weight.
   * Weight 0 takes the server out of balancing (its own queue is still served).
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION, SWY_ERR_UNKNOWN_SERVER
   * HAProxy: `set weight`
   */
  setWeight(server: ServerView | string, weight: WeightChange): void {
    const record = this.#own(server)
    const previous = record.weight
    this.#farm.setWeight(record, resolveWeightChange(weight, record.initialWeight))
    if (record.weight === previous) return
    this.#changed(record, false)
    this.emit('server:weight', record, previous)
  }

  /**
   * Sets the administrative state. Entering `maint` always moves the server's
   * queue elsewhere (HAProxy 3.1+); entering `drain` does so with `redispatch`
   * unless `persist`. `forcePersist` requests stay in either case.
   * @throws {SwitchyardError} SWY_ERR_UNKNOWN_SERVER
   * HAProxy: `set server <b>/<s> state ready|drain|maint`
   */
  setAdmin(server: ServerView | string, state: AdminState): void {
    const record = this.#own(server)
    const previous = record.admin
    if (previous === state) return
    this.#farm.setAdmin(record, state)
    const redistribute = state === 'maint' || (state === 'drain' && this.#redistributes)
    this.#changed(record, redistribute)
    this.emit('server:state', record, previous, record.operational)
  }

  /**
   * Sets the operational state (health). Going `down` or `stopping` moves the
   * server's queue elsewhere with `redispatch` unless `persist` (requests with
   * `forcePersist` stay), otherwise it waits for the server. Pair `starting` with {@link setSlowStart}.
   * @throws {SwitchyardError} SWY_ERR_UNKNOWN_SERVER
   */
  setOperational(server: ServerView | string, state: OperationalState): void {
    const record = this.#own(server)
    const previous = record.operational
    if (previous === state) return
    this.#farm.setOperational(record, state)
    this.#warm(record)
    const redistribute = this.#redistributes && (state === 'down' || state === 'stopping')
    this.#changed(record, redistribute)
    this.emit('server:state', record, record.admin, previous)
  }

  /**
   * Sets a server's maxconn (0 = unlimited); a static limit (minconn = maxconn)
   * stays static. A raise lets the server pull waiting requests at once.
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION, SWY_ERR_UNKNOWN_SERVER
   * HAProxy: `set maxconn server`
   */
  setMaxconn(server: ServerView | string, maxconn: number): void {
    const record = this.#own(server)
    this.#farm.setLimits(record, { maxconn: count('maxconn', maxconn) })
    this.processQueue(record)
    this.emit('server:limits', record)
  }

  /**
   * Sets a server's maxqueue (0 = unlimited). Requests already waiting stay.
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION, SWY_ERR_UNKNOWN_SERVER
   * HAProxy: `maxqueue`
   */
  setMaxqueue(server: ServerView | string, maxqueue: number): void {
    const record = this.#own(server)
    this.#farm.setLimits(record, { maxqueue: count('maxqueue', maxqueue) })
    this.emit('server:limits', record)
  }

  /**
   * Sets (or clears, with `undefined`) the slow-start window of a server
   * (§5.9). While its operational state is `starting`, its maxconn is ramped
   * (`max(1, floor(limit × floor(100e/S) / 100))`) and, with a dynamic
   * algorithm, its effective weight too (1/16 … 16/16). Set the window before
   * or right after `setOperational(server, 'starting')`, then call
   * {@link processQueue} at each ramp step (HAProxy steps every
   * `max(1 s, slowstart / 20)`) so that the server pulls waiting requests as
   * it grows.
   * @throws {SwitchyardError} SWY_ERR_UNKNOWN_SERVER
   * HAProxy: `slowstart`
   */
  setSlowStart(server: ServerView | string, window: SlowStartWindow | undefined): void {
    const record = this.#own(server)
    this.#line(record).window = window
    this.processQueue(record)
  }

  /**
   * Recomputes the slow-start weight of `server` and runs the freed-slot
   * procedure (§3.5) for it: it takes waiting requests while it has room.
   * Call it when its capacity grew for a reason the backend cannot see (a
   * slow-start step).
   * @throws {SwitchyardError} SWY_ERR_UNKNOWN_SERVER
   * HAProxy: `server_warmup`, `process_srv_queue`
   */
  processQueue(server: ServerView | string): void {
    const record = this.#own(server)
    this.#warm(record)
    if (!this.#closed) this.#pump(record)
  }

  /** A snapshot of the counters. */
  counters(): BackendCounters {
    const servers: ServerCounters[] = []
    for (const server of this.#farm.servers) {
      const line = this.#line(server)
      servers.push({
        name: server.name,
        served: server.served,
        maxServed: line.maxServed,
        total: line.total,
        queued: server.queued,
        maxQueued: line.maxQueued,
        limit: this.limitOf(server),
        timeouts: line.timeouts,
        aborts: line.aborts,
        full: line.full,
      })
    }
    return {
      served: this.#farm.served,
      maxServed: this.#maxServed,
      total: this.#total,
      queued: this.#backendQueue.size,
      maxQueued: this.#maxQueued,
      waiting: this.#arrivals.size,
      beconn: this.#beconn,
      timeouts: this.#timeouts,
      aborts: this.#aborts,
      full: this.#full,
      noServer: this.#noServer,
      redispatched: this.#redispatched,
      redistributed: this.#redistributed,
      servers,
    }
  }

  /**
   * Closes the backend: every waiter is rejected with SWY_ERR_CLOSED, new
   * requests are refused, the queue timer is cancelled. Leases in use may
   * still be released. Calling it again does nothing.
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#timer?.cancel()
    this.#timer = undefined
    for (let waiter = this.#arrivals.first; waiter !== undefined; waiter = this.#arrivals.first) {
      this.#unqueue(waiter)
      this.#settle(waiter, 'cancelled', this.#error('SWY_ERR_CLOSED', undefined))
    }
    this.emit('backend:close')
  }

  // --- admission -------------------------------------------------------------------------

  /**
   * The admission decision (§2.0, §3.6). Counts the request in `beconn` unless
   * the backend is closed; sets `#target` for OK, QUEUED (undefined = backend
   * queue) and FULL. The caller settles `beconn` for anything but OK/QUEUED-and-waiting.
   */
  #admit(request: AcquireRequest): number {
    if (this.#closed) return CLOSED
    this.#beconn++
    const pinned = request.pinned
    if (pinned !== undefined && this.#farm.get(pinned.name) === pinned && (request.persist === true || (pinned.operational !== 'down' && pinned.admin !== 'maint'))) {
      // §4/§6.2: persistence reaches a server that is up, starting, stopping, draining or at weight 0;
      // §4.7: with `option persist` / `force-persist`, a DOWN or MAINT one too.
      const code = this.#direct(pinned as ServerRecord)
      if (code !== FULL || !this.#redispatch) return code
      // §3.6: maxqueue reached with `option redispatch` → drop persistence, balance again.
      this.#redispatched++
    }
    return this.#balance(request)
  }

  /** §2.0 steps 3–7 for a request no server is directed to. */
  #balance(request: PickRequest): number {
    const farm = this.#farm
    if (!farm.hasUsable()) return NOSRV
    if (farm.skipsSaturated && ((this.#fifo && this.#backendQueue.size > 0 && farm.served > 0) || this.#capped())) {
      this.#target = undefined
      return QUEUED
    }
    const server = farm.pick(request) as ServerRecord | undefined
    if (server === undefined) {
      this.#target = undefined
      return QUEUED
    }
    return this.#direct(server)
  }

  /** §2.0 step 7 for a known server: a slot now, its own queue, or full. */
  #direct(server: ServerRecord): number {
    this.#target = server
    if (!this.#capped() && !isSaturated(server, this.limitOf(server))) return OK
    return server.maxqueue > 0 && server.queued >= server.maxqueue ? FULL : QUEUED
  }

  /** True when the backend-wide maxconn is reached. */
  #capped(): boolean {
    return this.#maxconn > 0 && this.#farm.served >= this.#maxconn
  }

  /** True when `server` may take one more request now. */
  #hasRoom(server: ServerRecord): boolean {
    if (this.#capped()) return false
    return server.maxconn === 0 || server.served < this.limitOf(server)
  }

  /** Binds a slot of `server` to a request (which is already counted in `beconn`). */
  #grant(server: ServerRecord, queuedFor: number): Lease {
    this.#farm.take(server)
    const line = this.#line(server)
    line.total++
    if (server.served > line.maxServed) line.maxServed = server.served
    this.#total++
    const served = this.#farm.served
    if (served > this.#maxServed) this.#maxServed = served
    const lease = new BackendLease(server, queuedFor, this.#observes ? this.#clock.now() : 0, this.#release)
    this.emit('lease:acquire', lease)
    return lease
  }

  #refuseFull(server: ServerRecord): void {
    this.#beconn--
    this.#full++
    this.#line(server).full++
    this.emit('queue:full', server, server.queued)
  }

  #refuseNoServer(): void {
    this.#beconn--
    this.#noServer++
    this.emit('nosrv')
  }

  #error(code: ErrorCode, server: ServerView | undefined, queuedFor?: number): SwitchyardError {
    const details: Record<string, unknown> = { backend: this.name }
    if (server !== undefined) details['server'] = server.name
    if (queuedFor !== undefined) details['queuedFor'] = queuedFor
    return new SwitchyardError(code, undefined, details)
  }

  /**
   * A queue-timeout error without a stack trace: raised from a timer callback, its stack
   * would show only timer internals, and capturing it dominates the cost of a burst of
   * timeouts (several µs each).
   */
  #timeoutError(server: ServerView | undefined, queuedFor: number): SwitchyardError {
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    const error = this.#error('SWY_ERR_QUEUE_TIMEOUT', server, queuedFor)
    Error.stackTraceLimit = limit
    return error
  }

  // --- waiting ---------------------------------------------------------------------------

  /** Turns a QUEUED decision into a waiter on `server`'s queue (or the backend queue). */
  #wait(request: AcquireRequest, server: ServerRecord | undefined): Promise<Lease> {
    const now = this.#clock.now()
    const waiter = new Waiter(
      clampPriorityClass(request.priorityClass),
      timeKey(now, clampPriorityOffset(request.priorityOffset)),
      this.#seq++,
      now,
      request,
      this.#owner,
    )
    const promise = waiter.promise()
    this.#enqueue(waiter, server)
    this.#arrivals.append(waiter)
    request.signal?.addEventListener('abort', waiter)
    this.#arm()
    return promise
  }

  #enqueue(waiter: Waiter, server: ServerRecord | undefined): void {
    waiter.server = server
    if (server === undefined) {
      const queue = this.#backendQueue
      queue.push(waiter)
      if (queue.size > this.#maxQueued) this.#maxQueued = queue.size
      return
    }
    const line = this.#line(server)
    line.queue.push(waiter)
    this.#farm.enqueued(server)
    this.#queuedServers.add(server)
    if (server.queued > line.maxQueued) line.maxQueued = server.queued
  }

  /** Takes a waiter out of whichever queue holds it. */
  #unqueue(waiter: Waiter): void {
    const server = waiter.server as ServerRecord | undefined
    if (server === undefined) this.#backendQueue.delete(waiter)
    else this.#leaveServerQueue(server, waiter)
  }

  #leaveServerQueue(server: ServerRecord, waiter: Waiter): void {
    this.#line(server).queue.delete(waiter)
    this.#farm.dequeued(server)
    if (server.queued === 0) this.#queuedServers.delete(server)
  }

  /** Settles a waiter that is out of its queue with a failure: state, counts, listener, promise. */
  #settle(waiter: Waiter, state: 'cancelled' | 'timed-out', reason: unknown): void {
    this.#arrivals.remove(waiter)
    this.#beconn--
    waiter.state = state
    waiter.request.signal?.removeEventListener('abort', waiter)
    waiter.reject(reason)
  }

  /** Binds a waiter that is out of its queue to a slot of `server`. */
  #assign(waiter: Waiter, server: ServerRecord, now: number): void {
    this.#arrivals.remove(waiter)
    waiter.state = 'assigned'
    waiter.request.signal?.removeEventListener('abort', waiter)
    waiter.resolve(this.#grant(server, now - waiter.enqueuedAt))
  }

  #abort(waiter: Waiter): void {
    /* c8 ignore next 2 -- the listener is removed when a waiter leaves; this guards a signal
       dispatching to listeners it collected before a synchronous listener settled the waiter. */
    if (waiter.state !== 'waiting') return
    const server = waiter.server
    this.#unqueue(waiter)
    this.#aborts++
    if (server !== undefined) this.#line(server).aborts++
    // The signal has aborted: that is why this runs.
    this.#settle(waiter, 'cancelled', waiter.request.signal!.reason)
    this.emit('queue:abort', server, this.#clock.now() - waiter.enqueuedAt)
  }

  /** Arms the queue timer for the oldest waiter, unless it is armed or nobody can time out. */
  #arm(): void {
    if (this.#timer !== undefined || this.#timeout === 0) return
    const oldest = this.#arrivals.first
    if (oldest === undefined) return
    this.#timer = this.#scheduler.schedule(Math.max(0, oldest.enqueuedAt + this.#timeout - this.#clock.now()), this.#expire)
  }

  /** Timer callback: every waiter past its deadline fails with SWY_ERR_QUEUE_TIMEOUT (§3.7). */
  readonly #expire = (): void => {
    this.#timer = undefined
    const timeout = this.#timeout
    const now = this.#clock.now()
    for (let waiter = this.#arrivals.first; waiter !== undefined && waiter.enqueuedAt + timeout <= now; waiter = this.#arrivals.first) {
      const server = waiter.server
      const queuedFor = now - waiter.enqueuedAt
      this.#unqueue(waiter)
      this.#timeouts++
      if (server !== undefined) this.#line(server).timeouts++
      this.#settle(waiter, 'timed-out', this.#timeoutError(server, queuedFor))
      this.emit('queue:timeout', server, queuedFor)
    }
    this.#arm()
  }

  // --- freed slots -----------------------------------------------------------------------

  /** Lease release: frees the slot, hands it on (§3.5), then reports. */
  readonly #release = (lease: BackendLease, outcome: LeaseOutcome, status: number | undefined): void => {
    const server = lease.server as ServerRecord
    const wasCapped = this.#capped()
    this.#farm.release(server)
    this.#beconn--
    // Latency-aware balancers learn before the freed slot is handed on (the next pick sees it).
    if (this.#observes && outcome !== 'client-abort') {
      this.#farm.observe(server, this.#clock.now() - lease.grantedAt, outcome === 'ok' && !(status !== undefined && status >= 500))
    }
    if (!this.#closed) {
      this.#pump(server)
      if (wasCapped) this.#offerBackendRoom()
    }
    if (server.served === 0 && this.#line(server).removed) this.#lines[server.index] = undefined
    this.emit('lease:release', lease, outcome, status)
  }

  /**
   * The freed-slot procedure for one server (§3.5): while it has room, take
   * the better of its own queue's head and — when it takes balanced traffic
   * now — the backend queue's head.
   */
  #pump(server: ServerRecord): void {
    const own = this.#line(server).queue
    const backend = this.#backendQueue
    const shared = this.#farm.inCurrentGroup(server)
    if (own.size === 0 && (!shared || backend.size === 0)) return
    const now = this.#clock.now()
    while (this.#hasRoom(server)) {
      const mine = own.peek(now)
      const theirs = shared ? backend.peek(now) : undefined
      if (theirs !== undefined && (mine === undefined || backendFirst(theirs, mine))) {
        backend.delete(theirs)
        this.#assign(theirs, server, now)
      } else if (mine !== undefined) {
        this.#leaveServerQueue(server, mine)
        this.#assign(mine, server, now)
      } else {
        return
      }
    }
  }

  /**
   * A release lowered `served` below the backend-wide maxconn: servers other
   * than the releasing one may be waiting only for that. Offer the room to
   * servers with waiters of their own, then to the balancer's choice for the
   * backend queue.
   */
  #offerBackendRoom(): void {
    for (const server of this.#queuedServers) {
      if (this.#capped()) return
      this.#pump(server)
    }
    while (!this.#capped() && this.#backendQueue.size > 0) {
      const server = this.#farm.pick(NO_REQUEST) as ServerRecord | undefined
      if (server === undefined) return
      // The balancer returned an unsaturated server of the current group and the backend has
      // room, so this pump takes at least the backend queue's head: the loop progresses.
      this.#pump(server)
    }
  }

  // --- server changes --------------------------------------------------------------------

  /** Applies the §5.9 weight ramp of a starting server (dynamic algorithms only), full weight otherwise. */
  #warm(server: ServerRecord): void {
    if (!this.#farm.dynamic) return
    const window = this.#line(server).window
    const scale = window !== undefined && server.operational === 'starting' ? slowStartWeightScale(window, this.#clock.now()) : WEIGHT_SCALE
    this.#farm.setWeightScale(server, scale)
  }

  #add(spec: ServerSpec): ServerRecord {
    const server = this.#farm.add(spec) as ServerRecord
    this.#lines[server.index] = new ServerLine()
    return server
  }

  /**
   * After a server's usability, weight or membership changed: move its queue
   * if asked (§3.8), fail the backend queue if no server is usable any more
   * (3.1+), else let the servers of the current group pull waiting requests.
   */
  #changed(server: ServerRecord, redistribute: boolean): void {
    if (this.#closed) return
    if (redistribute) this.#redistribute(server)
    if (!this.#farm.hasUsable()) {
      this.#failBackendQueue()
      return
    }
    if (server.usable) this.#pump(server)
    if (this.#backendQueue.size === 0) return
    // A state change can change the group (actives ↔ backups): rare, so a scan is fine here.
    for (const other of this.#farm.servers) {
      if (other !== server && this.#farm.inCurrentGroup(other)) this.#pump(other as ServerRecord)
    }
  }

  /** Moves every waiter of `server`'s queue but the `forcePersist` ones to wherever balancing sends it now. */
  #redistribute(server: ServerRecord): void {
    const queue = this.#line(server).queue
    if (queue.size === 0) return
    const now = this.#clock.now()
    let moved = 0
    let kept: Waiter[] | undefined
    for (let waiter = queue.peek(now); waiter !== undefined; waiter = queue.peek(now)) {
      if (waiter.request.forcePersist === true) {
        // HAProxy skips SF_FORCE_PRST streams: set aside, put back in their order below.
        queue.delete(waiter)
        ;(kept ??= []).push(waiter)
        continue
      }
      this.#leaveServerQueue(server, waiter)
      moved++
      const code = this.#balance(waiter.request)
      const target = this.#target
      if (code === OK) this.#assign(waiter, target!, now)
      else if (code === QUEUED) this.#enqueue(waiter, target)
      else if (code === FULL) {
        this.#full++
        this.#line(target!).full++
        this.#settle(waiter, 'cancelled', this.#error('SWY_ERR_QUEUE_FULL', target))
        this.emit('queue:full', target!, target!.queued)
      } else {
        this.#noServer++
        this.#settle(waiter, 'cancelled', this.#error('SWY_ERR_NO_SERVER', undefined))
        this.emit('nosrv')
      }
    }
    if (kept !== undefined) for (const waiter of kept) queue.push(waiter)
    this.#redistributed += moved
    this.emit('queue:redistribute', server, moved)
  }

  /** HAProxy 3.1+: with no usable server left, backend-queue waiters fail now rather than at their timeout. */
  #failBackendQueue(): void {
    const queue = this.#backendQueue
    const now = this.#clock.now()
    for (let waiter = queue.shift(now); waiter !== undefined; waiter = queue.shift(now)) {
      this.#noServer++
      this.#settle(waiter, 'cancelled', this.#error('SWY_ERR_NO_SERVER', undefined))
      this.emit('nosrv')
    }
  }

  #line(server: ServerView): ServerLine {
    // Lines are created with their server and deleted only once it left the backend and
    // its last lease was released: nothing reaches it through a queue or a lease after that.
    return this.#lines[server.index]!
  }

  #own(server: ServerView | string): ServerRecord {
    const name = typeof server === 'string' ? server : server.name
    const record = this.#farm.get(name)
    if (record === undefined || (typeof server !== 'string' && record !== server)) {
      throw new SwitchyardError('SWY_ERR_UNKNOWN_SERVER', `No server named "${name}" in backend "${this.name}"`, { backend: this.name, server: name })
    }
    return record as ServerRecord
  }
}

/** Validates a non-negative integer limit. */
function count(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected \`${field}\` to be a non-negative integer, got \`${String(value)}\``, { field, value })
  }
  return value
}
