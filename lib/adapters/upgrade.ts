/**
 * WebSocket and other HTTP/1.1 Upgrade requests: balanced like any request
 * (same admission, retries and timeouts), then tunneled byte for byte once —
 * and only once — the server answered `101 Switching Protocols`
 * (CVE-2026-2833: never switch to passthrough before the server's 101).
 * Frames are never parsed. A non-101 answer is relayed and the connection closed.
 * `timeout tunnel` then bounds inactivity on both sockets.
 *
 * Refused with 400 (HAProxy does the same): several `Upgrade` headers, `h2c`
 * (it would let a client speak HTTP/2 to the server, past routing), a WebSocket
 * upgrade without `Sec-WebSocket-Key`, an upgrade request with a body.
 * HAProxy: `timeout tunnel`; WebSocket handling of §9.4.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { writeRawPage } from './error-pages.js'
import { Forwarder, type HandlerContext } from './forward.js'
import { responseHeaders } from './headers.js'
import type { HttpBackend } from './http-backend.js'
import type { ResolvedErrorPage } from './types.js'

/**
 * The protocol a client asks to upgrade to (the `Upgrade` value), or `undefined`
 * when the upgrade must be refused.
 */
export function checkUpgrade(req: IncomingMessage): string | undefined {
  let count = 0
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'upgrade') count++
  const value = req.headers.upgrade
  if (count !== 1 || value === undefined) return undefined
  const tokens = value.toLowerCase().split(',').map((t) => t.trim())
  if (tokens.some((t) => t.startsWith('h2c'))) return undefined
  if (tokens.includes('websocket') && req.headers['sec-websocket-key'] === undefined) return undefined
  return value.trim()
}

function serialize(statusLine: string, headers: readonly string[], extra: string): Buffer {
  let head = statusLine
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`
  return Buffer.from(`${head}${extra}\r\n`, 'latin1')
}

/** One upgrade request: forwarded, then tunneled on 101. */
export class UpgradeExchange extends Forwarder {
  readonly #socket: Duplex
  readonly #head: Buffer
  readonly #protocol: string
  #upstream: Duplex | undefined = undefined
  /** Client bytes received before the 101 (bounded by `bufferSize`, then the socket is paused). */
  readonly #early: Buffer[] = []
  #earlyBytes = 0
  #writtenBefore = 0
  #tunnelEnd = '--'

  constructor(req: IncomingMessage, socket: Duplex, head: Buffer, backend: HttpBackend, ctx: HandlerContext, t0: number, path: string, headers: string[], protocol: string) {
    super(req, backend, ctx, t0, path, headers, false, protocol)
    this.#socket = socket
    this.#head = head
    this.#protocol = protocol
  }

  override start(): void {
    // Node hands the socket over unread: read it (keeping what arrives) so that a client
    // leaving before the 101 is noticed.
    this.#socket.on('data', this.#onEarlyData)
    this.#socket.once('end', this.#onClientEnd)
    this.#socket.on('close', this.#onClientClose)
    super.start()
  }

  /** undici: the server switched protocols; `socket` is the raw server connection. */
  onUpgrade(_statusCode: number, rawHeaders: Buffer[] | string[] | null, socket: Duplex): void {
    socket.on('error', this.#onTunnelError)
    // Legacy undici handlers receive raw Buffer pairs.
    const raw = rawHeaders as Buffer[]
    const headers = responseHeaders(raw)
    let upgrade = this.#protocol
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toString('latin1').toLowerCase() === 'upgrade') upgrade = raw[i + 1]!.toString('latin1')
    if (headers === undefined || (!headers.includes('sec-websocket-accept') && this.#protocol.toLowerCase().includes('websocket'))) {
      socket.destroy()
      this.tunnelRefused()
      return
    }
    // The client is still there: had it closed, the attempt would have been aborted.
    const client = this.#socket
    this.tunnelOpened()
    this.#upstream = socket
    this.#writtenBefore = (client as Socket).bytesWritten
    client.off('data', this.#onEarlyData)
    client.off('end', this.#onClientEnd)
    client.write(serialize('HTTP/1.1 101 Switching Protocols\r\n', headers, `connection: upgrade\r\nupgrade: ${upgrade}\r\n`))
    if (this.#head.length > 0) socket.write(this.#head)
    for (const chunk of this.#early) socket.write(chunk)
    this.#early.length = 0
    const tunnel = this.backend.options.timeouts.tunnel
    if (tunnel > 0) {
      ;(client as Socket).setTimeout(tunnel, this.#onClientIdle)
      ;(socket as Socket).setTimeout(tunnel, this.#onServerIdle)
    }
    socket.on('close', this.#onServerClose)
    socket.pipe(client)
    client.pipe(socket)
  }

  protected respond(statusCode: number, statusText: string, rawHeaders: Buffer[]): boolean {
    const own = responseHeaders(rawHeaders)
    if (own === undefined) return false
    const reason = statusText === '' ? (STATUS_CODES[statusCode] ?? '') : statusText
    this.#socket.write(serialize(`HTTP/1.1 ${statusCode} ${reason}\r\n`, this.persistResponse(statusCode, own), 'connection: close\r\n'))
    return true
  }

  protected sendData(chunk: Buffer): boolean {
    if (this.#socket.write(chunk)) return true
    this.#socket.once('drain', () => this.drained())
    return false
  }

  protected endResponse(): void {
    this.#socket.end()
  }

  protected sendPage(page: ResolvedErrorPage): void {
    writeRawPage(this.#socket, page)
  }

  protected cutResponse(): void {
    this.#socket.destroy()
  }

  #closeTunnel(): void {
    const upstream = this.#upstream
    if (upstream === undefined) return
    this.#upstream = undefined
    upstream.destroy()
    this.#socket.destroy()
    this.tunnelClosed(this.#tunnelEnd, (this.#socket as Socket).bytesWritten - this.#writtenBefore)
  }

  readonly #onEarlyData = (chunk: Buffer): void => {
    this.#early.push(chunk)
    this.#earlyBytes += chunk.length
    if (this.#earlyBytes > this.backend.options.bufferSize) this.#socket.pause()
  }

  readonly #onClientEnd = (): void => {
    // A client that half-closes before the 101 is gone.
    this.#socket.destroy()
  }

  readonly #onClientIdle = (): void => {
    this.#tunnelEnd = 'cD'
    this.#closeTunnel()
  }

  readonly #onServerIdle = (): void => {
    this.#tunnelEnd = 'sD'
    this.#closeTunnel()
  }

  readonly #onServerClose = (): void => {
    this.#closeTunnel()
  }

  readonly #onTunnelError = (): void => {
    // 'close' follows; the tunnel is torn down there.
  }

  readonly #onClientClose = (): void => {
    this.#closeTunnel()
    this.clientEnded()
  }
}
