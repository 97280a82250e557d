/**
 * The simulator: drives the real {@link Backend} (its balancer, queues,
 * limits and timeouts — no copies) with virtual time and seeded randomness.
 *
 * How a run works. Every request arrives from an {@link ArrivalCursor} and
 * asks the backend for a slot with `acquire()`, exactly as a proxy would. When
 * it gets a lease, the simulated server decides its fate from the scenario
 * (dead → it fails after `errorTime`; an error draw → it fails after
 * `errorTime`; else it succeeds after a service-time draw, times any slow-down
 * factor) and the lease is released then with `ok` or `bad-response`. A failed
 * attempt is retried per the {@link RetryPolicy}. Each request ends exactly
 * once: served, failed (retries exhausted), timed out in a queue, refused
 * (queue full / no server), or left unfinished when nothing more can happen.
 *
 * Virtual time only moves between events. `acquire()` settles its promise in
 * a microtask, so after each event that left a request waiting for its promise
 * the loop yields once to the microtask queue before taking the next event:
 * every settlement reaction queued by an event runs at that event's instant.
 * Promise reactions never start new work themselves (they only schedule), so
 * one yield is always enough.
 */
import { Backend } from '../backend.js'
import type { BalanceConfig, ServerView } from '../balance/types.js'
import type { SwitchyardError } from '../errors.js'
import { resolveBalance, type BalanceOptions } from '../options/balance.js'
import { CookiePersistence } from '../persist/cookie.js'
import { redispatched } from '../persist/decide.js'
import { createCookiePolicy } from '../persist/policy.js'
import type { PersistDecision } from '../persist/types.js'
import type { AcquireRequest, Lease } from '../queue/types.js'
import type { Timer } from '../types.js'
import { ArrivalCursor, arrivalCount, arrivalHorizon } from './arrivals.js'
import { healthChecks, settleTime, type CheckDriver } from './checks.js'
import { ClientPicker } from './clients.js'
import { meanOf, sampler } from './distributions.js'
import { detectAfter, type HealthDriver, type HealthDriverFactory } from './health.js'
import { createPrng } from './prng.js'
import type { ArrivalSource, Failure, Scenario, SimServer, Slowdown } from './scenario.js'
import { parseScenario } from './scenario-schema.js'
import { SampleList, cdfOf, latencyStats, type LatencyStats } from './stats.js'
import { VirtualClock } from './virtual-clock.js'

/** Random streams of a seed (see {@link createPrng}). */
const STREAM_BALANCE = 1
const STREAM_HEALTH = 2
const STREAM_CLIENTS = 3
const STREAM_ARRIVALS = 100
const STREAM_SERVICE = 10_000
const STREAM_FAULTS = 20_000

/** Options of one run that a scenario file cannot express. */
export interface SimulateOptions {
  /** Replaces `scenario.backend.balance` (how `compare` runs each algorithm). */
  readonly balance?: BalanceOptions | undefined
  /** Turns real failures into operational states. @default healthChecks(scenario.health), else detectAfter(scenario.detect) */
  readonly health?: HealthDriverFactory | undefined
}

/** A change of a server's state, as the backend emitted it (`server:state`). */
export interface HealthTransition {
  readonly at: number
  readonly server: string
  readonly admin: string
  readonly operational: string
  readonly previousAdmin: string
  readonly previousOperational: string
  /** With `health`: why (`check`, `observe`, `admin`, …). */
  readonly reason?: string | undefined
  /** With `health`: the check status behind it (`L4CON`, `L4TOUT`, `L4OK`, `HANA`), when a check caused it. */
  readonly check?: string | undefined
}

/** Sticky-session figures (with `persistence`). */
export interface PersistenceResult {
  readonly clients: number
  /** Requests whose cookie pinned a server. */
  readonly hits: number
  /** Requests whose cookie named a server that could not take them (DOWN, MAINT): balanced, new cookie. */
  readonly misses: number
  /** Requests without a cookie (a client's first). */
  readonly fresh: number
  /** Pinned requests that ended on another server (full queue, redistribution, retry elsewhere). */
  readonly redispatched: number
  /** Cookies set by the load balancer (first visits, misses and redispatches). */
  readonly cookiesSet: number
}

