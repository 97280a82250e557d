/**
 * Type-only vocabulary of request rules: the request view rules read, the
 * conditions (HAProxy ACLs), the request and response rules (HAProxy
 * `http-request` / `http-response` actions), and the verdict the HTTP layer
 * applies.
 */
import type { StickTable, StickTableOptions } from './stick-table.js'

/** Header fields with lower-case names; node:http's `IncomingHttpHeaders` fits. */
export type RuleHeaders = Readonly<Record<string, string | readonly string[] | undefined>>

/**
 * What rules look at. An object literal built from an `IncomingMessage` fits:
 * `{ method: req.method, url: target, headers: req.headers, source: req.socket.remoteAddress }`.
 */
export interface RuleRequest {
  /** The method as received. */
  readonly method: string
  /**
   * The origin-form target as it will be forwarded (path, then `?query`):
   * rules must decide on the same (normalised) path the server receives.
   */
  readonly url: string
  /** Header fields with lower-case names. */
  readonly headers: RuleHeaders
  /** The connection's peer address (`socket.remoteAddress`), IPv4, IPv6 or IPv4-mapped. */
  readonly source: string
  /** True when the client connection is TLS. HAProxy: `ssl_fc`. @default false */
  readonly secure?: boolean | undefined
}

/**
 * How a string sample is compared with the pattern values (any value may match).
 * - `exact`: equal (HAProxy `-m str`)
 * - `prefix`: starts with (`-m beg`)
 * - `suffix`: ends with (`-m end`)
 * - `substring`: contains (`-m sub`)
 * - `domain`: contains the value as whole dot/slash-delimited words (`-m dom`)
 * - `regex`: the regular expression matches somewhere (`-m reg`; anchor with `^…$`)
 */
export type StringMatch =
  | {
      readonly op: 'exact' | 'prefix' | 'suffix' | 'substring' | 'domain'
      readonly values: string | readonly string[]
      /** ASCII case-insensitive comparison. HAProxy: `-i`. @default false */
      readonly ignoreCase?: boolean | undefined
    }
  | {
      readonly op: 'regex'
      /** Sources or RegExp objects (their `g` and `y` flags are dropped). */
      readonly values: string | RegExp | readonly (string | RegExp)[]
      /** Adds the `i` flag. HAProxy: `-i`. @default false */
      readonly ignoreCase?: boolean | undefined
    }

/** An integer comparison (HAProxy integer ACL operators and ranges). */
export type IntCompare =
  | { readonly op: 'eq' | 'lt' | 'le' | 'gt' | 'ge'; readonly value: number }
  /** `min ≤ sample ≤ max`; leave a bound out for an open range (HAProxy `1:5`, `:5`, `5:`). */
  | { readonly op: 'range'; readonly min?: number | undefined; readonly max?: number | undefined }

/** Stick-table counters a condition can read. */
export type CounterName = 'conn_cur' | 'http_req_cnt' | 'http_req_rate' | 'http_err_cnt' | 'http_err_rate'

/** A stick-counter slot (HAProxy `sc0`, `sc1`, `sc2`). */
export type CounterSlot = 0 | 1 | 2

/**
 * A condition on a request (HAProxy ACL). Leaves read one piece of the
 * request; `and`/`or`/`not` combine; `acl` refers to a named condition of
 * {@link RuleSetOptions.acls}. A sample that is missing (no such header,
 * cookie, parameter, untracked counter) never matches, whatever the operator.
 */
