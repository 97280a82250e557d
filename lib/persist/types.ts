/**
 * Type-only vocabulary of cookie persistence (HAProxy `cookie` and the server
 * `cookie <value>` keyword). The codec is pure: it reads header strings, the
 * servers' states and a `now` passed in, and returns decisions; the HTTP layer
 * applies them. One flow per request:
 *
 * 1. {@link RequestCookies} — what the `Cookie` header carried (read once);
 * 2. {@link PersistDecision} — which server, if any, the cookie pins;
 * 3. {@link CookieResponse} — what to do to the response's `Set-Cookie`.
 */
import type { ServerView } from '../balance/types.js'

/**
 * How the persistence cookie is handled. `passive` is HAProxy's `cookie <name>`
 * without a mode keyword: requests carrying a server's value are persisted, the
 * response is left alone.
 *
 * HAProxy: `cookie <name> [rewrite|insert|prefix]`
 */
export type CookieMode = 'insert' | 'prefix' | 'rewrite' | 'passive'

/**
 * A validated cookie persistence configuration (one per backend). Create it
 * with `createCookiePolicy()`, which fills the defaults and rejects what
 * HAProxy rejects.
 *
 * HAProxy: `cookie <name> [rewrite|insert|prefix] [indirect] [nocache] [postonly] [preserve] [httponly] [secure] [domain <d>]* [maxidle <t>] [maxlife <t>] [dynamic] [attr <v>]*`
 */
export interface CookiePolicy {
  /** Cookie name, compared case-sensitively. HAProxy: `cookie <name>`. */
  readonly name: string
  /** @default 'passive' */
  readonly mode: CookieMode
  /** Insert: strip the cookie from requests and do not re-send it to a client that has the right one. HAProxy: `indirect`. @default false */
  readonly indirect: boolean
  /** Append `Cache-control: private` to cacheable responses that get a cookie. HAProxy: `nocache`. @default false */
  readonly nocache: boolean
  /** Insert only on responses to POST requests. HAProxy: `postonly`. @default false */
  readonly postonly: boolean
  /** Leave a server's own `Set-Cookie` with our name untouched (and insert nothing then). HAProxy: `preserve`. @default false */
  readonly preserve: boolean
  /** Add `HttpOnly` to the inserted cookie. HAProxy: `httponly`. @default false */
  readonly httponly: boolean
  /** Add `Secure` to the inserted cookie. HAProxy: `secure`. @default false */
  readonly secure: boolean
  /** One `domain=` attribute each, in order. HAProxy: `domain <d>` (repeatable). @default [] */
  readonly domains: readonly string[]
  /** Extra attributes appended verbatim, in order (e.g. `SameSite=Lax`). HAProxy: `attr <v>` (repeatable). @default [] */
  readonly attrs: readonly string[]
  /** Idle limit in milliseconds (whole seconds count), 0 = off. Adds a last-seen date to inserted cookies. HAProxy: `maxidle`. @default 0 */
  readonly maxidle: number
  /** Lifetime limit in milliseconds (whole seconds count), 0 = off. Adds a first-seen date to inserted cookies. HAProxy: `maxlife`. @default 0 */
  readonly maxlife: number
  /** Servers without an explicit value get one derived from {@link dynamicKey} and their address. HAProxy: `dynamic`. @default false */
  readonly dynamic: boolean
  /** Secret of dynamic cookies. HAProxy: `dynamic-cookie-key`. @default undefined */
  readonly dynamicKey: string | undefined
}

/** What `createCookiePolicy()` accepts: the name, and any other field of {@link CookiePolicy}. */
export type CookiePolicyOptions = { readonly name: string } & {
  readonly [K in Exclude<keyof CookiePolicy, 'name'>]?: CookiePolicy[K] | undefined
}

/**
 * The request-cookie log character (3rd of HAProxy's 4-character termination
 * state): `N` none, `I` invalid, `D` server down, `V` valid and used, `E`
 * expired (maxidle), `O` too old (maxlife), `U` present but unused (another
 * rule chose the server or `ignore-persist`), `-` persistence not logged.
 */
export type RequestCookieFlag = 'N' | 'I' | 'D' | 'V' | 'E' | 'O' | 'U' | '-'

/**
 * The response-cookie log character (4th of the termination state): `N` none,
 * `P` the server's cookie passed as is, `D` deleted, `I` inserted, `R`
 * rewritten (rewrite/prefix), `U` date updated, `-` persistence not logged.
 */
export type ResponseCookieFlag = 'N' | 'P' | 'D' | 'I' | 'R' | 'U' | '-'

/** One persistence cookie found in a request (a request may carry several). */
export interface CookieOccurrence {
  /** The server part of the value: before the first `|` (dates), or before the first `~` in prefix mode. May be empty. */
  readonly value: string
  /** Last-seen date carried by this occurrence, Unix milliseconds (a multiple of 4 s), when valid. */
  readonly lastSeen: number | undefined
  /** First-seen date carried by this occurrence, Unix milliseconds, when valid. */
  readonly firstSeen: number | undefined
  /** Set when the cookie is rejected as too old (`maxlife`) or idle too long (`maxidle`); it is then treated as absent. */
  readonly expired: 'maxidle' | 'maxlife' | undefined
}