/** How the requests of one priority class ended (with priorities); the outcome counts mean what they mean in {@link RequestCounts}. */
export interface ClassResult extends Omit<RequestCounts, 'retries' | 'retriedRequests'> {
  readonly priorityClass: number
  /** End-to-end latency of its served requests. */
  readonly latency: LatencyStats
  /** Time its served requests waited in queues. */
  readonly wait: LatencyStats
}

/** What happened on one server. */
export interface ServerResult {
  readonly name: string
  /** Slots taken on it (first attempts and retries). */
  readonly attempts: number
  /** Requests it served successfully. */
  readonly served: number
  /** Attempts that failed on it. */
  readonly failed: number
  /** Slot time used, summed over attempts (ms); divide by the run's length for the mean concurrency. */
  readonly busy: number
  /** Highest concurrency seen (backend counter). */
  readonly maxServed: number
  /** Longest own queue seen (backend counter). */
  readonly maxQueued: number
  /** End-to-end latency of the requests it served (arrival to response, retries and waits included). */
  readonly latency: LatencyStats
}

/** How requests ended; `served + failed + timedOut + full + noServer + unfinished = total`. */
export interface RequestCounts {
  readonly total: number
  readonly served: number
  /** Failed on their last attempt (retries exhausted). */
  readonly failed: number
  /** `timeout queue` expired (503). */
  readonly timedOut: number
  /** Refused because a server queue reached `maxqueue` (503). */
  readonly full: number
  /** Refused because no server was usable (503). */
  readonly noServer: number
  /** Still waiting when no event was left (e.g. queued without timeout on a server that never came back). */
  readonly unfinished: number
  /** Retry attempts made. */
  readonly retries: number
  /** Requests that were retried at least once. */
  readonly retriedRequests: number
}

/** Queue depth and concurrency sampled at a fixed interval. */
export interface QueueSamples {
  /** Sampling interval (ms). */
  readonly interval: number
  /** Sample times. */
  readonly time: readonly number[]
  /** Backend queue length. */
  readonly backend: readonly number[]
  /** Own queue length per server. */
  readonly servers: Readonly<Record<string, readonly number[]>>
  /** Requests in service per server. */
  readonly inService: Readonly<Record<string, readonly number[]>>
}

/** The result of a simulation: plain data, deterministic for a scenario and seed. */
export interface SimResult {
  readonly name: string
  readonly description: string
  readonly seed: number
  /** The algorithm, as a short label (`roundrobin`, `random(2)`, `peak-ewma`, …). */
  readonly algorithm: string
  readonly requests: RequestCounts
  /** When the last request ended (ms). */
  readonly endedAt: number
  /** End-to-end latency of served requests. */
  readonly latency: LatencyStats
  /** Time served requests spent waiting in queues (and retry delays' queues). */
  readonly wait: LatencyStats
  /** Latency at each of `CDF_QUANTILES` (served requests). */
  readonly cdf: readonly number[]
  readonly servers: readonly ServerResult[]
  readonly queue: QueueSamples
  readonly health: readonly HealthTransition[]
  /** Backend counters: persistent requests rebalanced, waiters moved off servers, longest backend queue, peak concurrency. */
  readonly backend: { readonly redispatched: number; readonly redistributed: number; readonly maxQueued: number; readonly maxServed: number }
  /** With `persistence`: the sticky-session figures. */
  readonly persistence?: PersistenceResult | undefined
  /** When some arrival source sets a priority: results per priority class, lowest (served first) first. */
  readonly classes?: readonly ClassResult[] | undefined
}

/** A short label of a balancing configuration. */
export function algorithmLabel(config: BalanceConfig): string {
  switch (config.algorithm) {
    case 'random':
      return `random(${config.draws})`
    case 'hash':
      return `hash(${config.key.kind}${config.type === 'consistent' ? ', consistent' : ''})`
    default:
      return config.algorithm
  }
}

/** The requests of one priority class, counted as they end. */
class ClassTally {
  readonly priorityClass: number
  total = 0
  served = 0
  failed = 0
  timedOut = 0
  full = 0
  noServer = 0
  readonly latency = new SampleList()
  readonly waits = new SampleList()

  constructor(priorityClass: number) {
    this.priorityClass = priorityClass
  }
}

