/**
 * Classification of a failed attempt (before anything was forwarded to the
 * client), from the transport's error and how far the attempt got.
 */

/**
 * How an attempt failed before a response could be forwarded:
 * - `conn-failure`: no connection (refused, unreachable, TLS handshake); nothing was sent;
 * - `connect-timeout`: `timeout connect` struck; nothing was sent;
 * - `empty-response`: connected, the server closed or reset before the response headers were complete;
 * - `junk-response`: an invalid response, or one cut before its headers ended;
 * - `response-timeout`: `timeout server` struck before the response headers;
 * - `status`: a complete response whose status is listed in `retry-on`.
 */
export type FailureKind = 'conn-failure' | 'connect-timeout' | 'empty-response' | 'junk-response' | 'response-timeout' | 'status'

/**
 * Classifies a transport error. `connected` tells whether the request was handed
 * to a connected socket (undici's `onConnect`): before that, nothing was sent.
 * Resets and closes before complete headers are `empty-response` (HAProxy `SH`);
 * parse errors, responses undici refuses (`bad response`, `bad upgrade`) and
 * anything else are `junk-response` (HAProxy `PH`).
 */
export function classifyFailure(err: Error, connected: boolean): FailureKind {
  const code = (err as { code?: unknown }).code
  if (code === 'SWY_ERR_CONNECT_TIMEOUT') return 'connect-timeout'
  if (!connected) return 'conn-failure'
  // undici reports some invalid responses (an unsolicited `100 Continue`, a `101` to a plain request) as socket errors.
  if (code === 'UND_ERR_SOCKET') return err.message.startsWith('bad ') ? 'junk-response' : 'empty-response'
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'empty-response'
  return 'junk-response'
}

/**
 * The termination state of a final connection failure: `RC` when the local side
 * ran out of resources (no file descriptor, no ephemeral port), as HAProxy's
 * first character `R` says; `fallback` (`SC`) otherwise. Same 503 either way.
 */
export function connectTermination(err: Error, fallback: string): string {
  const code = (err as { code?: unknown }).code
  return code === 'EMFILE' || code === 'ENFILE' || code === 'EADDRNOTAVAIL' ? 'RC' : fallback
}
