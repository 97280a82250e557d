/**
 * Answers switchyard generates itself (HAProxy's built-in error pages and the
 * `monitor-uri` page), pre-encoded once so that sending one costs a single
 * `writeHead` + `end`.
 */
import { validateHeaderName, validateHeaderValue, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { SwitchyardError } from '../errors.js'
import type { ErrorPage, ErrorPages, ErrorStatus, ResolvedErrorPage } from './types.js'

/** Reason phrases, as HAProxy 2.6 writes them in its status lines. */
export const ERROR_REASONS: Readonly<Record<ErrorStatus, string>> = {
  200: 'OK',
  400: 'Bad request',
  403: 'Forbidden',
  408: 'Request Time-out',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Time-out',
}

/** Built-in bodies: HAProxy 2.6's texts (431 is switchyard's own, in the same style). */
export const BUILTIN_ERROR_BODIES: Readonly<Record<ErrorStatus, string>> = {
  200: '<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n',
  400: '<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n',
  403: '<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n',
  408: "<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n",
  431: '<html><body><h1>431 Request Header Fields Too Large</h1>\nYour browser sent too many or too large header fields.\n</body></html>\n',
  500: '<html><body><h1>500 Internal Server Error</h1>\nAn internal server error occurred.\n</body></html>\n',
  502: '<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n',
  503: '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n',
  504: "<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n",
}

/** Every generated status, in a fixed order. */
export const ERROR_STATUSES: readonly ErrorStatus[] = [200, 400, 403, 408, 431, 500, 502, 503, 504]

/** One compiled page per status. */
export type ErrorPageTable = Readonly<Record<ErrorStatus, ResolvedErrorPage>>

function compile(status: ErrorStatus, page: ErrorPage | string): ResolvedErrorPage {
  const spec: ErrorPage = typeof page === 'string' ? { body: page } : page
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body) : spec.body
  const headers = ['content-length', String(body.length), 'cache-control', 'no-cache', 'content-type', spec.contentType ?? 'text/html']
  for (const [name, value] of Object.entries(spec.headers ?? {})) headers.push(name.toLowerCase(), value)
  for (let i = 0; i < headers.length; i += 2) {
    try {
      validateHeaderName(headers[i]!)
      validateHeaderValue(headers[i]!, headers[i + 1]!)
    } catch (cause) {
      throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Invalid header in the error page for ${status}: ${headers[i]}`, { status, header: headers[i] }, { cause })
    }
  }
  return { status, headers, body }
}

/**
 * Compiles pages: for each status the first layer that defines it wins, then the built-in page.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION when a header name or value cannot be sent.
 */
export function compileErrorPages(...layers: readonly ErrorPages[]): ErrorPageTable {
  const table = {} as Record<ErrorStatus, ResolvedErrorPage>
  for (const status of ERROR_STATUSES) {
    let page: ErrorPage | string = BUILTIN_ERROR_BODIES[status]
    for (const layer of layers) {
      const own = layer[status]
      if (own !== undefined) {
        page = own
        break
      }
    }
    table[status] = compile(status, page)
  }
  return table
}

/** Compiles only the pages `pages` defines (a backend's own layer). */
export function compileOwnPages(pages: ErrorPages): Partial<ErrorPageTable> {
  const table: Partial<Record<ErrorStatus, ResolvedErrorPage>> = {}
  for (const status of ERROR_STATUSES) {
    const own = pages[status]
    if (own !== undefined) table[status] = compile(status, own)
  }
  return table
}

/** The built-in pages, compiled once. */
export const BUILTIN_ERROR_PAGES: ErrorPageTable = compileErrorPages()

/**
 * Sends a generated answer on a `ServerResponse` whose head was not sent yet.
 * `close` adds `connection: close` (used when the request body was not read to its end).
 */
export function sendPage(res: ServerResponse, page: ResolvedErrorPage, close: boolean): void {
  const headers = close ? [...page.headers, 'connection', 'close'] : (page.headers as string[])
  res.writeHead(page.status, ERROR_REASONS[page.status], headers)
  res.end(page.body)
}

/** Sends a generated answer as raw HTTP/1.1 bytes on a socket (the upgrade path), then closes it. */
export function writeRawPage(socket: Duplex, page: ResolvedErrorPage): void {
  let head = `HTTP/1.1 ${page.status} ${ERROR_REASONS[page.status]}\r\n`
  for (let i = 0; i < page.headers.length; i += 2) head += `${page.headers[i]}: ${page.headers[i + 1]}\r\n`
  head += 'connection: close\r\n\r\n'
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), page.body]))
}
