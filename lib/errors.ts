/**
 * Stable error codes. Every error switchyard throws or rejects with is a
 * {@link SwitchyardError} carrying one of these codes and the HTTP status a
 * load balancer answers with. Codes are never renamed or reused; a retired code
 * stays listed in docs/errors.md.
 */

/** The code table: code → HTTP status and a one-line meaning. */
export const ERROR_CODES = {
  SWY_ERR_INVALID_OPTION: { status: 500, message: 'An option or argument is invalid' },
  SWY_ERR_DUPLICATE_BACKEND: { status: 500, message: 'A backend with this name already exists' },
  SWY_ERR_DUPLICATE_SERVER: { status: 500, message: 'A server with this name or id already exists in the backend' },
  SWY_ERR_UNKNOWN_BACKEND: { status: 500, message: 'No backend has this name' },
  SWY_ERR_UNKNOWN_SERVER: { status: 500, message: 'No server has this name in the backend' },
  SWY_ERR_UNKNOWN_ALGORITHM: { status: 500, message: 'No balancing algorithm has this name' },
  SWY_ERR_NO_SERVER: { status: 503, message: 'No server is available to handle this request' },
  SWY_ERR_QUEUE_FULL: { status: 503, message: 'The server queue is full (maxqueue reached)' },
  SWY_ERR_QUEUE_TIMEOUT: { status: 503, message: 'The request waited in the queue longer than timeout queue' },
  SWY_ERR_CONNECT_TIMEOUT: { status: 503, message: 'The connection to the server was not established within timeout connect' },
  SWY_ERR_CONNECT_FAILED: { status: 503, message: 'The connection to the server failed' },
  SWY_ERR_SERVER_TIMEOUT: { status: 504, message: 'The server did not answer within timeout server' },
  SWY_ERR_UPSTREAM: { status: 502, message: 'The server sent an invalid or incomplete response' },
  SWY_ERR_CLIENT_TIMEOUT: { status: 408, message: 'The client did not send a complete request in time' },
  SWY_ERR_CLOSED: { status: 503, message: 'The balancer is closed' },
  SWY_ERR_CONFIG: { status: 500, message: 'A configuration file is invalid' },
} as const satisfies Record<string, { readonly status: number; readonly message: string }>

/** One of the stable `SWY_ERR_*` codes. */
export type ErrorCode = keyof typeof ERROR_CODES

const BRAND = Symbol.for('switchyard.error')

/**
 * The one error class of switchyard.
 *
 * @example
 * ```ts
 * try { await backend.acquire() } catch (err) {
 *   if (isSwitchyardError(err) && err.code === 'SWY_ERR_QUEUE_TIMEOUT') res.writeHead(err.statusCode)
 * }
 * ```
 */
export class SwitchyardError extends Error {
  /** The stable `SWY_ERR_*` code. */
  readonly code: ErrorCode
  /** The HTTP status a load balancer answers with for this error (HAProxy's). */
  readonly statusCode: number
  /** Structured facts about the failure (field names, values, server names). */
  readonly details: Readonly<Record<string, unknown>>

  constructor(code: ErrorCode, message?: string, details: Readonly<Record<string, unknown>> = {}, options?: ErrorOptions) {
    super(message ?? ERROR_CODES[code].message, options)
    this.name = 'SwitchyardError'
    this.code = code
    this.statusCode = ERROR_CODES[code].status
    this.details = details
  }

  /** Brand checked by {@link isSwitchyardError}; survives duplicate installs. */
  get [BRAND](): true {
    return true
  }
}

/** True for any switchyard error, even one created by another copy of the package. */
export function isSwitchyardError(value: unknown): value is SwitchyardError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
}
