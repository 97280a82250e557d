/**
 * Retry and redispatch decisions (HAProxy §7), as pure functions of the
 * compiled policy, the retry number and the server's state.
 */
import { shouldRedispatch as redispatchDue } from './redispatch.js'
import type { ServerView } from '../balance/types.js'
import { MAX_TURNAROUND_DELAY } from '../options/defaults.js'
import type { FailureKind } from './failure.js'
import type { ResolvedHttpBackendOptions } from './types.js'

/** The `retry-on` list and related options, compiled for constant-time checks. */
export interface RetryPolicy {
  readonly retries: number
  readonly redispatch: number
  readonly connFailure: boolean
  readonly emptyResponse: boolean
  readonly junkResponse: boolean
  readonly responseTimeout: boolean
  /** Statuses that trigger a layer-7 retry. */
  readonly statuses: ReadonlySet<number>
  readonly nonIdempotent: boolean
  /** Delay before retrying the same server after a connection failure: min(1 s, `timeout connect`). */
  readonly turnaround: number
}

/** Compiles a backend's retry options. */
export function compileRetryPolicy(options: Pick<ResolvedHttpBackendOptions, 'retries' | 'redispatch' | 'retryOn' | 'retryNonIdempotent' | 'timeouts'>): RetryPolicy {
  const statuses = new Set<number>()
  for (const keyword of options.retryOn) if (typeof keyword === 'number') statuses.add(keyword)
  const connect = options.timeouts.connect
  return {
    retries: options.retries,
    redispatch: options.redispatch,
    connFailure: options.retryOn.includes('conn-failure'),
    emptyResponse: options.retryOn.includes('empty-response'),
    junkResponse: options.retryOn.includes('junk-response'),
    responseTimeout: options.retryOn.includes('response-timeout'),
    statuses,
    nonIdempotent: options.retryNonIdempotent,
    turnaround: connect > 0 ? Math.min(MAX_TURNAROUND_DELAY, connect) : MAX_TURNAROUND_DELAY,
  }
}

const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'])

/** RFC 9110 §9.2.2 idempotent methods. */
export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method)
}

/**
 * True when `retry-on` covers this failure. A connection failure (`conn-failure`,
 * `connect-timeout`) is covered by `conn-failure`; `empty-response` is also covered
 * for idempotent requests whatever the list says: it is how a keep-alive race (the
 * server closed the pooled connection as the request left) shows, and HAProxy
 * retries that case as a connection failure.
 */
export function retryCovers(policy: RetryPolicy, kind: FailureKind, status: number, idempotent: boolean): boolean {
  switch (kind) {
    case 'conn-failure':
    case 'connect-timeout':
      return policy.connFailure
    case 'empty-response':
      return policy.emptyResponse || (idempotent && policy.connFailure)
    case 'junk-response':
      return policy.junkResponse
    case 'response-timeout':
      return policy.responseTimeout
    case 'status':
      return policy.statuses.has(status)
  }
}

/** True when the request may have reached the server (a replay needs a replayable, allowed request). */
export function mayHaveReachedServer(kind: FailureKind): boolean {
  return kind !== 'conn-failure' && kind !== 'connect-timeout'
}

/**
 * HAProxy `stream_choose_redispatch` for an HTTP retry (see `redispatch.ts`).
 * @param everyRetry the backend has several usable active servers and a non-hash algorithm
 */
export function shouldRedispatch(policy: RetryPolicy, k: number, server: ServerView, everyRetry: boolean): boolean {
  return redispatchDue(policy.redispatch, policy.retries, k, server, everyRetry)
}
