/**
 * The HTTP check (I/O adapter): one request per check on a fresh connection
 * (over TLS for https), the response read up to 16 KiB, then judged by
 * http-expect.ts.
 *
 * The request is written by hand rather than with node:http so that it is
 * exactly what HAProxy sends: `option httpchk` defaults to
 * `OPTIONS / HTTP/1.0` with no header at all (§5.6); `Connection: close` is
 * added for HTTP/1.1 unless a Connection header is configured, and
 * `Content-Length` when there is a body or the method is not
 * OPTIONS/GET/HEAD/DELETE.
 */
import type { Socket } from 'node:net'
import { DEFAULT_CHECK_BUFFER_SIZE } from '../options/defaults.js'
import { compileHttpExpect, type HttpExpect, type HttpExpectation } from './http-expect.js'
import { socketCheck, type SocketExchange, type SocketReader } from './socket-check.js'
import type { CheckTarget, CheckTlsOptions, Probe, ProbeResult } from './types.js'

/** An HTTP check, resolved (see `HttpCheckOptions` in options.ts for the user-facing form and defaults). */
export interface HttpProbeOptions {
  readonly target: CheckTarget
  /** Use TLS (https). */
  readonly tls?: CheckTlsOptions | undefined
  /** HAProxy: `option httpchk <method>`. */
  readonly method: string
  /** HAProxy: `option httpchk <method> <uri>`. */
  readonly path: string
  /** `HTTP/1.0` or `HTTP/1.1`. HAProxy: `option httpchk <method> <uri> <version>`. */
  readonly version: string
  /** Header lines in order (name, value), Host included. HAProxy: `http-check send hdr`. */
  readonly headers: readonly (readonly [string, string])[]
  /** Request body. HAProxy: `http-check send body`. */
  readonly body?: string | undefined
  /** The rule; default status 200–399. HAProxy: `http-check expect`. */
  readonly expect?: HttpExpect | undefined
  /** A 404 from a running server puts it in NOLB (L7OKC). HAProxy: `http-check disable-on-404`. */
  readonly disableOn404?: boolean | undefined
  /** Bytes of the response inspected, headers included. HAProxy: `tune.bufsize`. @default 16384 */
  readonly maxResponse?: number | undefined
}

const CRLF = '\r\n'
const HEAD_END = Buffer.from('\r\n\r\n')
const NO_LENGTH_METHODS: ReadonlySet<string> = new Set(['OPTIONS', 'GET', 'HEAD', 'DELETE'])
const STATUS_LINE = /^HTTP\/\d\.\d (\d{3})(?: (.*))?$/

/** The exact bytes an HTTP check sends. */
export function buildHttpRequest(options: Pick<HttpProbeOptions, 'method' | 'path' | 'version' | 'headers' | 'body'>): Buffer {
  const { method, path, version, headers, body } = options
  let head = `${method} ${path} ${version}${CRLF}`
  let connection = false
  let length = false
  for (const [name, value] of headers) {
    const lower = name.toLowerCase()
    if (lower === 'connection') connection = true
    if (lower === 'content-length') length = true
    head += `${name}: ${value}${CRLF}`
  }
  if (!connection && version !== 'HTTP/1.0') head += `Connection: close${CRLF}`
  const payload = Buffer.from(body ?? '')
  if (!length && (payload.length > 0 || !NO_LENGTH_METHODS.has(method.toUpperCase()))) head += `Content-Length: ${payload.length}${CRLF}`
  return Buffer.concat([Buffer.from(`${head}${CRLF}`, 'latin1'), payload])
}

