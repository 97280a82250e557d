/** The conformance client: one request per fresh connection, recording what a browser would see. */
import http from 'node:http'

export interface RequestOptions {
  readonly method?: string
  readonly path?: string
  /** Header lines in order; repeated names allowed. */
  readonly headers?: readonly (readonly [string, string])[]
  readonly body?: string
  /** Client source address (127.0.0.0/8 works on Linux loopback) for `balance source` and forwardfor. */
  readonly from?: string
  /** A keep-alive agent to reuse connections; default: a fresh connection per request. */
  readonly agent?: http.Agent
  /** Give up after this many ms (the reply is then `status: 0`). @default 5000 */
  readonly timeout?: number
}

/** What came back. */
export interface Reply {
  /** HTTP status; 0 when the connection failed or was closed without an answer. */
  readonly status: number
  /** The reason phrase of the status line. */
  readonly statusMessage: string
  /** The `x-server` header of the origin that answered, or '-' for a generated answer. */
  readonly server: string
  readonly setCookie: readonly string[]
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
  /** Milliseconds since the run's origin when the request was sent / the reply completed. */
  readonly sent: number
  readonly done: number
  readonly error?: string
}

/** Sends one request to 127.0.0.1:`port`; never rejects. */
export function request(port: number, origin: number, options: RequestOptions = {}): Promise<Reply> {
  const sent = performance.now() - origin
  return new Promise((resolve) => {
    let settled = false
    const finish = (reply: Omit<Reply, 'sent' | 'done'>): void => {
      if (settled) return
      settled = true
      resolve({ ...reply, sent, done: performance.now() - origin })
    }
    // array headers turn off Node's defaults: add Host unless the script sets one
    const given = options.headers ?? []
    const headers: string[] = given.some(([n]) => n.toLowerCase() === 'host') ? [] : ['Host', `127.0.0.1:${port}`]
    for (const [name, value] of given) headers.push(name, value)
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: headers as unknown as http.OutgoingHttpHeaders,
        agent: options.agent ?? false,
        ...(options.from !== undefined ? { localAddress: options.from } : {}),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const server = res.headers['x-server']
          finish({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            server: typeof server === 'string' ? server : '-',
            setCookie: res.headers['set-cookie'] ?? [],
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          })
        })
        res.on('error', (err) => finish({ status: 0, statusMessage: '', server: '-', setCookie: [], headers: {}, body: '', error: err.message }))
      },
    )
    req.setTimeout(options.timeout ?? 5000, () => req.destroy(new Error('client timeout')))
    req.on('error', (err) => finish({ status: 0, statusMessage: '', server: '-', setCookie: [], headers: {}, body: '', error: err.message }))
    req.end(options.body)
  })
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