export type Condition =
  /** HAProxy `TRUE` / `FALSE`. */
  | { readonly kind: 'always' }
  | { readonly kind: 'never' }
  /** A named condition of `acls`. HAProxy: an ACL name in a condition. */
  | { readonly kind: 'acl'; readonly name: string }
  | { readonly kind: 'and'; readonly all: readonly Condition[] }
  | { readonly kind: 'or'; readonly any: readonly Condition[] }
  | { readonly kind: 'not'; readonly condition: Condition }
  /** Client address in one of the networks (CIDR, dotted mask or single address; IPv4 and IPv6). HAProxy: `src`. */
  | { readonly kind: 'src'; readonly networks: string | readonly string[] }
  /** The path (target before `?`). HAProxy: `path`, `path_beg`, `path_end`, `path_sub`, `path_reg`, `path_dom`. */
  | { readonly kind: 'path'; readonly match: StringMatch }
  /** The whole target (path and query). HAProxy: `url`, `url_beg`, `url_reg`, … */
  | { readonly kind: 'url'; readonly match: StringMatch }
  /**
   * The Host header, compared case-insensitively without a trailing dot. A value
   * with a port (`example.com:8080`) compares with the header as sent; a value
   * without one compares with the header's host part, so `example.com` matches
   * `Example.com:8080` too. HAProxy: `hdr(host) -i` (which always compares the whole value).
   */
  | { readonly kind: 'host'; readonly values: string | readonly string[] }
  /**
   * A request header: present (no `match`), or one of its values matches. Values
   * are split on commas outside quotes unless `full`. HAProxy: `hdr(<name>)`,
   * `hdr_beg`, `hdr_end`, `hdr_sub`, `hdr_reg`, `hdr_dom`, `req.fhdr` (`full`), `-m found`.
   */
  | { readonly kind: 'header'; readonly name: string; readonly match?: StringMatch | undefined; readonly full?: boolean | undefined }
  /** Number of values of a request header (comma-separated values count separately). HAProxy: `hdr_cnt(<name>)`. */
  | { readonly kind: 'header-count'; readonly name: string; readonly compare: IntCompare }
  /** The method is one of these (case-sensitive unless `ignoreCase`). HAProxy: `method`. */
  | { readonly kind: 'method'; readonly methods: string | readonly string[]; readonly ignoreCase?: boolean | undefined }
  /** A query parameter (`name=value`, any occurrence): present, or its raw value matches. HAProxy: `url_param(<name>)`. */
  | { readonly kind: 'param'; readonly name: string; readonly match?: StringMatch | undefined }
  /** A request cookie (any occurrence): present, or its value matches. HAProxy: `req.cook(<name>)`. */
  | { readonly kind: 'cookie'; readonly name: string; readonly match?: StringMatch | undefined }
  /** Usable servers of a backend. HAProxy: `nbsrv(<backend>)`. */
  | { readonly kind: 'nbsrv'; readonly backend: string; readonly compare: IntCompare }
  /** A counter of the entry tracked in a slot by a `track` rule. HAProxy: `sc_<counter>(<slot>)`, `sc<slot>_<counter>`. */
  | { readonly kind: 'counter'; readonly slot: CounterSlot; readonly counter: CounterName; readonly compare: IntCompare }
  /** The client connection is TLS. HAProxy: `ssl_fc`. */
  | { readonly kind: 'secure' }
  /** Response status (response rules only). HAProxy: `status`. */
  | { readonly kind: 'status'; readonly compare: IntCompare }
  /** A response header (response rules only), as `header`. HAProxy: `res.hdr(<name>)`, `res.fhdr`. */
  | { readonly kind: 'response-header'; readonly name: string; readonly match?: StringMatch | undefined; readonly full?: boolean | undefined }
  /** Any other test (a throw propagates out of `evaluate`). */
  | { readonly kind: 'predicate'; readonly test: (request: RuleRequest) => boolean }

/**
 * A header value or redirect target: a literal string, or an HAProxy
 * log-format string where `%[fetch]` inserts a sample (`src`, `path`,
 * `query`, `url`, `method`, `hdr(<name>)`, `url_param(<name>)`,
 * `req.cook(<name>)`, `status`, `res.hdr(<name>)`, `sc_<counter>(<slot>)`,
 * `nbsrv(<backend>)`) and `%%` a percent sign.
 */
export type ValueFormat = string | { readonly format: string }

/** When a rule applies: both given must hold (`if` holds and `unless` does not); none means always. */
export interface RuleGuard {
  readonly if?: Condition | undefined
  readonly unless?: Condition | undefined
}

/** Local reply settings shared by `deny`, `tarpit` and `return`. */
export interface ReplyOptions {
  /** Reply body; without it the HTTP layer sends its error page for the status. */
  readonly body?: string | undefined
  /** Content type of `body`. @default 'text/plain' when a body is given */
  readonly contentType?: string | undefined
  /** Extra reply headers. HAProxy: `hdr <name> <fmt>`. */
  readonly headers?: Readonly<Record<string, ValueFormat>> | undefined
}

/** What a `track` rule keys its entry on. */
export type TrackKey =
  /** The client address (after trusted proxies). HAProxy: `src`. */
  | 'src'
  /** The last value of a request header. HAProxy: `hdr(<name>)`. */
  | { readonly header: string }
  /** The value of a cookie. HAProxy: `req.cook(<name>)`. */
  | { readonly cookie: string }
  /** The value of a query parameter. HAProxy: `url_param(<name>)`. */
  | { readonly param: string }

