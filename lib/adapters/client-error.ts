/**
 * The `clientError` listener `applyServerTimeouts` installs: requests Node
 * rejects before switchyard sees them (incomplete headers within
 * `timeout http-request` — slowloris —, header blocks over Node's size limit,
 * parse errors) get HAProxy's page (`errorPages` replace them), a log line with
 * method `<BADREQ>` when a log hook is given, and the frontend stats count.
 *
 * Resets, clients that already left and connections that already got a
 * response (Node's own rule) get no answer and no log line (HAProxy
 * `option dontlognull`).
 */
import type { Duplex } from 'node:stream'
import type { ErrorPageTable } from './error-pages.js'
import { writeRawPage } from './error-pages.js'
import type { ErrorStatus, HttpLogger } from './types.js'
import type { ExchangeObserver } from '../stats/hook.js'

/** Status and termination state for a Node client error code (413: chunk extensions over Node's limit). */
export function classifyClientError(code: string | undefined): readonly [ErrorStatus | 413, string] {
  // HAProxy: `timeout http-request` → 408 cR; an invalid request → 400 PR.
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'cR']
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'PR']
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return [413, 'PR']
  return [400, 'PR']
}

/** Node's own answer for oversized chunk extensions (switchyard has no page for 413). */
const CHUNK_EXTENSIONS_413 = 'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n'

/** What the listener needs: the answer pages, the log hook and the stats. */
export interface ClientErrorContext {
  readonly pages: ErrorPageTable
  readonly log?: HttpLogger | undefined
  readonly stats?: ExchangeObserver | undefined
}

/** Creates the `clientError` listener. Never throws. */
export function createClientErrorListener(ctx: ClientErrorContext): (err: Error & { code?: string }, socket: Duplex) => void {
  return (err, socket) => {
    // Node's own rule: answer only while nothing was written on the connection.
    if (err.code === 'ECONNRESET' || !socket.writable || ((socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0) !== 0) {
      socket.destroy()
      return
    }
    const [status, termination] = classifyClientError(err.code)
    const page = status === 413 ? undefined : ctx.pages[status]
    const bytesOut = page?.body.length ?? 0
    ctx.stats?.local(status, bytesOut)
    const net = socket as Duplex & { remoteAddress?: string; remotePort?: number }
    const log = ctx.log
    if (log !== undefined) {
      try {
        log({
          clientAddress: net.remoteAddress ?? '',
          clientPort: net.remotePort ?? 0,
          backend: '<NOBACKEND>',
          server: '<NOSRV>',
          method: '<BADREQ>',
          uri: '',
          httpVersion: '',
          Tq: -1,
          Tw: -1,
          Tc: -1,
          Tr: -1,
          Tt: 0,
          status,
          bytesIn: 0,
          bytesOut,
          termination: `${termination}--`,
          retries: 0,
          redispatched: false,
        })
      } catch {
        // Log hooks must not throw; ignore if they do.
      }
    }
    if (page === undefined) socket.end(CHUNK_EXTENSIONS_413)
    else writeRawPage(socket, page)
  }
}
