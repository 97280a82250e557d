/**
 * The TCP connect check (I/O adapter): success once the connection is
 * established (L4OK), or once the TLS handshake completes with `tls` (L6OK).
 * HAProxy: server `check` without a protocol option; `check-ssl`.
 */
import { socketCheck, type SocketExchange } from './socket-check.js'
import type { CheckTarget, CheckTlsOptions, Probe, ProbeResult } from './types.js'

/** What a TCP check connects to. */
export interface TcpCheckOptions {
  readonly target: CheckTarget
  /** Complete a TLS handshake too (HAProxy `check-ssl`). */
  readonly tls?: CheckTlsOptions | undefined
}

const L4OK: ProbeResult = Object.freeze({ status: 'L4OK', message: 'Layer4 check passed' })
const L6OK: ProbeResult = Object.freeze({ status: 'L6OK', message: 'Layer6 check passed' })

/**
 * A probe that connects (and with `tls` completes the handshake), then closes.
 * Refused or reset: L4CON; TLS failure: L6RSP.
 */
export function createTcpProbe(options: TcpCheckOptions): Probe {
  const { target, tls } = options
  const passed = tls === undefined ? L4OK : L6OK
  const exchange: SocketExchange = { stage: 'response', opened: () => passed }
  return (context) => socketCheck(context, target, tls, exchange)
}
