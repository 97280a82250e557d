/**
 * Per-client counters, like HAProxy's stick tables: a bounded table of entries
 * keyed by client address (or a header or cookie value), each holding the
 * counters the rules read (`sc_http_req_rate(0) gt 10`).
 *
 * How entries live and die:
 * - `track(key, now)` finds or creates the entry, counts the request
 *   (`http_req_cnt`, `http_req_rate`), increments `conn_cur` and holds a
 *   reference; `release(entry, …)` decrements `conn_cur`, drops the
 *   reference and counts an error when the response was one.
 * - Every track or release pushes the entry's expiry to `now + expire` and
 *   makes it the most recently used. An entry past its expiry with no request
 *   in flight is gone: a later `track` of the same key starts from zero.
 * - When the table holds `size` entries, creating one first removes expired
 *   entries from the least recently used end, then the least recently used
 *   entry without a request in flight (counted in `evictions`). When every
 *   entry has requests in flight, the request is not tracked (counted in
 *   `failed`), as HAProxy does when it cannot make room.
 *
 * Entries form a doubly linked list in use order next to a `Map`, so lookups,
 * touches and evictions are O(1) and allocate nothing after the entry exists.
 * Pure: time is the caller's `now` in milliseconds.
 *
 * HAProxy: `stick-table type ip|string size <n> [expire <t>] store conn_cur,http_req_cnt,http_req_rate(<p>),http_err_cnt,http_err_rate(<p>)`.
 */
import { SwitchyardError } from '../errors.js'
import { createFreqCtr, readFreqCtr, updateFreqCtr, type FreqCtr } from './freq-ctr.js'

/** Options of a {@link StickTable}. */
export interface StickTableOptions {
  /**
   * What keys are: `ip` (client addresses; an IPv4-mapped IPv6 address is
   * stored as IPv4) or `string` (header or cookie values, cut to `keyLength`).
   * @default 'ip'
   * HAProxy: `type ip|ipv6|string`.
   */
  readonly type?: 'ip' | 'string' | undefined
  /** Maximum number of entries (at least 1). HAProxy: `size`. */
  readonly size: number
  /**
   * Milliseconds an entry lives after its last use; 0 means entries only
   * leave when the table is full.
   * @default 0
   * HAProxy: `expire`.
   */
  readonly expire?: number | undefined
  /**
   * String keys longer than this are cut (so keys sharing that prefix share an entry).
   * @default 32
   * HAProxy: `type string len <n>`.
   */
  readonly keyLength?: number | undefined
  /** Period in milliseconds of `http_req_rate`; the rate is not kept without it. HAProxy: `store http_req_rate(<period>)`. */
  readonly httpReqRate?: number | undefined
  /** Period in milliseconds of `http_err_rate`; the rate is not kept without it. HAProxy: `store http_err_rate(<period>)`. */
  readonly httpErrRate?: number | undefined
}

/** Counters of one entry, as a snapshot. */
export interface StickEntryStats {
  readonly key: string
  /** Requests in flight. HAProxy: `conn_cur`. */
  readonly connCur: number
  /** Requests counted. HAProxy: `http_req_cnt`. */
  readonly httpReqCnt: number
  /** Error responses counted (4xx, denials). HAProxy: `http_err_cnt`. */
  readonly httpErrCnt: number
  /** Requests per `httpReqRate` period, or −1 when not kept. HAProxy: `http_req_rate`. */
  readonly httpReqRate: number
  /** Errors per `httpErrRate` period, or −1 when not kept. HAProxy: `http_err_rate`. */
  readonly httpErrRate: number
  /** Milliseconds until the entry expires (0 without `expire`). */
  readonly expiresIn: number
}

/** Table-wide figures. */
export interface StickTableStats {
  readonly size: number
  /** Entries currently stored (some may be expired but not yet removed). */
  readonly entries: number
  /** Entries with requests in flight. */
  readonly inUse: number
  /** Live entries removed to make room. */
  readonly evictions: number
  /** Expired entries removed or restarted. */
  readonly expired: number
  /** Requests not tracked because every entry had requests in flight. */
  readonly failed: number
}

/**
 * One tracked key. Fields are public for the rule evaluator in this folder;
 * outside code reads {@link StickTable.get} snapshots.
 */
export class StickEntry {
  readonly table: StickTable
  key: string
  /** Expiry time in ms, or Infinity. */
  expiresAt = Infinity
  /** Requests holding this entry (never evicted or expired while > 0). */
  refs = 0
  connCur = 0
  httpReqCnt = 0
  httpErrCnt = 0
  readonly reqRate: FreqCtr | undefined
  readonly errRate: FreqCtr | undefined
  /** Use order: towards the least recently used end. */
  older: StickEntry | undefined = undefined
  /** Use order: towards the most recently used end. */
  newer: StickEntry | undefined = undefined

