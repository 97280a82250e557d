/**
 * Input option types of the HTTP adapters and the functions that apply the
 * defaults of `options/defaults.ts`. No validation happens here: the public
 * boundary validates (zod) and then calls these, or builds the resolved
 * objects itself.
 */
import {
  DEFAULT_BUFFER_SIZE,
  DEFAULT_FORWARDFOR_HEADER,
  DEFAULT_MAX_HEADERS,
  DEFAULT_ORIGINALTO_HEADER,
  DEFAULT_REDISPATCH,
  DEFAULT_RETRIES,
  DEFAULT_RETRY_ON,
  DEFAULT_TIMEOUT_CLIENT,
  DEFAULT_TIMEOUT_CONNECT,
  DEFAULT_TIMEOUT_HTTP_KEEP_ALIVE,
  DEFAULT_TIMEOUT_HTTP_REQUEST,
  DEFAULT_TIMEOUT_SERVER,
  DEFAULT_TIMEOUT_TUNNEL,
  DEFAULT_UPSTREAM_IDLE_TIMEOUT,
} from '../options/defaults.js'
import type {
  BackendTimeouts,
  ErrorPages,
  ForwardForOptions,
  FrontendTimeouts,
  OriginalToOptions,
  ResolvedHttpBackendOptions,
  ResolvedHttpFrontendOptions,
  ResolvedServerTransport,
  RetryOnKeyword,
  ServerTransportOptions,
} from './types.js'

/** Backend options for HTTP mode as a user writes them; see {@link ResolvedHttpBackendOptions} for each field. */
export interface HttpBackendOptions {
  readonly timeouts?: Partial<BackendTimeouts> | undefined
  readonly retries?: number | undefined
  /** `true` = HAProxy `option redispatch` (−1, the last retry); `false` = off; a number = the interval. */
  readonly redispatch?: boolean | number | undefined
  readonly retryOn?: readonly RetryOnKeyword[] | undefined
  readonly retryNonIdempotent?: boolean | undefined
  readonly bufferSize?: number | undefined
  /** `true` = HAProxy `option forwardfor` with its defaults. */
  readonly forwardFor?: boolean | ForwardForOptions | undefined
  /** `true` = HAProxy `option originalto` with its defaults. */
  readonly originalTo?: boolean | OriginalToOptions | undefined
  readonly forwardedProto?: boolean | undefined
  readonly forwardedHost?: boolean | undefined
  readonly idleTimeout?: number | undefined
  /** Transport defaults for every server (HAProxy `default-server`). */
  readonly server?: ServerTransportOptions | undefined
  readonly errorPages?: ErrorPages | undefined
}

/** Frontend options as a user writes them; see {@link ResolvedHttpFrontendOptions}. */
export interface HttpFrontendOptions {
  readonly timeouts?: Partial<FrontendTimeouts> | undefined
  readonly monitorUri?: string | undefined
  readonly maxHeaders?: number | undefined
  readonly abortOnClose?: boolean | undefined
  readonly errorPages?: ErrorPages | undefined
}

/** Transport defaults: plain HTTP, certificates verified, OS-chosen source address. */
export const DEFAULT_SERVER_TRANSPORT: ResolvedServerTransport = Object.freeze({
  ssl: false,
  verify: 'required',
  ca: undefined,
  sni: undefined,
  source: undefined,
})

/** Applies server transport options over `base` (the backend's `server` defaults). */
export function resolveServerTransport(input: ServerTransportOptions = {}, base: ResolvedServerTransport = DEFAULT_SERVER_TRANSPORT): ResolvedServerTransport {
  return {
    ssl: input.ssl ?? base.ssl,
    verify: input.verify ?? base.verify,
    ca: input.ca ?? base.ca,
    sni: input.sni ?? base.sni,
    source: input.source ?? base.source,
  }
}

/** Fills every default of an HTTP backend. */
export function resolveHttpBackendOptions(input: HttpBackendOptions = {}): ResolvedHttpBackendOptions {
  const ff = input.forwardFor ?? false
  const ot = input.originalTo ?? false
  const redispatch = input.redispatch ?? DEFAULT_REDISPATCH
  return {
    timeouts: {
      connect: input.timeouts?.connect ?? DEFAULT_TIMEOUT_CONNECT,
      server: input.timeouts?.server ?? DEFAULT_TIMEOUT_SERVER,
      tunnel: input.timeouts?.tunnel ?? DEFAULT_TIMEOUT_TUNNEL,
    },
    retries: input.retries ?? DEFAULT_RETRIES,
    redispatch: redispatch === true ? -1 : redispatch === false ? 0 : redispatch,
    retryOn: input.retryOn ?? DEFAULT_RETRY_ON,
    retryNonIdempotent: input.retryNonIdempotent ?? false,
    bufferSize: input.bufferSize ?? DEFAULT_BUFFER_SIZE,
    forwardFor:
      ff === false ? false : { header: (ff === true ? undefined : ff.header) ?? DEFAULT_FORWARDFOR_HEADER, except: (ff === true ? undefined : ff.except) ?? [], ifNone: (ff === true ? undefined : ff.ifNone) ?? false },
    originalTo: ot === false ? false : { header: (ot === true ? undefined : ot.header) ?? DEFAULT_ORIGINALTO_HEADER, except: (ot === true ? undefined : ot.except) ?? [] },
    forwardedProto: input.forwardedProto ?? false,
    forwardedHost: input.forwardedHost ?? false,
    idleTimeout: input.idleTimeout ?? DEFAULT_UPSTREAM_IDLE_TIMEOUT,
    server: resolveServerTransport(input.server),
    errorPages: input.errorPages ?? {},
  }
}

/** Fills every default of the handler's own options. */
export function resolveHttpFrontendOptions(input: HttpFrontendOptions = {}): ResolvedHttpFrontendOptions {
  return {
    timeouts: {
      client: input.timeouts?.client ?? DEFAULT_TIMEOUT_CLIENT,
      httpRequest: input.timeouts?.httpRequest ?? DEFAULT_TIMEOUT_HTTP_REQUEST,
      httpKeepAlive: input.timeouts?.httpKeepAlive ?? DEFAULT_TIMEOUT_HTTP_KEEP_ALIVE,
    },
    monitorUri: input.monitorUri,
    maxHeaders: input.maxHeaders ?? DEFAULT_MAX_HEADERS,
    abortOnClose: input.abortOnClose ?? true,
    errorPages: input.errorPages ?? {},
  }
}
