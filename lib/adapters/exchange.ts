/**
 * An HTTP request forwarded onto a `ServerResponse`: response heads and bodies
 * are streamed with backpressure (undici pauses while `res.write()` is full).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendPage } from './error-pages.js'
import { Forwarder, type HandlerContext } from './forward.js'
import { responseHeaders } from './headers.js'
import type { HttpBackend } from './http-backend.js'
import type { ResolvedErrorPage } from './types.js'

/** One request/response exchange of the HTTP handler. */
export class HttpExchange extends Forwarder {
  readonly #res: ServerResponse
  #waitingDrain = false

  constructor(req: IncomingMessage, res: ServerResponse, backend: HttpBackend, ctx: HandlerContext, t0: number, path: string, headers: string[], hasBody: boolean) {
    super(req, backend, ctx, t0, path, headers, hasBody, undefined)
    this.#res = res
  }

  override start(): void {
    this.#res.on('close', this.#onClose)
    super.start()
  }

  protected respond(statusCode: number, statusText: string, rawHeaders: Buffer[]): boolean {
    const own = responseHeaders(rawHeaders)
    if (own === undefined) return false
    const headers = this.persistResponse(statusCode, own)
    let status = statusCode
    let text = statusText
    const verdict = this.verdict
    if (verdict !== undefined) {
      // HAProxy: `http-response` rules run on server responses only (not on generated pages).
      status = this.rules!.respond(verdict, statusCode, headers, this.ctx.now())
      text = verdict.statusReason ?? (status === statusCode ? statusText : '')
    }
    // A body still arriving cannot be left half-read on a kept-alive client connection.
    if (this.body !== undefined && !this.body.complete) headers.push('connection', 'close')
    try {
      if (text === '') this.#res.writeHead(status, headers)
      else this.#res.writeHead(status, text, headers)
    } catch {
      return false
    }
    return true
  }

  protected sendData(chunk: Buffer): boolean {
    if (this.#res.write(chunk)) return true
    if (!this.#waitingDrain) {
      this.#waitingDrain = true
      this.#res.once('drain', this.#onDrain)
    }
    return false
  }

  protected endResponse(): void {
    this.#res.end()
  }

  protected sendPage(page: ResolvedErrorPage): void {
    sendPage(this.#res, page, this.body !== undefined && !this.body.complete)
  }

  protected cutResponse(): void {
    this.#res.destroy()
  }

  readonly #onDrain = (): void => {
    this.#waitingDrain = false
    this.drained()
  }

  readonly #onClose = (): void => {
    this.clientEnded()
  }
}