  constructor(table: StickTable, key: string, now: number) {
    this.table = table
    this.key = key
    this.reqRate = table.httpReqRatePeriod > 0 ? createFreqCtr(now) : undefined
    this.errRate = table.httpErrRatePeriod > 0 ? createFreqCtr(now) : undefined
  }

  /** Zeroes the counters (an expired entry restarting). */
  reset(now: number): void {
    this.connCur = 0
    this.httpReqCnt = 0
    this.httpErrCnt = 0
    const r = this.reqRate
    if (r !== undefined) Object.assign(r, createFreqCtr(now))
    const e = this.errRate
    if (e !== undefined) Object.assign(e, createFreqCtr(now))
  }
}

function positiveInt(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected \`${field}\` to be an integer ≥ ${min}, got \`${String(value)}\``, { field, value })
  }
  return value
}

/** A bounded table of per-key counters with LRU eviction and expiry. */
export class StickTable {
  /** The name rules use (`table <name>`). */
  readonly name: string
  readonly type: 'ip' | 'string'
  readonly size: number
  readonly expire: number
  readonly keyLength: number
  /** 0 when `http_req_rate` is not kept. */
  readonly httpReqRatePeriod: number
  /** 0 when `http_err_rate` is not kept. */
  readonly httpErrRatePeriod: number
  readonly #map = new Map<string, StickEntry>()
  /** Least recently used end. */
  #oldest: StickEntry | undefined = undefined
  /** Most recently used end. */
  #newest: StickEntry | undefined = undefined
  #inUse = 0
  #evictions = 0
  #expired = 0
  #failed = 0