/** A chunked body decoded as far as it goes; `complete` once the last chunk was seen. */
export function decodeChunked(data: Buffer): { readonly body: Buffer; readonly complete: boolean } {
  const parts: Buffer[] = []
  let pos = 0
  for (;;) {
    const eol = data.indexOf(CRLF, pos)
    if (eol < 0) return { body: Buffer.concat(parts), complete: false }
    const size = Number.parseInt(data.toString('latin1', pos, eol), 16)
    // A last chunk, or framing we cannot follow: judge what was read.
    if (!(size > 0)) return { body: Buffer.concat(parts), complete: true }
    const start = eol + 2
    const end = start + size
    parts.push(data.subarray(start, Math.min(end, data.length)))
    if (end > data.length) return { body: Buffer.concat(parts), complete: false }
    pos = end + 2
  }
}

interface Head {
  readonly status: number
  readonly reason: string
  readonly bodyStart: number
  readonly chunked: boolean
  /** Content-Length, or −1. */
  readonly length: number
}

function parseHead(data: Buffer, end: number): Head | undefined {
  const lines = data.toString('latin1', 0, end).split(CRLF)
  const match = STATUS_LINE.exec(lines[0]!)
  if (match === null) return undefined
  let chunked = false
  let length = -1
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked')
    else if (name === 'content-length') length = Number(value)
  }
  return { status: Number(match[1]), reason: match[2] ?? '', bodyStart: end + HEAD_END.length, chunked, length }
}

/** Reads one response: headers, then the body when the expectation needs it. */
class ResponseReader implements SocketReader {
  readonly #expectation: HttpExpectation
  readonly #running: boolean
  readonly #max: number
  #data: Buffer = Buffer.alloc(0)
  #head: Head | undefined = undefined

  constructor(expectation: HttpExpectation, running: boolean, max: number) {
    this.#expectation = expectation
    this.#running = running
    this.#max = max
  }

  data(chunk: Buffer): ProbeResult | undefined {
    const room = this.#max - this.#data.length
    const full = chunk.length >= room
    this.#data = Buffer.concat([this.#data, full ? chunk.subarray(0, room) : chunk])
    if (this.#head === undefined) {
      const end = this.#data.indexOf(HEAD_END)
      if (end < 0) return full ? { status: 'L7RSP', message: 'Response headers too large' } : undefined
      this.#head = parseHead(this.#data, end)
      if (this.#head === undefined) return { status: 'L7RSP', message: 'Invalid HTTP response' }
    }
    return this.#judge(full)
  }

  ended(): ProbeResult {
    // With `last` set, #judge always decides.
    return this.#head === undefined ? { status: 'L7RSP', message: 'Connection closed before a complete response' } : this.#judge(true)!
  }

  /** The verdict once enough was read; `last`: nothing more will be read. */
  #judge(last: boolean): ProbeResult | undefined {
    const head = this.#head!
    let body = ''
    if (this.#expectation.needsBody) {
      const raw = this.#data.subarray(head.bodyStart)
      let bytes = raw
      let complete: boolean
      if (head.chunked) ({ body: bytes, complete } = decodeChunked(raw))
      else if (head.length >= 0) {
        bytes = raw.subarray(0, head.length)
        complete = raw.length >= head.length
      } else complete = false
      if (!complete && !last) return undefined
      body = bytes.toString('utf8')
    }
    return this.#expectation.evaluate({ status: head.status, reason: head.reason, body }, this.#running)
  }
}

/**
 * A probe sending one HTTP request and judging the response: L7OK, L7OKC
 * (disable-on-404), L7STS (status), L7RSP (no, invalid or unmatched response),
 * L4CON/L6RSP for transport errors.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an invalid `expect`
 * HAProxy: `option httpchk`, `http-check send`, `http-check expect`
 */
export function createHttpProbe(options: HttpProbeOptions): Probe {
  const expectation = compileHttpExpect(options.expect, options.disableOn404 ?? false)
  const request = buildHttpRequest(options)
  const max = options.maxResponse ?? DEFAULT_CHECK_BUFFER_SIZE
  return (context) => {
    const exchange: SocketExchange = {
      stage: 'response',
      opened(socket: Socket) {
        socket.write(request)
        return new ResponseReader(expectation, context.running, max)
      },
    }
    return socketCheck(context, options.target, options.tls, exchange)
  }
}
