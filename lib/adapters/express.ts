/**
 * Connect/Express middleware: requests a route matches are forwarded;
 * unmatched ones go to `next()` (so the application can serve them).
 *
 * Mount it before any body parser: a consumed body cannot be forwarded (such
 * requests get 500). Mounted under a path (`app.use('/api', mw)`), the full
 * original URL is forwarded, as a load balancer in front of the application would.
 *
 * @example
 * ```ts
 * const app = express()
 * app.use(expressMiddleware(proxy)) // a Proxy, or createHttpHandler({ router })
 * const server = app.listen(8080)
 * server.on('upgrade', proxy.upgrade)
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HttpHandler } from './node-http.js'

/** A Connect/Express `next` callback. */
export type ConnectNext = (err?: unknown) => void

/** A Connect/Express middleware function. */
export type ConnectMiddleware = (req: IncomingMessage, res: ServerResponse, next: ConnectNext) => void

/** Wraps a handler as Connect/Express middleware. */
export function expressMiddleware(handler: Pick<HttpHandler, 'handle'>): ConnectMiddleware {
  return (req, res, next) => {
    const mounted = req.url
    // Express strips the mount path from req.url and restores it when next() is called.
    req.url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? mounted
    handler.handle(req, res, () => {
      req.url = mounted
      next()
    })
  }
}
