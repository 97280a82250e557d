/**
 * Cookie persistence on the HTTP path: the pure {@link CookiePersistence} of a
 * backend, the wall clock its cookie dates come from, and the backend's
 * cookie counters. The forwarder calls {@link HttpPersistence.request} before
 * admission, {@link HttpPersistence.redispatch} when persistence is broken, and
 * {@link HttpPersistence.response} on the server's response head.
 */
import type { ServerView } from '../balance/types.js'
import type { CookiePersistence } from '../persist/cookie.js'
import { redispatched } from '../persist/decide.js'
import { cookieLogFlags } from '../persist/response-cookies.js'
import type { PersistDecision, PersistRules, ResponseHeaders } from '../persist/types.js'
import type { PersistRuleResult } from '../rules/types.js'
import type { WallClock } from '../types.js'

/** Cookie persistence counters of one backend. */
export interface CookieCounters {
  /** Requests whose cookie pinned a server. */
  readonly hits: number
  /** Requests whose cookie pinned nothing: unknown value, expired, or its server down. */
  readonly misses: number
  /** Pinned requests sent elsewhere: full queue, failed connection, server gone (`option redispatch`). */
  readonly redispatches: number
}

const FORCE: PersistRules = Object.freeze({ forcePersist: true })
const IGNORE: PersistRules = Object.freeze({ ignorePersist: true })

/** Response headers the response step reads (others are not copied into its view). */
const READ: ReadonlySet<string> = new Set(['set-cookie', 'cache-control', 'pragma', 'expires', 'etag', 'last-modified'])

/**
 * Cookie persistence of one backend, as the HTTP adapters run it.
 *
 * HAProxy: `cookie`, `option persist`, `option redispatch`, `force-persist`, `ignore-persist`
 */
export class HttpPersistence {
  /** The pure persistence (policy, server values, dynamic cookies). */
  readonly cookies: CookiePersistence
  /** `option persist`: a cookie naming a DOWN or MAINT server still reaches it. */
  readonly persist: boolean
  readonly #wall: WallClock
  // Plain integers bumped on the request path: no allocation.
  #hits = 0
  #misses = 0
  #redispatches = 0

  constructor(cookies: CookiePersistence, wallClock: WallClock, persist: boolean) {
    this.cookies = cookies
    this.#wall = wallClock
    this.persist = persist
  }

  /**
   * The request step: decides the pinned server and counts a hit or a miss.
   * @param rule the request rules' `force-persist` / `ignore-persist` result, if any.
   */
  request(cookie: string | undefined, method: string, rule?: PersistRuleResult): PersistDecision {
    const decision = this.cookies.request(cookie, method, this.#wall.now(), rule === undefined ? undefined : rule === 'force' ? FORCE : IGNORE)
    const outcome = decision.outcome
    if (outcome === 'hit') this.#hits++
    else if (outcome === 'miss') this.#misses++
    return decision
  }

  /** Persistence was broken and the request got a lease on `server`: counts it, returns the new decision. */
  redispatch(decision: PersistDecision, server: ServerView): PersistDecision {
    this.#redispatches++
    return redispatched(decision, server)
  }

  /**
   * The response step on a flat `[name, value, …]` header list (lower-case
   * names), changed in place: the `Set-Cookie` lines are replaced when the
   * decision says so (moved after the other headers, in their order), and
   * `cache-control: private` is appended for `nocache`. Returns the two log flags.
   */
  response(decision: PersistDecision, server: ServerView, status: number, headers: string[]): string {
    const result = this.cookies.response(decision, server, status, headerView(headers), this.#wall.now())
    if (result.setCookieChanged) {
      removeHeader(headers, 'set-cookie')
      // setCookie is defined whenever setCookieChanged is set.
      for (const line of result.setCookie!) headers.push('set-cookie', line)
    }
    if (result.cacheControlPrivate) headers.push('cache-control', 'private')
    return result.logFlags
  }

  /** A snapshot of the counters. */
  counters(): CookieCounters {
    return { hits: this.#hits, misses: this.#misses, redispatches: this.#redispatches }
  }
}

/** Log flags of a request no server answered (a generated answer): the request flag, response `N`. */
export function unansweredFlags(decision: PersistDecision): string {
  const flag = decision.requestFlag
  return cookieLogFlags(flag, flag === '-' ? '-' : 'N')
}

/**
 * Replaces every `cookie` field of a flat request header list by one field with
 * `value`, or by none when `value` is `undefined`.
 */
export function replaceCookieHeader(headers: string[], value: string | undefined): void {
  removeHeader(headers, 'cookie')
  if (value !== undefined) headers.push('cookie', value)
}

/** Removes every field called `name` from a flat header list, keeping the others in order. */
function removeHeader(headers: string[], name: string): void {
  let w = 0
  for (let r = 0; r < headers.length; r += 2) {
    if (headers[r] === name) continue
    headers[w] = headers[r]!
    headers[w + 1] = headers[r + 1]!
    w += 2
  }
  headers.length = w
}

/** The headers the response step reads, as node:http would give them (repeated fields as arrays). */
function headerView(headers: readonly string[]): ResponseHeaders {
  let view: Record<string, string | string[]> | undefined
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!
    if (!READ.has(name)) continue
    view ??= {}
    const value = headers[i + 1]!
    const seen = view[name]
    if (seen === undefined) view[name] = name === 'set-cookie' ? [value] : value
    else if (typeof seen === 'string') view[name] = [seen, value]
    else seen.push(value)
  }
  return view ?? NO_HEADERS
}

/** The view of a response without any header the response step reads (shared: no allocation). */
const NO_HEADERS: ResponseHeaders = Object.freeze({})
