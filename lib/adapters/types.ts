/**
 * Type-only vocabulary of the HTTP adapters: the narrow port a backend offers
 * them ({@link LeaseSource}) and the resolved (validated, defaulted) options
 * they run with. Defaults live in `options/defaults.ts`; `resolve.ts` fills them.
 */
import type { AcquireRequest, Admission, Lease } from '../queue/types.js'

/**
 * What the HTTP adapters need from a backend: admission of a request onto one
 * server, and whether any server could take traffic now.
 *
 * The real `Backend` implements it; tests use a small round-robin fixture.
 */
export interface LeaseSource {
  /** Backend name, used in logs. */
  readonly name: string
  /**
   * Admits a request: resolves with a lease on one server, possibly after waiting in a queue.
   * Rejects with a `SwitchyardError` (`SWY_ERR_NO_SERVER`, `SWY_ERR_QUEUE_FULL`,
   * `SWY_ERR_QUEUE_TIMEOUT`, `SWY_ERR_CLOSED`) or with `request.signal.reason` when aborted.
   */
  acquire(request: AcquireRequest): Promise<Lease>
  /**
   * Optional synchronous fast path (`Backend.tryAcquire`): `ok` holds a lease; `queued`
   * reserves nothing (the adapter then calls {@link acquire} to wait); `full`, `nosrv`
   * and `closed` are final refusals, answered 503 without calling `acquire`. Saves a
   * promise and an `AbortSignal` per request on an unsaturated backend.
   */
  tryAcquire?(request: AcquireRequest): Admission
  /** True while at least one server may take balanced traffic (HAProxy `nbsrv(be) > 0`); used by `monitor-uri`. */
  hasUsableServer(): boolean
  /**
   * Optional: true when a retry should always move to another server because more than
   * one active server is usable and the algorithm is not hash-based (HAProxy
   * `stream_choose_redispatch`, fourth rule). Absent = false.
   */
  redispatchEveryRetry?(): boolean
}

/**
 * One `retry-on` keyword (HAProxy 2.6 list plus 429):
 * - `conn-failure`: the connection could not be established (nothing was sent);
 * - `empty-response`: the server closed the connection before sending any response byte;
 * - `junk-response`: the response was invalid or incomplete before its headers ended;
 * - `response-timeout`: `timeout server` struck before the response headers;
 * - a status code: the server answered with it.
 */
export type RetryOnKeyword =
  | 'conn-failure'
  | 'empty-response'
  | 'junk-response'
  | 'response-timeout'
  | 401
  | 403
  | 404
  | 408
  | 425
  | 429
  | 500
  | 501
  | 502
  | 503
  | 504

/** TLS verification of a server certificate. HAProxy: server `verify none|required`. */
export type TlsVerify = 'none' | 'required'

/** PEM certificate authorities: one string/Buffer or several. */
export type PemInput = string | Buffer | readonly (string | Buffer)[]

/**
 * Per-server transport options (HAProxy server keywords; backend-level values act
 * like `default-server`). Input form: every field optional.
 */
export interface ServerTransportOptions {
  /** Speak TLS to the server even for an `http://` address. An `https://` address implies it. HAProxy: `ssl`. @default false */
  readonly ssl?: boolean | undefined
  /** Verify the server certificate against `ca` (or Node's bundled CAs). HAProxy: `verify`. @default 'required' */
  readonly verify?: TlsVerify | undefined
  /** Trusted CAs, PEM contents (not a file path). HAProxy: `ca-file`. @default Node's bundled CAs */
  readonly ca?: PemInput | undefined
  /** TLS server name (SNI) sent to the server. HAProxy: `sni` (a fixed string here). @default the address host name when it is not an IP */
  readonly sni?: string | undefined
  /** Local address outgoing connections bind to (e.g. to spread ephemeral ports over several IPs). HAProxy: `source`. @default the OS choice */
  readonly source?: string | undefined
}

