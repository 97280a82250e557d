/**
 * The farm: the servers of one backend and the balancing pipeline of HAProxy's
 * `assign_server` (§2.0 of the semantics reference) minus queueing.
 *
 * It owns every {@link ServerRecord} and is the only code that mutates one, so
 * that balancers hear about each change through their hooks. It keeps one
 * balancer per group (active servers; backup servers when `allbackups` is
 * set), built lazily on the first pick so that servers declared one by one
 * start exactly as HAProxy starts them (all at once, in declaration order).
 *
 * Pure: no I/O, no clock; randomness and the dynamic maxconn come in through
 * {@link FarmOptions}.
 */
import { SwitchyardError } from '../errors.js'
import { MAX_WEIGHT, ServerRecord, WEIGHT_SCALE, isSaturated, type ServerSpec } from '../server.js'
import type { Random } from '../types.js'
import { algorithmTraits, createBalancer, type AlgorithmTraits } from './registry.js'
import type {
  AdminState,
  BalanceConfig,
  Balancer,
  BalancerContext,
  OperationalState,
  PickRequest,
  ServerView,
} from './types.js'

/** How a farm balances. */
export interface FarmOptions {
  /** The algorithm and its settings. HAProxy: `balance`, `hash-type`, `hash-balance-factor`. */
  readonly balance: BalanceConfig
  /** Balance over all usable backups instead of only the first one. HAProxy: `option allbackups`. @default false */
  readonly allbackups?: boolean | undefined
  /** Random source for `random`. */
  readonly random: Random
  /**
   * Effective maxconn of a server now (0 = unlimited). The queueing layer
   * supplies the dynamic limit of minconn/fullconn and slow start.
   * @default the server's static `maxconn`
   */
  readonly limitOf?: ((server: ServerView) => number) | undefined
}

/** The servers of one backend and the choice among them. */
export class Farm {
  readonly #balance: BalanceConfig
  readonly #allbackups: boolean
  readonly #context: BalancerContext
  readonly #limitOf: (server: ServerView) => number
  readonly #servers: ServerRecord[] = []
  readonly #byName = new Map<string, ServerRecord>()
  readonly #ids = new Set<number>()
  #nextIndex = 0
  /** GCD of the non-zero configured weights (0 while there are none). */
  #gcd = 0
  #divisor = 1
  #active: Balancer | undefined
  #backup: Balancer | undefined
  #activeUsable = 0
  #backupUsable = 0
  #firstBackup: ServerRecord | undefined
  #served = 0
  readonly #traits: AlgorithmTraits

