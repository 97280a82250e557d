/**
 * Loopback origin servers for the conformance suite. The same instances serve
 * the HAProxy run and the switchyard run of a scenario (records are reset in
 * between), so both implementations see identical ports and behaviours.
 */
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** What a server does, set per server and overridable per request with `x-*` headers. */
export interface ServerBehaviour {
  /** Milliseconds to wait before answering. Request header `x-delay` overrides it. */
  delay?: number
  /** Status of normal answers. Request header `x-status` overrides it. */
  status?: number
  /** A Set-Cookie header added to every normal answer (e.g. `JSESSIONID=abc`). Request header `x-set-cookie` adds one too. */
  setCookie?: string
  /** Path answered by the health endpoint. @default '/health' */
  healthPath?: string
  /** Status of the health endpoint; toggled by scenarios. @default 200 */
  health?: number
}

/** One request as the origin saw it. */
export interface Received {
  readonly server: string
  /** Milliseconds since the run's origin. */
  readonly at: number
  readonly method: string
  readonly url: string
  /** Raw header lines [name, value][], names lower-cased, in arrival order. */
  readonly headers: readonly (readonly [string, string])[]
}

/** A loopback HTTP origin with a name; answers its name in `x-server` and a JSON body. */
export class OriginServer {
  readonly name: string
  readonly behaviour: ServerBehaviour
  /** Requests received since the last `reset()` (health checks excluded). */
  readonly received: Received[] = []
  /** Health-check requests received since the last `reset()`. */
  readonly checks: number[] = []
  #server: http.Server
  #sockets = new Set<Socket>()
  #port = 0
  #origin = 0
  #listening = false

  constructor(name: string, behaviour: ServerBehaviour = {}) {
    this.name = name
    this.behaviour = { ...behaviour }
    this.#server = this.#create()
  }

  #create(): http.Server {
    const server = http.createServer((req, res) => this.#handle(req, res))
    server.keepAliveTimeout = 10_000
    server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    server.on('clientError', (_err, socket) => socket.destroy())
    return server
  }

  get port(): number {
    return this.#port
  }

  get listening(): boolean {
    return this.#listening
  }

  /** Sets time zero for `Received.at`. */
  reset(origin: number): void {
    this.received.length = 0
    this.checks.length = 0
    this.#origin = origin
  }

  /** Listens (again) on its port: the first call picks a free one. */
  async start(): Promise<void> {
    if (this.#listening) return
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(this.#port, '127.0.0.1', () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
    this.#port = (this.#server.address() as AddressInfo).port
    this.#listening = true
  }

  /** Stops listening and drops every connection: connects are refused until `start()`. */
  async stop(): Promise<void> {
    if (!this.#listening) return
    this.#listening = false
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
    this.#server = this.#create()
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const b = this.behaviour
    const url = req.url ?? '/'
    if (url === (b.healthPath ?? '/health') || req.method === 'OPTIONS') {
      this.checks.push(performance.now() - this.#origin)
      res.writeHead(b.health ?? 200, { 'content-type': 'text/plain', 'content-length': '2' })
      res.end('ok')
      return
    }
    const headers: [string, string][] = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!])
    this.received.push({ server: this.name, at: performance.now() - this.#origin, method: req.method ?? '', url, headers })
    const delay = Number(req.headers['x-delay'] ?? b.delay ?? 0)
    const status = Number(req.headers['x-status'] ?? b.status ?? 200)
    const cookies: string[] = []
    if (b.setCookie !== undefined) cookies.push(b.setCookie)
    const extra = req.headers['x-set-cookie']
    if (typeof extra === 'string') cookies.push(extra)
    req.resume()
    const answer = (): void => {
      if (res.destroyed) return
      const body = JSON.stringify({ server: this.name })
      const h: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-server': this.name }
      if (cookies.length > 0) h['set-cookie'] = cookies
      // a cacheable answer (HAProxy's nocache rule needs freshness information)
      if (req.headers['x-cache'] !== undefined) h['cache-control'] = 'max-age=60'
      res.writeHead(status, h)
      res.end(body)
    }
    // x-close: drop the connection without answering (after the delay)
    const close = req.headers['x-close'] !== undefined
    const act = (): void => {
      if (close) req.socket.destroy()
      else answer()
    }
    req.on('end', () => {
      if (delay > 0) setTimeout(act, delay)
      else act()
    })
  }

  async close(): Promise<void> {
    await this.stop()
  }
}