  /**
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for a size below 1, a
   *   negative expire, or a rate period below 1 ms, naming the field.
   */
  constructor(name: string, options: StickTableOptions) {
    this.name = name
    const type = options.type ?? 'ip'
    if (type !== 'ip' && type !== 'string') {
      throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected \`tables.${name}.type\` to be 'ip' or 'string', got \`${String(type)}\``, {
        field: `tables.${name}.type`,
        value: type,
      })
    }
    this.type = type
    this.size = positiveInt(options.size, `tables.${name}.size`, 1)
    this.expire = positiveInt(options.expire ?? 0, `tables.${name}.expire`, 0)
    this.keyLength = positiveInt(options.keyLength ?? 32, `tables.${name}.keyLength`, 1)
    this.httpReqRatePeriod = options.httpReqRate === undefined ? 0 : positiveInt(options.httpReqRate, `tables.${name}.httpReqRate`, 1)
    this.httpErrRatePeriod = options.httpErrRate === undefined ? 0 : positiveInt(options.httpErrRate, `tables.${name}.httpErrRate`, 1)
  }

  /** Cuts a string key to `keyLength` (ip keys are stored as given). */
  normalizeKey(key: string): string {
    return this.type === 'string' && key.length > this.keyLength ? key.slice(0, this.keyLength) : key
  }

  /**
   * Starts tracking one request for `key`: finds or creates the entry, counts
   * the request, holds a reference. Returns `undefined` when the table is full
   * of entries with requests in flight (the request goes untracked).
   * The caller must {@link release} the entry exactly once.
   */
  track(key: string, now: number): StickEntry | undefined {
    const k = this.normalizeKey(key)
    let entry = this.#map.get(k)
    if (entry !== undefined) {
      if (entry.refs === 0 && entry.expiresAt <= now) {
        this.#expired++
        entry.reset(now)
      }
      this.#unlink(entry)
    } else {
      if (this.#map.size >= this.size && !this.#makeRoom(now)) {
        this.#failed++
        return undefined
      }
      entry = new StickEntry(this, k, now)
      this.#map.set(k, entry)
    }
    this.#linkNewest(entry)
    if (entry.refs++ === 0) this.#inUse++
    entry.connCur++
    entry.httpReqCnt++
    if (entry.reqRate !== undefined) updateFreqCtr(entry.reqRate, this.httpReqRatePeriod, 1, now)
    entry.expiresAt = this.expire > 0 ? now + this.expire : Infinity
    return entry
  }

  /** Counts one error (a 4xx response or a denial) on a tracked entry. */
  countError(entry: StickEntry, now: number): void {
    entry.httpErrCnt++
    if (entry.errRate !== undefined) updateFreqCtr(entry.errRate, this.httpErrRatePeriod, 1, now)
  }

  /** Ends one tracked request: `conn_cur` and the reference drop, the expiry moves. */
  release(entry: StickEntry, now: number): void {
    // A release for an entry already gone (cleared table) is harmless.
    if (entry.refs === 0) return
    entry.connCur--
    if (--entry.refs === 0) this.#inUse--
    entry.expiresAt = this.expire > 0 ? now + this.expire : Infinity
    this.#unlink(entry)
    this.#linkNewest(entry)
  }

  /** Requests per period at `now` (−1 when not kept). HAProxy: `sc_http_req_rate`. */
  httpReqRate(entry: StickEntry, now: number): number {
    return entry.reqRate === undefined ? -1 : readFreqCtr(entry.reqRate, this.httpReqRatePeriod, now)
  }

  /** Errors per period at `now` (−1 when not kept). HAProxy: `sc_http_err_rate`. */
  httpErrRate(entry: StickEntry, now: number): number {
    return entry.errRate === undefined ? -1 : readFreqCtr(entry.errRate, this.httpErrRatePeriod, now)
  }

  /** A snapshot of the live entry for `key`, or `undefined`. Does not touch it. */
  get(key: string, now: number): StickEntryStats | undefined {
    const entry = this.#map.get(this.normalizeKey(key))
    if (entry === undefined || (entry.refs === 0 && entry.expiresAt <= now)) return undefined
    return this.#snapshot(entry, now)
  }

  /** Snapshots of the live entries, most recently used first. */
  entries(now: number): StickEntryStats[] {
    const out: StickEntryStats[] = []
    for (let e = this.#newest; e !== undefined; e = e.older) {
      if (e.refs > 0 || e.expiresAt > now) out.push(this.#snapshot(e, now))
    }
    return out
  }

  /** Removes every expired entry without requests in flight; returns how many. Call it from a timer to give memory back early. */
  purge(now: number): number {
    let removed = 0
    for (let e = this.#oldest; e !== undefined; ) {
      const next = e.newer
      if (e.refs === 0 && e.expiresAt <= now) {
        this.#remove(e)
        removed++
      }
      e = next
    }
    this.#expired += removed
    return removed
  }

  /** Removes every entry (requests in flight keep their entry objects; their release is then a no-op on the table). */
  clear(): void {
    for (let e = this.#oldest; e !== undefined; e = e.newer) e.refs = 0
    this.#map.clear()
    this.#oldest = undefined
    this.#newest = undefined
    this.#inUse = 0
  }

  /** Table-wide figures. */
  stats(): StickTableStats {
    return {
      size: this.size,
      entries: this.#map.size,
      inUse: this.#inUse,
      evictions: this.#evictions,
      expired: this.#expired,
      failed: this.#failed,
    }
  }

  #snapshot(e: StickEntry, now: number): StickEntryStats {
    return {
      key: e.key,
      connCur: e.connCur,
      httpReqCnt: e.httpReqCnt,
      httpErrCnt: e.httpErrCnt,
      httpReqRate: this.httpReqRate(e, now),
      httpErrRate: this.httpErrRate(e, now),
      expiresIn: e.expiresAt === Infinity ? 0 : Math.max(0, e.expiresAt - now),
    }
  }

  /**
   * Frees one slot: the oldest expired entries first, else the least recently
   * used entry without requests in flight. False when every entry is in use.
   */
  #makeRoom(now: number): boolean {
    let freed = false
    // Expired entries sit at the old end (a constant expire orders expiry like use).
    for (let e = this.#oldest; e !== undefined && e.expiresAt <= now; ) {
      const next = e.newer
      if (e.refs === 0) {
        this.#remove(e)
        this.#expired++
        freed = true
      }
      e = next
    }
    if (freed) return true
    for (let e = this.#oldest; e !== undefined; e = e.newer) {
      if (e.refs === 0) {
        this.#remove(e)
        this.#evictions++
        return true
      }
    }
    return false
  }

  #remove(e: StickEntry): void {
    this.#unlink(e)
    this.#map.delete(e.key)
  }

  #unlink(e: StickEntry): void {
    if (e.older !== undefined) e.older.newer = e.newer
    else if (this.#oldest === e) this.#oldest = e.newer
    if (e.newer !== undefined) e.newer.older = e.older
    else if (this.#newest === e) this.#newest = e.older
    e.older = undefined
    e.newer = undefined
  }

  #linkNewest(e: StickEntry): void {
    e.older = this.#newest
    e.newer = undefined
    if (this.#newest !== undefined) this.#newest.newer = e
    else this.#oldest = e
    this.#newest = e
  }
}
