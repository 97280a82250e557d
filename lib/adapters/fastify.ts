/**
 * A Fastify plugin forwarding every request of its scope through a switchyard
 * handler. Fastify does not parse the bodies of these routes (a pass-through
 * content-type parser is registered in the plugin's scope), the reply is
 * hijacked, and unmatched requests get Fastify's 404. Register it with a
 * `prefix` to proxy a sub-tree only; the full URL is forwarded.
 *
 * Typed structurally, so that switchyard does not depend on Fastify's types.
 *
 * @example
 * ```ts
 * const app = Fastify()
 * await app.register(fastifySwitchyard, { handler: proxy, upgrade: true })
 * ```
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { HttpHandler } from './node-http.js'

/** Options of {@link fastifySwitchyard}. */
export interface FastifySwitchyardOptions {
  /** The switchyard handler requests go through. */
  readonly handler: Pick<HttpHandler, 'handle' | 'upgrade'>
  /** Also tunnel Upgrade (WebSocket) requests of the Fastify server. @default false */
  readonly upgrade?: boolean | undefined
}

/** The parts of a Fastify request and reply the plugin uses. */
export interface FastifyRequestLike {
  readonly raw: IncomingMessage
}

/** The parts of a Fastify reply the plugin uses. */
export interface FastifyReplyLike {
  readonly raw: ServerResponse
  hijack(): unknown
  callNotFound(): void
}

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  readonly server: Server
  addContentTypeParser(contentType: string | RegExp, parser: (request: unknown, payload: unknown, done: (err: Error | null, body?: unknown) => void) => void): unknown
  removeAllContentTypeParsers(): unknown
  all(path: string, handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => void): unknown
}

/** The plugin; register with `app.register(fastifySwitchyard, { handler })`. */
export function fastifySwitchyard(fastify: FastifyInstanceLike, options: FastifySwitchyardOptions, done: (err?: Error) => void): void {
  const { handler } = options
  // Leave bodies unread: the handler streams them to the server.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser(/.*/, (_request, _payload, next) => next(null))
  const route = (request: FastifyRequestLike, reply: FastifyReplyLike): void => {
    // Routing is synchronous: `next` runs (or not) before handle() returns.
    let unmatched = false
    handler.handle(request.raw, reply.raw, () => {
      unmatched = true
    })
    if (unmatched) reply.callNotFound()
    else reply.hijack()
  }
  fastify.all('/', route)
  fastify.all('/*', route)
  if (options.upgrade === true) fastify.server.on('upgrade', handler.upgrade)
  done()
}