/** One request rule (HAProxy `http-request <action> … [if|unless <cond>]`), evaluated in order. */
export type RequestRule = RuleGuard &
  (
    /** Stop evaluating request rules; the request goes on. HAProxy: `allow`. */
    | { readonly action: 'allow' }
    /**
     * Answer locally and stop. A 429 gets a `Retry-After` header: `retryAfter`
     * seconds when given, else the time until the rate counters in the condition
     * fall back under their threshold (docs/rules.md), else 1.
     * HAProxy: `deny [deny_status <code>]` (403).
     */
    | ({ readonly action: 'deny'; readonly status?: number | undefined; readonly retryAfter?: number | undefined } & ReplyOptions)
    /** Hold the request for `tarpitTimeout`, then answer `status` (500). HAProxy: `tarpit`. */
    | ({ readonly action: 'tarpit'; readonly status?: number | undefined } & ReplyOptions)
    /**
     * Answer with a redirect and stop. `location`: the value as is; `prefix`: the
     * value then the path and query (`/` alone keeps the path relative);
     * `scheme`: `<scheme>://<host><path>?<query>`.
     * HAProxy: `redirect location|prefix|scheme <x> [code <c>] [drop-query] [append-slash]`.
     */
    | {
        readonly action: 'redirect'
        readonly type: 'location' | 'prefix' | 'scheme'
        readonly value: ValueFormat
        /** @default 302 */
        readonly code?: 301 | 302 | 303 | 307 | 308 | undefined
        /** Leave the query string out (prefix and scheme). @default false */
        readonly dropQuery?: boolean | undefined
        /** Add `/` to a path that does not end with one (prefix and scheme). @default false */
        readonly appendSlash?: boolean | undefined
      }
    /** Answer locally and stop. HAProxy: `return [status <c>] [content-type <t>] [string <s>] [hdr <n> <v>]`. */
    | ({ readonly action: 'return'; readonly status?: number | undefined } & ReplyOptions)
    /** Replace every value of a header with one value. HAProxy: `set-header`. */
    | { readonly action: 'set-header'; readonly name: string; readonly value: ValueFormat }
    /** Add one header line. HAProxy: `add-header`. */
    | { readonly action: 'add-header'; readonly name: string; readonly value: ValueFormat }
    /** Remove a header. HAProxy: `del-header`. */
    | { readonly action: 'del-header'; readonly name: string }
    /**
     * When the path matches `regex`, the path becomes `replacement` with `\1`…`\9`
     * replaced by the groups (the whole path is replaced, as HAProxy does; the
     * query string stays). HAProxy: `replace-path <regex> <fmt>`.
     */
    | { readonly action: 'replace-path'; readonly regex: string | RegExp; readonly replacement: string }
    /** Set the path (the query string stays). HAProxy: `set-path <fmt>`. */
    | { readonly action: 'set-path'; readonly value: ValueFormat }
    /** Queue priority class, clamped to −2047…2047 (lower is served first). HAProxy: `set-priority-class`. */
    | { readonly action: 'set-priority-class'; readonly value: number }
    /** Queue priority offset in milliseconds, clamped to ±524287. HAProxy: `set-priority-offset`. */
    | { readonly action: 'set-priority-offset'; readonly value: number }
    /** Route to a backend; the first matching `use-backend` wins and evaluation goes on. HAProxy: `use_backend`. */
    | { readonly action: 'use-backend'; readonly backend: string }
    /**
     * Track the request in a stick table under a stick-counter slot (the first
     * track of a slot wins). Counts the request and one in-flight request.
     * HAProxy: `track-sc<slot> <key> [table <table>]`.
     */
    | { readonly action: 'track'; readonly slot?: CounterSlot | undefined; readonly key: TrackKey; readonly table?: string | undefined }
    /**
     * Follow the persistence cookie even to a DOWN or MAINT server, keep the
     * request in that server's queue when it goes down, and never redispatch it.
     * The first matching `force-persist` / `ignore-persist` rule decides
     * ({@link RequestVerdict.persist}); evaluation goes on. Like `use-backend`,
     * it still runs after an `allow` stopped the other rules.
     * HAProxy: `force-persist { if | unless } <cond>` (backend keyword).
     */
    | { readonly action: 'force-persist' }
    /**
     * Ignore the persistence cookie: balance the request, and insert no cookie
     * in its response. The first matching persistence rule decides; evaluation
     * goes on, also after an `allow`.
     * HAProxy: `ignore-persist { if | unless } <cond>` (backend keyword).
     */
    | { readonly action: 'ignore-persist' }
  )

/** What the first matching `force-persist` / `ignore-persist` rule decided for a request. */
export type PersistRuleResult = 'force' | 'ignore'

/** One response rule (HAProxy `http-response <action> … [if|unless <cond>]`), evaluated in order. */
export type ResponseRule = RuleGuard &
  (
    | { readonly action: 'allow' }
    | { readonly action: 'set-header'; readonly name: string; readonly value: ValueFormat }
    | { readonly action: 'add-header'; readonly name: string; readonly value: ValueFormat }
    | { readonly action: 'del-header'; readonly name: string }
    /** Replace the status (100…999) and optionally its reason phrase. HAProxy: `set-status <code> [reason <str>]`. */
    | { readonly action: 'set-status'; readonly status: number; readonly reason?: string | undefined }
  )

