/**
 * Cookie persistence for one backend, ready to wire into a request path: the
 * policy, the servers' cookie values (explicit or dynamic), and the two calls
 * a proxy makes — {@link CookiePersistence.request} before balancing and
 * {@link CookiePersistence.response} on the server's response. Pure: time is
 * passed in, nothing is read from globals.
 */
import type { ServerView } from '../balance/types.js'
import { CookieIndex } from './cookie-index.js'
import { decidePersistence } from './decide.js'
import { dynamicCookie } from './dynamic-cookie.js'
import { readRequestCookies } from './request-cookies.js'
import { applyResponseCookies } from './response-cookies.js'
import type {
  CookiePolicy,
  CookieResponse,
  CookieServerLookup,
  PersistDecision,
  PersistOptions,
  PersistRules,
  RequestCookies,
  ResponseHeaders,
} from './types.js'

/**
 * Cookie persistence of one backend.
 *
 * @example
 * ```ts
 * const persistence = new CookiePersistence(createCookiePolicy({ name: 'SERVERID', mode: 'insert', indirect: true }), { redispatch: true })
 * persistence.setServer(a, 'A')
 * // before balancing:
 * const decision = persistence.request(req.headers.cookie, req.method, Date.now())
 * // … pin decision.server or balance; forward decision.cookies.rewrittenHeader when rewritten …
 * const res = persistence.response(decision, server, upstream.statusCode, upstream.headers, Date.now())
 * ```
 *
 * HAProxy: `cookie`, server `cookie`, `dynamic-cookie-key`, `option persist`, `option redispatch`
 */
export class CookiePersistence {
  #policy: CookiePolicy
  readonly #options: PersistOptions
  readonly #index = new CookieIndex()
  /** Explicit values from the configuration (HAProxy SRV_F_COOKIESET); absent → dynamic. */
  readonly #explicit = new Map<ServerView, string | undefined>()
  /** Decisions for the shared no-cookie request results (at most three): no allocation per request. */
  readonly #plain = new Map<RequestCookies, PersistDecision>()

  constructor(policy: CookiePolicy, options: PersistOptions = {}) {
    this.#policy = policy
    this.#options = { persist: options.persist === true, redispatch: options.redispatch === true }
  }

  /** The policy in force (replaced by the dynamic-cookie setters). */
  get policy(): CookiePolicy {
    return this.#policy
  }

  /** The cookie value → servers lookup. */
  get lookup(): CookieServerLookup {
    return this.#index
  }

  /**
   * Registers a server (call in declaration order), or updates it after its
   * address changed. Its value is `cookie` when given; otherwise, with dynamic
   * cookies enabled and a key set, the value derived from its address; else
   * none (the server is never chosen by a cookie, and clients it serves in
   * insert mode get a deletion cookie). Returns the value in force.
   *
   * HAProxy: server `cookie <value>`, `cookie … dynamic`
   */
  setServer(server: ServerView, cookie?: string): string | undefined {
    this.#explicit.set(server, cookie)
    return this.#refresh(server)
  }

  /** Forgets a removed server. */
  removeServer(server: ServerView): void {
    this.#explicit.delete(server)
    this.#index.delete(server)
  }

  /** The cookie value of `server` (explicit or dynamic), or `undefined`. */
  cookieOf(server: ServerView): string | undefined {
    return this.#index.valueOf(server)
  }

  /**
   * Changes the dynamic-cookie secret and recomputes the values of servers
   * without an explicit one.
   *
   * HAProxy: `set dynamic-cookie-key backend <backend> <value>`
   */
  setDynamicCookieKey(key: string | undefined): void {
    this.#policy = Object.freeze({ ...this.#policy, dynamicKey: key })
    this.#refreshAll()
  }

  /**
   * Enables or disables dynamic cookies; disabling clears the values of
   * servers without an explicit one.
   *
   * HAProxy: `enable dynamic-cookie backend <backend>`, `disable dynamic-cookie backend <backend>`
   */
  setDynamicCookies(enabled: boolean): void {
    this.#policy = Object.freeze({ ...this.#policy, dynamic: enabled })
    this.#refreshAll()
  }

  /**
   * Before balancing: reads the `Cookie` header once and decides the pinned
   * server. Pin `decision.server` when set; send
   * `decision.cookies.rewrittenHeader` upstream instead of the received header
   * when `decision.cookies.rewritten` (`undefined` = no Cookie header).
   *
   * @param cookie The request's `Cookie` header value(s).
   * @param method The request method (case-sensitive).
   * @param now Unix time in milliseconds (wall clock).
   * @param rules `force-persist` / `ignore-persist` / `use-server` results for this request.
   */
  request(cookie: string | readonly string[] | undefined, method: string, now: number, rules?: PersistRules): PersistDecision {
    const cookies = readRequestCookies(cookie, this.#policy, method, now)
    const plainRules = rules === undefined || (rules.forcePersist !== true && rules.ignorePersist !== true && rules.assigned !== true)
    if (!plainRules || cookies.occurrences.length > 0 || cookies.rewritten) {
      return decidePersistence(this.#policy, cookies, this.#index, this.#options, rules)
    }
    // A shared no-cookie result: its decision is always the same.
    let decision = this.#plain.get(cookies)
    if (decision === undefined) {
      decision = Object.freeze(decidePersistence(this.#policy, cookies, this.#index, this.#options))
      this.#plain.set(cookies, decision)
    }
    return decision
  }

  /**
   * On the server's response: what to do to its `Set-Cookie` headers and
   * whether to append `Cache-control: private`, with the log flags.
   *
   * @param decision The request's decision (after `redispatched()` if persistence was broken).
   * @param server The server that answered, `undefined` for a response the proxy generated.
   * @param status The response status.
   * @param headers The response headers, lower-case names (node:http `IncomingMessage.headers`).
   * @param now Unix time in milliseconds (wall clock).
   */
  response(decision: PersistDecision, server: ServerView | undefined, status: number, headers: ResponseHeaders, now: number): CookieResponse {
    const serverCookie = server === undefined ? undefined : this.#index.valueOf(server)
    return applyResponseCookies(this.#policy, decision, { server, serverCookie, status, headers }, now)
  }

  #refresh(server: ServerView): string | undefined {
    const policy = this.#policy
    let value = this.#explicit.get(server)
    if (value === undefined && policy.dynamic && policy.dynamicKey !== undefined) {
      value = dynamicCookie(policy.dynamicKey, server.address)
    }
    this.#index.set(server, value)
    return value
  }

  #refreshAll(): void {
    for (const server of this.#index.servers()) this.#refresh(server)
  }
}