/** {@link ServerTransportOptions} with every default applied. */
export interface ResolvedServerTransport {
  readonly ssl: boolean
  readonly verify: TlsVerify
  readonly ca: PemInput | undefined
  readonly sni: string | undefined
  readonly source: string | undefined
}

/** HAProxy `option forwardfor` as switchyard takes it. */
export interface ForwardForOptions {
  /** Header name (lower case on the wire). @default 'x-forwarded-for' */
  readonly header?: string | undefined
  /** Networks (CIDR or single address, IPv4 or IPv6) whose clients get no header. HAProxy: `except`. @default [] */
  readonly except?: readonly string[] | undefined
  /** Add the header only when the request has none. HAProxy: `if-none`. @default false */
  readonly ifNone?: boolean | undefined
}

/** {@link ForwardForOptions} resolved. */
export interface ResolvedForwardFor {
  readonly header: string
  readonly except: readonly string[]
  readonly ifNone: boolean
}

/** HAProxy `option originalto`: the address the client connected to. */
export interface OriginalToOptions {
  /** Header name. @default 'x-original-to' */
  readonly header?: string | undefined
  /** Destination networks for which no header is added. @default [] */
  readonly except?: readonly string[] | undefined
}

/** {@link OriginalToOptions} resolved. */
export interface ResolvedOriginalTo {
  readonly header: string
  readonly except: readonly string[]
}

/** Statuses switchyard generates itself, whose answer can be replaced (HAProxy `errorfile`); 200 is the monitor answer. */
export type ErrorStatus = 200 | 400 | 403 | 408 | 431 | 500 | 502 | 503 | 504