/** Live backend state for `nbsrv(<backend>)`, resolved once per name when rules are compiled. */
export interface BackendStateSource {
  /** A function returning the backend's usable server count, or `undefined` when no backend has this name. */
  usableServers(backend: string): (() => number) | undefined
}

/** Options of a {@link RuleSet}. */
export interface RuleSetOptions {
  /** Named conditions (HAProxy `acl <name> …`; several lines of one name are OR-ed). */
  readonly acls?: Readonly<Record<string, Condition>> | undefined
  /** `http-request` rules in order. */
  readonly request?: readonly RequestRule[] | undefined
  /** `http-response` rules in order. */
  readonly response?: readonly ResponseRule[] | undefined
  /** The backend when no `use-backend` rule matched. HAProxy: `default_backend`. */
  readonly defaultBackend?: string | undefined
  /** Stick tables by name (instances are shared; options create one). HAProxy: `stick-table`. */
  readonly tables?: Readonly<Record<string, StickTable | StickTableOptions>> | undefined
  /**
   * Proxies whose `X-Forwarded-For` is believed. When the peer is in these
   * networks, the client address rules see (and track) is the right-most
   * `X-Forwarded-For` entry that is not itself trusted. Without it, a client's
   * `X-Forwarded-For` never changes the address.
   * @default none
   */
  readonly trustedProxies?: string | readonly string[] | undefined
  /**
   * How long `tarpit` holds a request, in milliseconds.
   * @default 5000 (HAProxy falls back to `timeout connect`; pass it)
   * HAProxy: `timeout tarpit`.
   */
  readonly tarpitTimeout?: number | undefined
  /** Backend state for `nbsrv()` conditions. */
  readonly backends?: BackendStateSource | undefined
}

/** What the rules decided about a request. */
export type VerdictAction = 'continue' | 'deny' | 'tarpit' | 'redirect' | 'return'

/**
 * The outcome of {@link RuleSet.evaluate}: the HTTP layer answers locally when
 * `action` is not `continue`, else forwards to `backend` with `url`, the
 * header edits ({@link applyHeaderEdits}) and the queue priority.
 */
export interface RequestVerdict {
  readonly action: VerdictAction
  /** Status of a local reply (deny 403, tarpit 500, redirect 302, …); 0 for `continue`. */
  readonly status: number
  /** Body of a local reply; `undefined` means the error page for `status` (or empty for redirects). */
  readonly body: string | undefined
  /** Content type of `body`. */
  readonly contentType: string | undefined
  /** Headers of a local reply as a flat `[name, value, …]` list (`location`, `retry-after`, `hdr …`). */
  readonly replyHeaders: readonly string[] | undefined
  /** Milliseconds to hold a tarpitted request before answering; 0 otherwise. */
  readonly delay: number
  /** Backend chosen by `use-backend`, else `defaultBackend`, else `undefined`. */
  readonly backend: string | undefined
  /** Queue priority class, when a rule set one (feeds `AcquireRequest.priorityClass`). */
  readonly priorityClass: number | undefined
  /** Queue priority offset in ms, when a rule set one (feeds `AcquireRequest.priorityOffset`). */
  readonly priorityOffset: number | undefined
  /**
   * The first matching `force-persist` / `ignore-persist` rule's result, else
   * `undefined` (feeds the cookie persistence decision, `PersistRules`).
   */
  readonly persist: PersistRuleResult | undefined
  /** The target to forward: the request's, or the rewritten one. */
  readonly url: string
  /** True when `replace-path`/`set-path` changed `url`. */
  readonly urlChanged: boolean
  /** True when request header edits must be applied with {@link applyHeaderEdits}. */
  readonly headersChanged: boolean
  /**
   * Lower-case header names whose client lines must not be forwarded (for an HTTP
   * layer that applies the edits while copying `rawHeaders` instead of calling
   * {@link applyHeaderEdits}); `undefined` when none.
   */
  readonly dropHeaders: readonly string[] | undefined
  /** Header lines to append after the client's, flat `[name, value, …]`; `undefined` when none. */
  readonly addHeaders: readonly string[] | undefined
  /** The client address rules used (the peer, or from `X-Forwarded-For` behind trusted proxies), IPv4-mapped shown as IPv4. */
  readonly source: string
  /** Reason phrase set by a response `set-status`, if any. */
  readonly statusReason: string | undefined
}