/** One request of the simulation; it is its own `AcquireRequest`. */
class SimRequest implements AcquireRequest {
  readonly uri: string | undefined
  avoid: ServerView | undefined = undefined
  pinned: ServerView | undefined = undefined
  /** `option persist`: the pinned server is reached even when DOWN or MAINT. */
  persist: boolean | undefined = undefined
  readonly priorityClass: number
  readonly priorityOffset: number
  /** Its class's tally, when the run counts per class. */
  readonly tally: ClassTally | undefined
  /** The sticky client it comes from (with persistence), else −1. */
  client = -1
  /** Its persistence decision (with persistence). */
  decision: PersistDecision | undefined = undefined
  readonly arrivedAt: number
  retries = 0
  waited = 0
  startedAt = 0
  /** Holds one of its server's workers (else refused at once by a dead server, or in its backlog). */
  working = false
  ok = true
  lease: Lease | undefined = undefined
  timer: Timer | undefined = undefined
  readonly granted: (lease: Lease) => void
  readonly refused: (error: unknown) => void
  readonly finish: () => void
  readonly again: () => void

  constructor(run: Run, arrivedAt: number, key: string | undefined, source: ArrivalSource, tally: ClassTally | undefined) {
    this.arrivedAt = arrivedAt
    this.uri = key
    this.priorityClass = source.priorityClass
    this.priorityOffset = source.priorityOffset
    this.tally = tally
    this.granted = (lease) => run.granted(this, lease)
    this.refused = (error) => run.refused(this, error)
    this.finish = () => run.finish(this)
    this.again = () => run.attempt(this)
  }
}

/** A FIFO of requests (array with a moving head, compacted when half is dead). */
class Backlog {
  #items: (SimRequest | undefined)[] = []
  #head = 0

  push(request: SimRequest): void {
    this.#items.push(request)
  }

