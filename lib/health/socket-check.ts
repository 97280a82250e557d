/**
 * The socket half shared by every probe (I/O adapter): connect over TCP or
 * TLS, report the stages, map transport errors to check statuses, settle
 * exactly once and always destroy the socket. Check sockets are unref'd: a
 * health check never keeps the process alive.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import { errorStatus, timeoutStatus } from './check-status.js'
import type { CheckTarget, CheckTlsOptions, ProbeContext, ProbeResult, ProbeStage } from './types.js'

/** How a probe reads the answer of one attempt (holds that attempt's buffers). */
export interface SocketReader {
  /** Bytes arrived: a result to finish with, or undefined to wait for more. */
  data(chunk: Buffer): ProbeResult | undefined
  /** The peer closed before `data` returned a result. */
  ended(): ProbeResult
}

/** What a probe does over the connection. */
export interface SocketExchange {
  /** Stage once connected (and TLS established): `handshake` for an SSL hello, `response` otherwise. */
  readonly stage: 'handshake' | 'response'
  /** Connected: the result at once (plain connect checks), or write the request and return how to read the answer. */
  opened(socket: Socket): ProbeResult | SocketReader
}

const MESSAGES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ETIMEDOUT: 'Connection timed out',
  EPIPE: 'Broken pipe',
}

/** A transport error as a check message ("Connection refused", …). */
export function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code
  return (code === undefined ? undefined : MESSAGES[code]) ?? error.message
}

/** `tls.connect` options for a check connection. */
function tlsOptions(target: CheckTarget, tls: CheckTlsOptions): ConnectionOptions {
  const servername = tls.servername ?? (isIP(target.host) === 0 ? target.host : undefined)
  return {
    host: target.host,
    port: target.port,
    ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
    ...(tls.ca === undefined ? {} : { ca: tls.ca as string | Buffer | (string | Buffer)[] }),
    ...(servername === undefined ? {} : { servername }),
  }
}

/**
 * Runs one socket exchange for a probe. Settles with the exchange's result,
 * or: L4CON / L6RSP / L7RSP for a transport error at the connect / TLS /
 * response stage, and the matching timeout status when the attempt is
 * aborted (the monitor replaces it with its own timeout result anyway).
 */
export function socketCheck(context: ProbeContext, target: CheckTarget, tls: CheckTlsOptions | undefined, exchange: SocketExchange): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let stage: ProbeStage = 'connect'
    let done = false
    const socket = tls === undefined ? netConnect({ host: target.host, port: target.port }) : tlsConnect(tlsOptions(target, tls))
    const finish = (result: ProbeResult): void => {
      if (done) return
      done = true
      socket.destroy()
      resolve(result)
    }
    const established = (): void => {
      const next = exchange.opened(socket)
      if ('status' in next) {
        finish(next)
        return
      }
      stage = exchange.stage
      context.reached(stage)
      socket.on('data', (chunk: Buffer) => {
        const result = next.data(chunk)
        if (result !== undefined) finish(result)
      })
      // Before this point a close always comes with an error (refused, reset, TLS failure).
      socket.once('close', () => finish(next.ended()))
    }
    socket.unref()
    if (tls === undefined) {
      socket.once('connect', established)
    } else {
      socket.once('connect', () => {
        stage = 'handshake'
        context.reached(stage)
      })
      socket.once('secureConnect', established)
    }
    socket.once('error', (error) => finish({ status: errorStatus(stage), message: describeError(error) }))
    // Last: an attempt aborted already finishes at once.
    context.onAbort(() => finish({ status: timeoutStatus(stage), message: 'aborted' }))
  })
}
