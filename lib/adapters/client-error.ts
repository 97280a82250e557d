/**
 * The `clientError` listener of servers started by `Proxy.listen()`: requests
 * Node rejects before switchyard sees them (incomplete headers within
 * `timeout http-request` — slowloris —, header blocks over Node's size limit,
 * parse errors) get switchyard's answer page and a log line, as HAProxy logs
 * them with `<BADREQ>`. Without it Node answers and nothing is recorded.
 *
 * Resets and clients that already left get no answer and no log line
 * (HAProxy `option dontlognull`).
 */
import type { Duplex } from 'node:stream'
import type { ErrorPageTable } from './error-pages.js'
import { writeRawPage } from './error-pages.js'
import type { ErrorStatus, HttpLogger } from './types.js'
import type { ExchangeObserver } from '../stats/hook.js'

/** Status and termination state for a Node client error code. */
export function classifyClientError(code: string | undefined): readonly [ErrorStatus, string] {
  // HAProxy: `timeout http-request` → 408 cR; an invalid request → 400 PR.
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'cR']
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'PR']
  return [400, 'PR']
}

/** What the listener needs: the answer pages, the log hook and the stats. */
export interface ClientErrorContext {
  readonly pages: ErrorPageTable
  readonly log: HttpLogger | undefined
  readonly stats: ExchangeObserver | undefined
}

/** Creates the `clientError` listener. Never throws. */
export function createClientErrorListener(ctx: ClientErrorContext): (err: Error & { code?: string }, socket: Duplex) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const [status, termination] = classifyClientError(err.code)
    const page = ctx.pages[status]
    ctx.stats?.local(status, page.body.length)
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
          bytesOut: page.body.length,
          termination: `${termination}--`,
          retries: 0,
          redispatched: false,
        })
      } catch {
        // Log hooks must not throw; ignore if they do.
      }
    }
    writeRawPage(socket, page)
  }
}