  shift(): SimRequest | undefined {
    const items = this.#items
    if (this.#head === items.length) return undefined
    const request = items[this.#head]
    items[this.#head++] = undefined
    if (this.#head > 1024 && this.#head * 2 > items.length) {
      this.#items = items.slice(this.#head)
      this.#head = 0
    }
    return request
  }

  /** Empties the backlog, returning its requests in order. */
  drain(): SimRequest[] {
    const out = this.#items.slice(this.#head) as SimRequest[]
    this.#items = []
    this.#head = 0
    return out
  }
}

/** A failure window in force: its error rate and (when the scenario overrides it) error time. */
interface FailureEntry {
  readonly rate: number
  time: (() => number) | undefined
}

/** The simulated side of one server. */
class ServerModel {
  readonly spec: SimServer
  readonly view: ServerView
  readonly service: () => number
  readonly faults: () => number
  readonly baseErrorTime: () => number
  errorTime: () => number
  errorRate: number
  /** Active `errors` windows, oldest first. */
  readonly errorWindows: FailureEntry[] = []
  /** Active `down` failures, oldest first. */
  readonly downs: FailureEntry[] = []
  readonly factors: number[] = []
  factor = 1
  /** Requests holding a lease on this server (tracked only when a `down` failure can kill them). */
  readonly inflight = new Set<SimRequest>()
  /** Requests waiting inside the server for a worker, in arrival order. */
  readonly backlog = new Backlog()
  /** Busy workers. */
  working = 0
  readonly latency = new SampleList()
  attempts = 0
  served = 0
  failed = 0
  busy = 0

  constructor(spec: SimServer, view: ServerView, seed: number, index: number) {
    this.spec = spec
    this.view = view
    this.service = sampler(spec.service, createPrng(seed, STREAM_SERVICE + index))
    this.faults = createPrng(seed, STREAM_FAULTS + index)
    this.baseErrorTime = sampler(spec.errorTime, this.faults)
    this.errorTime = this.baseErrorTime
    this.errorRate = spec.errorRate
  }

  /** Recomputes the error rate and time from the active windows (the latest window's time wins). */
  updateErrors(): void {
    let rate = this.spec.errorRate
    let time = this.baseErrorTime
    for (const window of this.errorWindows) {
      rate = Math.max(rate, window.rate)
      if (window.time !== undefined) time = window.time
    }
    this.errorRate = rate
    this.errorTime = time
  }

  updateFactor(): void {
    let factor = 1
    for (const f of this.factors) factor *= f
    this.factor = factor
  }
}

/** One simulation run (internal). */
class Run {
  readonly scenario: Scenario
  readonly clock = new VirtualClock()
  readonly backend: Backend
  readonly config: BalanceConfig
  readonly models: ServerModel[] = []
  readonly byName = new Map<string, ServerModel>()
  readonly health: HealthDriver
  /** How long checks need to settle after the last change of truth (0: the driver has no timers). */
  readonly settle: number
  readonly tracking: boolean
  /** Sticky sessions: the real cookie persistence, the clients' cookies, who sends each request. */
  readonly cookies: CookiePersistence | undefined
  readonly clientCookies: (string | undefined)[] = []
  readonly clients: ClientPicker | undefined
  readonly persist: boolean
  hits = 0
  misses = 0
  fresh = 0
  persistRedispatched = 0
  cookiesSet = 0
  /** Per priority class, when some source sets a priority. */
  readonly tallies: Map<number, ClassTally> | undefined
  /** Failure, slow-down and change events still to come. */
  eventsLeft = 0
  /** Check results handed over through promises at this instant (see HealthControl.deferred). */
  deferredChecks = 0
  healthStopped = false
  /** The health driver's stop once checks had time to settle (requests were still pending). */
  stopTimer: Timer | undefined = undefined
  readonly latency = new SampleList()
  readonly waits = new SampleList()
  readonly transitions: HealthTransition[] = []
  readonly interval: number
  readonly time: number[] = []
  readonly backendQueue: number[] = []
  readonly serverQueues: number[][] = []
  readonly inService: number[][] = []
  pendingWaits = 0
  arrivalsLeft = 0
  total = 0
  ended = 0
  endedAt = 0
  served = 0
  failed = 0
  timedOut = 0
  full = 0
  noServer = 0
  retries = 0
  retriedRequests = 0
  unexpected: unknown[] = []

  constructor(scenario: Scenario, options: SimulateOptions) {
    this.scenario = scenario
    const { backend: b, seed } = scenario
    this.config = resolveBalance(options.balance ?? b.balance, 'scenario.backend.balance')
    this.backend = new Backend(
      scenario.name,
      {
        balance: this.config,
        maxconn: b.maxconn,
        fullconn: b.fullconn,
        timeoutQueue: b.timeoutQueue,
        timeoutConnect: b.timeoutConnect,
        redispatch: b.redispatch,
        allbackups: b.allbackups,
        persist: scenario.persistence?.persist ?? false,
        servers: scenario.servers.map((s) => ({
          name: s.name,
          address: `sim:${s.name}`,
          weight: s.weight,
          maxconn: s.maxconn,
          minconn: s.minconn,
          maxqueue: s.maxqueue,
          backup: s.backup,
        })),
      },
      { clock: this.clock, scheduler: this.clock, random: createPrng(seed, STREAM_BALANCE) },
    )
    scenario.servers.forEach((spec, i) => {
      // The backend was built from these specs, in this order.
      const model = new ServerModel(spec, this.backend.server(spec.name)!, seed, i)
      this.models.push(model)
      this.byName.set(spec.name, model)
      this.serverQueues.push([])
      this.inService.push([])
    })
    this.tracking = scenario.failures.some((f) => f.mode === 'down')
    const checks = scenario.health
    this.health = (options.health ?? (checks === undefined ? detectAfter(scenario.detect) : healthChecks(checks)))({
      backend: this.backend,
      clock: this.clock,
      scheduler: this.clock,
      random: createPrng(seed, STREAM_HEALTH),
      healthy: (name) => this.byName.get(name)?.downs.length === 0,
      deferred: () => {
        this.deferredChecks++
      },
    })
    this.settle = checks === undefined ? 0 : settleTime(checks)
    const causeOf = (this.health as Partial<CheckDriver>).causeOf
    this.backend.on('server:state', (server, previousAdmin, previousOperational) => {
      const transition: HealthTransition = {
        at: this.clock.now(),
        server: server.name,
        admin: server.admin,
        operational: server.operational,
        previousAdmin,
        previousOperational,
      }
      // The monitor saw the change first (its listener was added first): its cause is this transition's.
      const cause = causeOf?.(server.name)
      this.transitions.push(cause === undefined ? transition : { ...transition, reason: cause.reason, check: cause.check })
    })
    const sticky = scenario.persistence
    this.persist = sticky?.persist ?? false
    if (sticky === undefined) {
      this.cookies = undefined
      this.clients = undefined
    } else {
      this.cookies = new CookiePersistence(createCookiePolicy({ name: sticky.cookie, mode: 'insert', indirect: true }), { persist: sticky.persist, redispatch: b.redispatch })
      for (const model of this.models) this.cookies.setServer(model.view, model.spec.name)
      this.clients = new ClientPicker(sticky.clients, sticky.skew, createPrng(seed, STREAM_CLIENTS))
      this.clientCookies.length = sticky.clients
    }
    this.tallies = scenario.arrivals.some((a) => a.priorityClass !== 0 || a.priorityOffset !== 0) ? new Map() : undefined
    this.eventsLeft = scenario.changes.length
    for (const w of [...scenario.failures, ...scenario.slowdowns]) this.eventsLeft += w.duration === undefined ? 1 : 2
    let horizon = 0
    for (const source of scenario.arrivals) {
      this.arrivalsLeft += arrivalCount(source)
      horizon = Math.max(horizon, arrivalHorizon(source))
    }
    this.interval = scenario.sample > 0 ? scenario.sample : niceInterval(Math.max(horizon, drainTime(scenario.servers, this.arrivalsLeft)) / 200)
  }

  async run(): Promise<void> {
    const clock = this.clock
    this.scenario.arrivals.forEach((source, k) => this.startSource(source, new ArrivalCursor(source, createPrng(this.scenario.seed, STREAM_ARRIVALS + k))))
    for (const failure of this.scenario.failures) {
      const active: FailureEntry = { rate: failure.errorRate, time: undefined }
      this.window(failure, () => this.startFailure(failure, active), () => this.endFailure(failure, active))
    }
    for (const slow of this.scenario.slowdowns) this.window(slow, () => this.startSlow(slow), () => this.endSlow(slow))
    for (const change of this.scenario.changes) clock.schedule(change.at, () => this.event(() => this.change(change)))
    // After the scenario's events: a change at the instant of a check is seen by it.
    this.health.start?.()
    this.sample()
    this.quiet()
    while (clock.runNext()) {
      // Let the promise reactions of this instant run before time moves on.
      if (this.pendingWaits > 0 || this.deferredChecks > 0) {
        await undefined
        // A check result came through a promise: what its reaction changed (grants, refusals) reacts in the next turn.
        while (this.deferredChecks > 0) {
          this.deferredChecks = 0
          await undefined
        }
      }
    }
    if (this.unexpected.length > 0) throw this.unexpected[0]
  }

  startSource(source: ArrivalSource, cursor: ArrivalCursor): void {
    if (!cursor.next()) return
    const tally = this.tallyOf(source.priorityClass)
    const fire = (): void => {
      this.arrivalsLeft--
      this.total++
      const request = new SimRequest(this, cursor.at, cursor.key, source, tally)
      if (tally !== undefined) tally.total++
      if (this.cookies !== undefined) this.stick(request)
      this.attempt(request)
      if (cursor.next()) this.clock.schedule(cursor.at - this.clock.now(), fire)
      else this.quiet()
    }
    this.clock.schedule(cursor.at, fire)
  }

  tallyOf(priorityClass: number): ClassTally | undefined {
    const tallies = this.tallies
    if (tallies === undefined) return undefined
    let tally = tallies.get(priorityClass)
    if (tally === undefined) tallies.set(priorityClass, (tally = new ClassTally(priorityClass)))
    return tally
  }

  /** Persistence before balancing: the client's cookie, decided by the real cookie logic. */
  stick(request: SimRequest): void {
    // Set together with `cookies`.
    const client = this.clients!.next()
    request.client = client
    const decision = this.cookies!.request(this.clientCookies[client], 'GET', this.clock.now())
    request.decision = decision
    if (decision.outcome === 'hit') this.hits++
    else if (decision.outcome === 'miss') this.misses++
    else this.fresh++
    if (decision.server !== undefined) {
      request.pinned = decision.server
      if (this.persist) request.persist = true
    }
  }

  /** Nothing more can arrive or change: stop the health driver once every request ended, or once checks settled. */
  quiet(): void {
    if (this.arrivalsLeft > 0 || this.eventsLeft > 0 || this.healthStopped) return
    if (this.ended === this.total || this.settle === 0) this.stopHealth()
    // Requests still wait (maybe for a server the checks will bring back): give the checks time to settle.
    else this.stopTimer ??= this.clock.schedule(this.settle, this.stopHealth)
  }

  readonly stopHealth = (): void => {
    this.healthStopped = true
    this.stopTimer?.cancel()
    this.health.stop?.()
  }

  attempt(request: SimRequest): void {
    this.pendingWaits++
    this.backend.acquire(request).then(request.granted, request.refused)
  }

  granted(request: SimRequest, lease: Lease): void {
    this.pendingWaits--
    const model = this.models[lease.server.index]!
    model.attempts++
    request.lease = lease
    request.waited += lease.queuedFor
    request.startedAt = this.clock.now()
    const decision = request.decision
    if (decision?.server !== undefined && lease.server !== decision.server) {
      // Persistence broken (full queue, redistribution, retry elsewhere): the response gets a fresh cookie.
      request.decision = redispatched(decision, lease.server)
      this.persistRedispatched++
    }
    if (this.tracking) model.inflight.add(request)
    const down = model.downs.at(-1)
    if (down !== undefined) {
      // A dead server refuses at once: no worker is involved.
      request.ok = false
      request.timer = this.clock.schedule((down.time ?? model.baseErrorTime)(), request.finish)
    } else if (model.spec.workers > 0 && model.working >= model.spec.workers) {
      model.backlog.push(request)
    } else {
      this.work(model, request)
    }
  }

  /** A worker of `model` takes `request`: its fate is drawn now. */
  work(model: ServerModel, request: SimRequest): void {
    model.working++
    request.working = true
    let duration: number
    if (model.errorRate > 0 && model.faults() < model.errorRate) {
      request.ok = false
      duration = model.errorTime()
    } else {
      request.ok = true
      duration = model.service() * model.factor
    }
    request.timer = this.clock.schedule(duration, request.finish)
  }

  refused(request: SimRequest, error: unknown): void {
    this.pendingWaits--
    // acquire() without a signal rejects only with SwitchyardErrors (see Backend.acquire).
    const code = (error as SwitchyardError).code
    const tally = request.tally
    if (code === 'SWY_ERR_QUEUE_TIMEOUT') {
      this.timedOut++
      if (tally !== undefined) tally.timedOut++
    } else if (code === 'SWY_ERR_QUEUE_FULL') {
      this.full++
      if (tally !== undefined) tally.full++
    } else if (code === 'SWY_ERR_NO_SERVER') {
      this.noServer++
      if (tally !== undefined) tally.noServer++
    } else {
      this.unexpected.push(error)
    }
    this.end()
  }

  finish(request: SimRequest): void {
    // A request finishes only while it holds a lease (set in granted, cleared here).
    const lease = request.lease!
    const model = this.models[lease.server.index]!
    const now = this.clock.now()
    request.lease = undefined
    request.timer = undefined
    if (this.tracking) model.inflight.delete(request)
    model.busy += now - request.startedAt
    if (request.working) {
      request.working = false
      model.working--
      const next = model.backlog.shift()
      if (next !== undefined) this.work(model, next)
    }
    if (request.ok) {
      lease.release('ok')
      model.served++
      this.served++
      const latency = now - request.arrivedAt
      this.latency.push(latency)
      model.latency.push(latency)
      this.waits.push(request.waited)
      const tally = request.tally
      if (tally !== undefined) {
        tally.served++
        tally.latency.push(latency)
        tally.waits.push(request.waited)
      }
      if (request.decision !== undefined) this.remember(request, request.decision, lease.server, now)
      this.end()
      return
    }
    lease.release('bad-response')
    model.failed++
    const policy = this.scenario.retries
    if (request.retries >= policy.count) {
      this.failed++
      if (request.tally !== undefined) request.tally.failed++
      this.end()
      return
    }
    if (request.retries++ === 0) this.retriedRequests++
    this.retries++
    if (policy.redispatch) {
      request.avoid = model.view
      request.pinned = undefined
      request.persist = undefined
      this.attempt(request)
    } else {
      request.pinned = model.view
      request.avoid = undefined
      this.clock.schedule(policy.delay, request.again)
    }
  }

  /** The response step of persistence: the client keeps the cookie the load balancer inserted. */
  remember(request: SimRequest, decision: PersistDecision, server: ServerView, now: number): void {
    // Set whenever a request has a decision.
    const inserted = this.cookies!.response(decision, server, 200, NO_HEADERS, now).inserted
    if (inserted === undefined) return
    this.cookiesSet++
    // `<name>=<value>; path=/…`: the client sends back the part before the attributes.
    this.clientCookies[request.client] = inserted.slice(0, inserted.indexOf(';'))
  }

  end(): void {
    this.ended++
    this.endedAt = this.clock.now()
    if (this.ended === this.total) this.quiet()
  }

  window(w: Failure | Slowdown, start: () => void, stop: () => void): void {
    this.clock.schedule(w.at, () => this.event(start))
    if (w.duration !== undefined) this.clock.schedule(w.at + w.duration, () => this.event(stop))
  }

  /** Runs a scenario event (failure, slow-down, change) and counts it done. */
  event(fn: () => void): void {
    this.eventsLeft--
    fn()
    this.quiet()
  }

  startFailure(failure: Failure, active: FailureEntry): void {
    // Server names were checked by the schema.
    const model = this.byName.get(failure.server)!
    if (failure.errorTime !== undefined) active.time = sampler(failure.errorTime, model.faults)
    if (failure.mode === 'errors') {
      model.errorWindows.push(active)
      model.updateErrors()
      return
    }
    model.downs.push(active)
    if (model.downs.length > 1) return
    // The server died: the health driver hears of it first (a perfect check flips it before
    // anything is retried), then what it was serving fails now.
    this.health.changed(model.view, false)
    for (const request of model.backlog.drain()) {
      request.ok = false
      request.timer = undefined
      this.finish(request)
    }
    for (const request of [...model.inflight]) {
      // Everything left in flight holds a worker or awaits a refusal: both have a timer.
      request.timer!.cancel()
      request.ok = false
      this.finish(request)
    }
  }

  endFailure(failure: Failure, active: FailureEntry): void {
    const model = this.byName.get(failure.server)!
    const list = failure.mode === 'errors' ? model.errorWindows : model.downs
    list.splice(list.indexOf(active), 1)
    if (failure.mode === 'errors') model.updateErrors()
    else if (list.length === 0) this.health.changed(model.view, true)
  }

  startSlow(slow: Slowdown): void {
    const model = this.byName.get(slow.server)!
    model.factors.push(slow.factor)
    model.updateFactor()
  }

  endSlow(slow: Slowdown): void {
    const model = this.byName.get(slow.server)!
    model.factors.splice(model.factors.indexOf(slow.factor), 1)
    model.updateFactor()
  }

  change(change: Scenario['changes'][number]): void {
    const backend = this.backend
    if (change.admin !== undefined) backend.setAdmin(change.server, change.admin)
    if (change.weight !== undefined) backend.setWeight(change.server, change.weight as number | `${number}%`)
    if (change.maxconn !== undefined) backend.setMaxconn(change.server, change.maxconn)
  }

  /** Records one sample, and the next one while requests are still to come or in flight. */
  sample(): void {
    this.time.push(this.clock.now())
    const counters = this.backend.counters()
    this.backendQueue.push(counters.queued)
    this.models.forEach((model, i) => {
      this.serverQueues[i]!.push(model.view.queued)
      this.inService[i]!.push(model.view.served)
    })
    if (this.arrivalsLeft > 0 || this.ended < this.total) this.clock.schedule(this.interval, () => this.sample())
  }

  result(): SimResult {
    const scenario = this.scenario
    const sorted = this.latency.sorted()
    const counters = this.backend.counters()
    const servers: ServerResult[] = this.models.map((model, i) => {
      // counters.servers is in declaration order, as models are.
      const c = counters.servers[i]!
      return {
        name: model.spec.name,
        attempts: model.attempts,
        served: model.served,
        failed: model.failed,
        busy: model.busy,
        maxServed: c.maxServed,
        maxQueued: c.maxQueued,
        latency: latencyStats(model.latency.sorted()),
      }
    })
    const queues: Record<string, number[]> = {}
    const inService: Record<string, number[]> = {}
    this.models.forEach((model, i) => {
      queues[model.spec.name] = this.serverQueues[i]!
      inService[model.spec.name] = this.inService[i]!
    })
    return {
      name: scenario.name,
      description: scenario.description,
      seed: scenario.seed,
      algorithm: algorithmLabel(this.config),
      requests: {
        total: this.total,
        served: this.served,
        failed: this.failed,
        timedOut: this.timedOut,
        full: this.full,
        noServer: this.noServer,
        unfinished: this.total - this.ended,
        retries: this.retries,
        retriedRequests: this.retriedRequests,
      },
      endedAt: this.endedAt,
      latency: latencyStats(sorted),
      wait: latencyStats(this.waits.sorted()),
      cdf: cdfOf(sorted),
      servers,
      queue: { interval: this.interval, time: this.time, backend: this.backendQueue, servers: queues, inService },
      health: this.transitions,
      backend: {
        redispatched: counters.redispatched,
        redistributed: counters.redistributed,
        maxQueued: counters.maxQueued,
        maxServed: counters.maxServed,
      },
      ...(scenario.persistence === undefined
        ? {}
        : {
            persistence: {
              clients: scenario.persistence.clients,
              hits: this.hits,
              misses: this.misses,
              fresh: this.fresh,
              redispatched: this.persistRedispatched,
              cookiesSet: this.cookiesSet,
            },
          }),
      ...(this.tallies === undefined ? {} : { classes: [...this.tallies.values()].sort((a, b) => a.priorityClass - b.priorityClass).map(classResult) }),
    }
  }
}

function classResult(tally: ClassTally): ClassResult {
  const ended = tally.served + tally.failed + tally.timedOut + tally.full + tally.noServer
  return {
    priorityClass: tally.priorityClass,
    total: tally.total,
    served: tally.served,
    failed: tally.failed,
    timedOut: tally.timedOut,
    full: tally.full,
    noServer: tally.noServer,
    unfinished: tally.total - ended,
    latency: latencyStats(tally.latency.sorted()),
    wait: latencyStats(tally.waits.sorted()),
  }
}

/** The response headers a simulated server sends: none the cookie logic reads. */
const NO_HEADERS = Object.freeze({})

/**
 * How long `count` requests take when every server works at its capacity (the
 * smaller of `maxconn` and `workers`): a lower bound of a surge's length, or 0
 * when some server has unlimited capacity.
 */
export function drainTime(servers: readonly SimServer[], count: number): number {
  let capacity = 0
  let work = 0
  for (const server of servers) {
    const limits = [server.maxconn, server.workers].filter((n) => n > 0)
    if (limits.length === 0) return 0
    capacity += Math.min(...limits)
    work += meanOf(server.service)
  }
  return (count * work) / servers.length / capacity
}

/** A round sampling interval near `target` ms: 1, 2 or 5 × 10^k, at least 1 ms. */
export function niceInterval(target: number): number {
  if (!(target > 1)) return 1
  const magnitude = 10 ** Math.floor(Math.log10(target))
  const scaled = target / magnitude
  const step = scaled < 1.5 ? 1 : scaled < 3.5 ? 2 : scaled < 7.5 ? 5 : 10
  return step * magnitude
}

/**
 * Runs a scenario to its end and returns what happened. Same scenario, same
 * options → the same result, bit for bit.
 *
 * @param scenario a scenario object or the parsed JSON of a scenario file (validated here)
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an invalid scenario (the
 *   message names the field); errors thrown by the backend for a change the
 *   scenario asks for (e.g. a weight a static algorithm refuses)
 * @example
 * ```ts
 * const result = await simulate({
 *   servers: [{ name: 'a', maxconn: 4, service: 10 }],
 *   arrivals: [{ kind: 'burst', count: 100 }],
 * })
 * result.latency.p99 // ms
 * ```
 */
export async function simulate(scenario: unknown, options: SimulateOptions = {}): Promise<SimResult> {
  const run = new Run(parseScenario(scenario), options)
  await run.run()
  return run.result()
}