/** What the request's `Cookie` header(s) carried, and what to forward upstream. */
export interface RequestCookies {
  /** Every occurrence of the persistence cookie, in header order (usually zero or one). */
  readonly occurrences: readonly CookieOccurrence[]
  /** The first occurrence, if any. */
  readonly found: CookieOccurrence | undefined
  /**
   * Last-seen date kept for the response, Unix milliseconds. HAProxy keeps one
   * date per request: the last valid one parsed, cleared when an occurrence expires.
   */
  readonly lastSeen: number | undefined
  /** First-seen date kept for the response (same rule as {@link lastSeen}); re-used when the cookie is refreshed. */
  readonly firstSeen: number | undefined
  /** True when the `Cookie` header sent upstream must differ from the one received. */
  readonly rewritten: boolean
  /**
   * Only meaningful when {@link rewritten}: the header to send upstream instead —
   * a string for a string input, the remaining lines for an array input — or
   * `undefined` to send no `Cookie` header at all.
   */
  readonly rewrittenHeader: string | readonly string[] | undefined
  /** The request method was POST (for `postonly`). */
  readonly post: boolean
  /** The request method was GET, HEAD, OPTIONS or TRACE (HAProxy's cacheable methods, for `nocache`). */
  readonly cacheableMethod: boolean
}

/** Looks servers up by cookie value: every server with that value, in declaration order. */
export interface CookieServerLookup {
  /** Servers whose cookie value is exactly `value`, in declaration order, or `undefined`. */
  serversFor(value: string): readonly ServerView[] | undefined
}

/** Backend-wide options that change persistence. */
export interface PersistOptions {
  /** Send requests to a DOWN or MAINT server named by their cookie anyway. HAProxy: `option persist`. @default false */
  readonly persist?: boolean | undefined
  /** Persistence may be broken when the pinned server fails or its queue is full. HAProxy: `option redispatch`. @default false */
  readonly redispatch?: boolean | undefined
}

/** Per-request rule results evaluated by the caller before persistence. */
export interface PersistRules {
  /** HAProxy: `force-persist if <cond>` matched — follow the cookie even to a DOWN server, never redispatch. */
  readonly forcePersist?: boolean | undefined
  /** HAProxy: `ignore-persist if <cond>` matched — ignore the cookie, balance, and insert no cookie. */
  readonly ignorePersist?: boolean | undefined
  /** Another rule already chose the server (HAProxy `use-server`): the cookie is unused (`U`) and the request counts as direct. */
  readonly assigned?: boolean | undefined
}

/** What persistence did for a request: counters and log fields come from here. */
export type PersistOutcome =
  /** No persistence cookie. */
  | 'none'
  /** The cookie pinned a server ({@link PersistDecision.server}). */
  | 'hit'
  /** A cookie was present but pinned nothing: invalid, expired, or its server is down. */
  | 'miss'
  /** A cookie was present but ignored (`ignore-persist`, or a server was already assigned). */
  | 'unused'

/** The persistence decision for one request, taken before balancing. */
export interface PersistDecision {
  /** The server the cookie pins, or `undefined`: balance normally. May be DOWN with `persist` or `force-persist`. */
  readonly server: ServerView | undefined
  /** The request was directed (HAProxy SF_DIRECT): no cookie is inserted on the response unless its dates need a refresh. */
  readonly direct: boolean
  /** What happened, for the cookie hit/miss counters. */
  readonly outcome: PersistOutcome
  /** The request-cookie log character. */
  readonly requestFlag: RequestCookieFlag
  /** Persistence was dropped after the decision (failed connection, full queue): see `redispatched()`. */
  readonly redispatched: boolean
  /**
   * The caller may break persistence when the connection fails or the server's
   * queue is full (`maxqueue`): `option redispatch` without `force-persist`.
   */
  readonly mayRedispatch: boolean
  /**
   * A request queued on its server may be moved (balanced again) when that server
   * goes DOWN, drains or enters maintenance: `option redispatch` without
   * `option persist` and without `force-persist` (HAProxy `pendconn_redistribute`).
   */
  readonly mayRedistribute: boolean
  /** `ignore-persist` matched. */
  readonly ignorePersist: boolean
  /** `force-persist` matched. */
  readonly forcePersist: boolean
  /** What the request carried; the response step reads its dates and method. */
  readonly cookies: RequestCookies
}

/** Response headers as node:http gives them: lower-case names, `set-cookie` as an array. */
export type ResponseHeaders = Readonly<Record<string, string | readonly string[] | undefined>>

/** The facts about a server response that the response step needs. */
export interface CookieResponseInput {
  /** The server that produced the response; `undefined` when none did (then nothing is inserted). */
  readonly server: ServerView | undefined
  /** That server's cookie value (explicit or dynamic); `undefined` when it has none. */
  readonly serverCookie: string | undefined
  /** Response status; 1xx other than 101 are left alone. */
  readonly status: number
  /** Response headers: `set-cookie`, and for `nocache` `cache-control`, `pragma`, `expires`, `etag`, `last-modified`. */
  readonly headers: ResponseHeaders
}

/** What to do to a response. */
export interface CookieResponse {
  /** True when the response's `Set-Cookie` list must be replaced by {@link setCookie}. */
  readonly setCookieChanged: boolean
  /** Only meaningful when {@link setCookieChanged}: the complete `Set-Cookie` list to send (may be empty). */
  readonly setCookie: readonly string[] | undefined
  /** The `Set-Cookie` value inserted by the balancer (also last in {@link setCookie}), if any. */
  readonly inserted: string | undefined
  /** Append a separate `Cache-control: private` header (existing Cache-Control headers stay). */
  readonly cacheControlPrivate: boolean
  /** The response-cookie log character. */
  readonly responseFlag: ResponseCookieFlag
  /** HAProxy's two persistence characters of the termination state, e.g. `NI`, `VN`, `DI`, `--`. */
  readonly logFlags: string
}