/** A replacement answer for a generated status (HAProxy `errorfile`, without the raw status line). */
export interface ErrorPage {
  /** The body, sent as is. */
  readonly body: string | Buffer
  /** @default 'text/html' */
  readonly contentType?: string | undefined
  /** Extra headers (names are sent in lower case). */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** Replacement answers by status; a string is a body with the default content type. */
export type ErrorPages = Partial<Readonly<Record<ErrorStatus, ErrorPage | string>>>

/** A generated answer, pre-encoded once: flat `[name, value, …]` headers (content-length included) and body bytes. */
export interface ResolvedErrorPage {
  readonly status: ErrorStatus
  readonly headers: readonly string[]
  readonly body: Buffer
}

/** Backend-side timeouts in milliseconds, 0 = none. */
export interface BackendTimeouts {
  /** HAProxy `timeout connect`. @default 5000 */
  readonly connect: number
  /** HAProxy `timeout server`. @default 50000 */
  readonly server: number
  /** HAProxy `timeout tunnel`. @default 3600000 */
  readonly tunnel: number
}

/**
 * Everything the HTTP adapters need to know about one backend, resolved.
 * `timeout queue`, `maxconn` and balancing belong to the backend itself.
 */
export interface ResolvedHttpBackendOptions {
  readonly timeouts: BackendTimeouts
  /** HAProxy `retries`. @default 3 */
  readonly retries: number
  /**
   * HAProxy `option redispatch <interval>`: 0 = off, −1 = on the last retry (plain
   * `option redispatch`), P > 0 = every P-th retry, N < −1 = every (retries + 1 + N)-th.
   * @default 0
   */
  readonly redispatch: number
  /** HAProxy `retry-on`. @default ['conn-failure'] */
  readonly retryOn: readonly RetryOnKeyword[]
  /**
   * Also replay non-idempotent requests (POST, PATCH…) on layer-7 retries. HAProxy
   * ignores idempotency; switchyard does not replay them unless this is set.
   * HAProxy: the absence of `http-request disable-l7-retry if METH_POST`. @default false
   */
  readonly retryNonIdempotent: boolean
  /** Largest request body kept for a replay, bytes. HAProxy: `tune.bufsize`. @default 16384 */
  readonly bufferSize: number
  /** HAProxy `option forwardfor`; `false` = off. @default false */
  readonly forwardFor: ResolvedForwardFor | false
  /** HAProxy `option originalto`; `false` = off. @default false */
  readonly originalTo: ResolvedOriginalTo | false
  /** Set `X-Forwarded-Proto` (`http`/`https`, replacing any client value). @default false */
  readonly forwardedProto: boolean
  /** Set `X-Forwarded-Host` to the request's Host (replacing any client value). @default false */
  readonly forwardedHost: boolean
  /** Idle time of pooled server connections, below the servers' own keep-alive timeout. @default 4000 */
  readonly idleTimeout: number
  /** Transport defaults for every server of the backend (HAProxy `default-server`). */
  readonly server: ResolvedServerTransport
  /** Replacement answers for this backend's errors; falls back to the handler's, then the built-in ones. */
  readonly errorPages: ErrorPages
}

/** Frontend (client-side) timeouts in milliseconds, 0 = none. */
export interface FrontendTimeouts {
  /** HAProxy `timeout client`. @default 50000 */
  readonly client: number
  /** HAProxy `timeout http-request`, applied by {@link applyServerTimeouts}. @default 10000 */
  readonly httpRequest: number
  /** HAProxy `timeout http-keep-alive`, applied by {@link applyServerTimeouts}. @default 5000 */
  readonly httpKeepAlive: number
}

/** The handler's own (frontend) options, resolved. */
export interface ResolvedHttpFrontendOptions {
  readonly timeouts: FrontendTimeouts
  /** HAProxy `monitor-uri`: a path answered by switchyard itself; `undefined` = none. @default undefined */
  readonly monitorUri: string | undefined
  /** Request header lines accepted before 431. @default 100 */
  readonly maxHeaders: number
  /**
   * Remove a request from its queue as soon as the client closes its connection
   * (HAProxy `option abortonclose`, default on for HTTP since 3.3). @default true
   */
  readonly abortOnClose: boolean
  /** Replacement answers for errors raised before a backend was chosen (and defaults for backends). */
  readonly errorPages: ErrorPages
}

/**
 * Termination state, four characters like HAProxy's HTTP logs (§8.3): what ended
 * the stream, in which phase, then the two cookie persistence flags (request cookie,
 * response cookie: e.g. `NI`, `VN`, `DI`; `--` when the backend has no logged cookie).
 */
export type TerminationState = string

/** One request, for the log hook: HAProxy's HTTP log fields. */
export interface HttpLogEntry {
  /** Client IP address and port. */
  readonly clientAddress: string
  readonly clientPort: number
  /** Backend name, `<NOBACKEND>` when none matched. */
  readonly backend: string
  /** Server name, `<NOSRV>` when none was assigned. */
  readonly server: string
  readonly method: string
  /** Request target as received. */
  readonly uri: string
  /** HTTP version of the request, e.g. `1.1` (HAProxy logs it in the request line). */
  readonly httpVersion: string
  /** Time to route the request (the headers were already parsed by Node), ms. */
  readonly Tq: number
  /** Time waiting in queues and turn-around delays, ms; −1 if never queued for a server. */
  readonly Tw: number
  /** Time to connect to the server (last attempt), ms; −1 if never connected. */
  readonly Tc: number
  /** Time from the request being sent to the response headers, ms; −1 if none arrived. */
  readonly Tr: number
  /** Total time until the client connection finished this response, ms. */
  readonly Tt: number
  /** Status sent to the client; −1 when none was sent. */
  readonly status: number
  /** Request body bytes read from the client. */
  readonly bytesIn: number
  /** Response body bytes written to the client. */
  readonly bytesOut: number
  /** HAProxy termination state, e.g. `----`, `SC--`, `sH--`, `CD--`, `--NI`, `SCVN`. */
  readonly termination: TerminationState
  /** Retries performed (connection and layer-7). */
  readonly retries: number
  /** True when at least one retry moved to another server (HAProxy logs `+retries`). */
  readonly redispatched: boolean
}

/** The log hook: called once per request after it ended. Must not throw (exceptions are swallowed). */
export type HttpLogger = (entry: HttpLogEntry) => void
