/**
 * A backend as the HTTP adapters use it: the {@link LeaseSource} that admits
 * requests, the backend's resolved HTTP options compiled once, and one
 * keep-alive pool per server, created on first use.
 */
import type { ServerView } from '../balance/types.js'
import { compileOwnPages, type ErrorPageTable } from './error-pages.js'
import { compileForwarding, type Forwarding } from './forwarded.js'
import type { HttpPersistence } from './persistence.js'
import { resolveHttpBackendOptions, resolveServerTransport, type HttpBackendOptions } from './resolve.js'
import { compileRetryPolicy, type RetryPolicy } from './retry-policy.js'
import type { LeaseSource, ResolvedHttpBackendOptions, ResolvedServerTransport, ServerTransportOptions } from './types.js'
import { Upstream } from './upstream.js'

/** One backend of the HTTP handler. */
export class HttpBackend {
  /** The admission port. */
  readonly source: LeaseSource
  /** The resolved options. */
  readonly options: ResolvedHttpBackendOptions
  /** Forwarding headers, compiled. */
  readonly forwarding: Forwarding
  /** Retry policy, compiled. */
  readonly retry: RetryPolicy
  /** This backend's own error pages (handler pages apply to the other statuses). */
  readonly pages: Partial<ErrorPageTable>
  /** Cookie persistence, when the backend has a `cookie` (set by `addBackend`). HAProxy: `cookie`. */
  persistence: HttpPersistence | undefined = undefined
  readonly #transports = new Map<string, ResolvedServerTransport>()
  readonly #upstreams = new Map<string, Upstream>()

  /**
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an invalid `except` network or error page header.
   */
  constructor(source: LeaseSource, options: ResolvedHttpBackendOptions) {
    this.source = source
    this.options = options
    this.forwarding = compileForwarding(options)
    this.retry = compileRetryPolicy(options)
    this.pages = compileOwnPages(options.errorPages)
  }

  /** Backend name (the lease source's). */
  get name(): string {
    return this.source.name
  }

  /**
   * Sets a server's transport options (TLS, SNI, source address) over the backend's
   * `server` defaults. Takes effect for new connections: the server's pool is closed
   * (gracefully) and rebuilt on the next request.
   */
  setServerTransport(serverName: string, options: ServerTransportOptions): void {
    this.#transports.set(serverName, resolveServerTransport(options, this.options.server))
    void this.#drop(serverName)
  }

  /** Forgets a server: its pool is closed once its in-flight requests finished. */
  removeServer(serverName: string): Promise<void> {
    this.#transports.delete(serverName)
    return this.#drop(serverName)
  }

  /**
   * The pool of `server`, created on first use, and again when its address or
   * `maxconn` changed (the pool opens at most `maxconn` connections; the old pool
   * closes once its requests finished).
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION when the server address cannot be used.
   */
  upstream(server: ServerView): Upstream {
    const existing = this.#upstreams.get(server.name)
    if (existing !== undefined && existing.address === server.address && existing.connections === server.maxconn) return existing
    if (existing !== undefined) void existing.close()
    const upstream = new Upstream(server.address, {
      transport: this.#transports.get(server.name) ?? this.options.server,
      connectTimeout: this.options.timeouts.connect,
      idleTimeout: this.options.idleTimeout,
      connections: server.maxconn,
    })
    this.#upstreams.set(server.name, upstream)
    return upstream
  }

  /** Closes every pool (in-flight requests finish first). */
  async close(): Promise<void> {
    const all = [...this.#upstreams.values()]
    this.#upstreams.clear()
    await Promise.all(all.map((u) => u.close()))
  }

  #drop(serverName: string): Promise<void> {
    const existing = this.#upstreams.get(serverName)
    this.#upstreams.delete(serverName)
    return existing === undefined ? Promise.resolve() : existing.close()
  }
}

/**
 * Creates an HTTP backend over a lease source. `options` may also be an already
 * resolved object (resolving is idempotent).
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for invalid networks or error pages.
 */
export function createHttpBackend(source: LeaseSource, options: HttpBackendOptions = {}): HttpBackend {
  return new HttpBackend(source, resolveHttpBackendOptions(options))
}