  constructor(options: FarmOptions) {
    this.#balance = options.balance
    this.#allbackups = options.allbackups ?? false
    this.#traits = algorithmTraits(options.balance)
    const limitOf = options.limitOf ?? ((server: ServerView) => server.maxconn)
    this.#limitOf = limitOf
    this.#context = {
      random: options.random,
      limitOf,
      backendServed: () => this.#served,
      staticDivisor: () => this.#divisor,
    }
  }

  /** All servers in declaration order. */
  get servers(): readonly ServerView[] {
    return this.#servers
  }

  /** Requests in service over all servers. */
  get served(): number {
    return this.#served
  }

  /** Usable active servers (HAProxy stats `act`). */
  get activeUsable(): number {
    return this.#activeUsable
  }

  /** Usable backup servers (HAProxy stats `bck`). */
  get backupUsable(): number {
    return this.#backupUsable
  }

  /** True when weight changes other than 0 or the configured weight are allowed (dynamic algorithm). */
  get dynamic(): boolean {
    return this.#traits.dynamic
  }

  /** True when some server can take balanced traffic (HAProxy: the backend is UP). */
  hasUsable(): boolean {
    return this.#activeUsable > 0 || this.#backupUsable > 0
  }

  /**
   * True when `server` belongs to the group that takes balanced traffic now
   * (§2.0 step 5): a usable active server; or, while no active server is
   * usable, a usable backup that is the first one or any one with `allbackups`.
   * Only such a server takes requests from the backend queue (§3.5).
   */
  inCurrentGroup(server: ServerView): boolean {
    if (!server.usable) return false
    if (!server.backup) return true
    return this.#activeUsable === 0 && (this.#allbackups || server === this.#firstBackup)
  }

  /** Effective maxconn of `server` now (0 = unlimited). */
  limitOf(server: ServerView): number {
    return this.#limitOf(server)
  }

  /** True when `server` has maxconn and is full or has a queue. */
  isSaturated(server: ServerView): boolean {
    return isSaturated(server, this.#limitOf(server))
  }

  /** True when the algorithm skips saturated servers (false for hashing, whose requests queue on the hashed server). */
  get skipsSaturated(): boolean {
    return this.#traits.skipsSaturated
  }

  /** The server named `name`, if any. */
  get(name: string): ServerView | undefined {
    return this.#byName.get(name)
  }

  /**
   * Adds a server. Its id defaults to its declaration position (the number of
   * servers added so far plus one, skipping ids in use).
   * @throws {SwitchyardError} SWY_ERR_DUPLICATE_SERVER for a name or id in use
   */
  add(spec: ServerSpec): ServerView {
    if (this.#byName.has(spec.name)) {
      throw new SwitchyardError('SWY_ERR_DUPLICATE_SERVER', `Server "${spec.name}" already exists`, { server: spec.name })
    }
    let id = spec.id
    if (id === undefined) {
      id = this.#servers.length + 1
      while (this.#ids.has(id)) id++
    } else if (this.#ids.has(id)) {
      throw new SwitchyardError('SWY_ERR_DUPLICATE_SERVER', `Server id ${id} is already used (server "${spec.name}")`, { server: spec.name, id })
    }
    const server = new ServerRecord(spec, this.#nextIndex++, id)
    server.usable = false
    this.#servers.push(server)
    this.#byName.set(server.name, server)
    this.#ids.add(id)
    // O(1) per server added: a farm of n servers builds in O(n), not O(n²).
    this.#setGcd(gcd(this.#gcd, server.initialWeight))
    this.#refresh(server)
    return server
  }

  /**
   * Removes a server from balancing and from the farm. Requests holding its
   * slots may still release them; nothing new goes to it.
   * @throws {SwitchyardError} SWY_ERR_UNKNOWN_SERVER
   */
  remove(name: string): ServerView {
    const server = this.#require(name)
    if (server.usable) this.#leave(server)
    this.#servers.splice(this.#servers.indexOf(server), 1)
    this.#byName.delete(name)
    this.#ids.delete(server.id)
    let g = 0
    for (const s of this.#servers) g = gcd(g, s.initialWeight)
    this.#setGcd(g)
    return server
  }

  /**
   * Sets the user weight. With a static algorithm only 0 and the configured
   * weight are accepted. A weight of 0 takes the server out of balancing
   * (persistence still reaches it).
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION
   */
  setWeight(server: ServerView, weight: number): void {
    const record = this.#own(server)
    if (!Number.isInteger(weight) || weight < 0 || weight > MAX_WEIGHT) {
      throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected \`weight\` to be an integer 0..${MAX_WEIGHT}, got \`${String(weight)}\``, { field: 'weight', value: weight })
    }
    if (!this.dynamic && weight !== 0 && weight !== record.initialWeight) {
      throw new SwitchyardError(
        'SWY_ERR_INVALID_OPTION',
        `Backend uses a static algorithm (${this.#traits.name}): weight can only be 0 or the configured ${record.initialWeight}, got ${weight}`,
        { field: 'weight', value: weight },
      )
    }
    if (record.weight === weight) return
    record.weight = weight
    record.eweight = weight * record.scale
    this.#refresh(record, true)
  }

  /**
   * Sets the slow-start multiplier (1..16 sixteenths of the weight) of a
   * dynamic algorithm's effective weight. HAProxy: `slowstart`.
   */
  setWeightScale(server: ServerView, scale: number): void {
    const record = this.#own(server)
    const clamped = Math.min(WEIGHT_SCALE, Math.max(1, Math.floor(scale)))
    if (clamped === record.scale) return
    record.scale = clamped
    record.eweight = record.weight * clamped
    this.#refresh(record, true)
  }

  /** Sets the administrative state (ready / drain / maint). HAProxy: `set server state`. */
  setAdmin(server: ServerView, state: AdminState): void {
    const record = this.#own(server)
    record.admin = state
    this.#refresh(record)
  }

  /** Sets the operational state (from health checks). */
  setOperational(server: ServerView, state: OperationalState): void {
    const record = this.#own(server)
    record.operational = state
    this.#refresh(record)
  }

  /** Changes maxconn/minconn/maxqueue (normalised as at creation). HAProxy: `set maxconn server`. */
  setLimits(server: ServerView, limits: { maxconn?: number; minconn?: number; maxqueue?: number }): void {
    const record = this.#own(server)
    if (limits.maxconn !== undefined) {
      const wasStatic = record.minconn === record.maxconn
      record.maxconn = limits.maxconn
      if (wasStatic && limits.minconn === undefined) record.minconn = limits.maxconn
    }
    if (limits.minconn !== undefined) record.minconn = limits.minconn === 0 ? record.maxconn : limits.minconn
    if (record.minconn > record.maxconn) record.maxconn = record.minconn
    if (limits.maxqueue !== undefined) record.maxqueue = limits.maxqueue
  }

  /** A request took a slot on `server` (HAProxy server_take_conn). */
  take(server: ServerView): void {
    const record = server as ServerRecord
    record.served++
    this.#served++
    if (record.usable) this.#balancerOf(record)?.took?.(record)
  }

  /** A request released its slot on `server` (HAProxy server_drop_conn). */
  release(server: ServerView): void {
    const record = server as ServerRecord
    record.served--
    this.#served--
    if (record.usable) this.#balancerOf(record)?.dropped?.(record)
  }

  /** A request joined `server`'s own queue. */
  enqueued(server: ServerView): void {
    const record = server as ServerRecord
    record.queued++
    if (record.usable) this.#balancerOf(record)?.took?.(record)
  }

  /** A request left `server`'s own queue. */
  dequeued(server: ServerView): void {
    const record = server as ServerRecord
    record.queued--
    if (record.usable) this.#balancerOf(record)?.dropped?.(record)
  }

  /**
   * Runs the algorithm over the current group (§2.0 steps 5–6): the active
   * servers if one is usable, else all usable backups with `allbackups`, else
   * the first usable backup. Returns `undefined` when nothing is usable or
   * when every candidate is saturated (the caller queues on the backend).
   */
  pick(request: PickRequest): ServerView | undefined {
    if (this.#activeUsable > 0) return this.#group(false).pick(request)
    if (this.#backupUsable === 0) return undefined
    if (this.#allbackups) return this.#group(true).pick(request)
    const first = this.#firstBackup!
    if (this.skipsSaturated && this.isSaturated(first)) return undefined
    return first
  }

  /** Balancer of `record`'s group if it is built and used for that group. */
  #balancerOf(record: ServerRecord): Balancer | undefined {
    return record.backup ? (this.#allbackups ? this.#backup : undefined) : this.#active
  }

  /** The balancer of a group, built on first use over its usable servers in declaration order. */
  #group(backup: boolean): Balancer {
    let balancer = backup ? this.#backup : this.#active
    if (balancer === undefined) {
      const members = this.#servers.filter((s) => s.usable && s.backup === backup)
      balancer = createBalancer(members, this.#balance, this.#context)
      if (backup) this.#backup = balancer
      else this.#active = balancer
    }
    return balancer
  }

  /** Recomputes usability and tells the right balancer. */
  #refresh(record: ServerRecord, weightChanged = false): void {
    const usable = record.computeUsable()
    if (usable === record.usable) {
      if (usable && weightChanged) this.#balancerOf(record)?.weightChanged(record)
      return
    }
    if (usable) this.#join(record)
    else this.#leave(record)
  }

  #join(record: ServerRecord): void {
    record.usable = true
    if (record.backup) {
      this.#backupUsable++
      if (this.#firstBackup === undefined || record.index < this.#firstBackup.index) this.#firstBackup = record
    } else {
      this.#activeUsable++
    }
    this.#balancerOf(record)?.add(record)
  }

  #leave(record: ServerRecord): void {
    record.usable = false
    if (record.backup) {
      this.#backupUsable--
      if (this.#firstBackup === record) this.#firstBackup = this.#servers.find((s) => s.backup && s.usable)
    } else {
      this.#activeUsable--
    }
    this.#balancerOf(record)?.remove(record)
  }

  /** Records the GCD of the non-zero configured weights; a change invalidates static tables. */
  #setGcd(g: number): void {
    this.#gcd = g
    const divisor = g === 0 ? 1 : g
    if (divisor !== this.#divisor) {
      this.#divisor = divisor
      // Static tables depend on the divisor; let them rebuild from scratch.
      if (this.#active !== undefined && !this.#active.dynamic) this.#active = undefined
      if (this.#backup !== undefined && !this.#backup.dynamic) this.#backup = undefined
    }
  }

  #require(name: string): ServerRecord {
    const server = this.#byName.get(name)
    if (server === undefined) throw new SwitchyardError('SWY_ERR_UNKNOWN_SERVER', `No server named "${name}"`, { server: name })
    return server
  }

  #own(server: ServerView): ServerRecord {
    const record = this.#byName.get(server.name)
    if (record !== server) throw new SwitchyardError('SWY_ERR_UNKNOWN_SERVER', `Server "${server.name}" does not belong to this farm`, { server: server.name })
    return record
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}
