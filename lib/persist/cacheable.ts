/**
 * HAProxy's idea of a cacheable response (`http_check_response_for_cacheability`),
 * which decides whether `nocache` appends `Cache-control: private`.
 */
import type { ResponseHeaders } from './types.js'

const HT = 9
const SP = 32
const DQUOTE = 34
const COMMA = 44
const BACKSLASH = 92

function has(headers: ResponseHeaders, name: string): boolean {
  return headers[name] !== undefined
}

/**
 * The comma-separated values of a header (all its lines), trimmed, lower-cased,
 * as HAProxy's `http_find_header(…, full=0)` iterates them: commas inside
 * quoted strings do not split.
 */
function headerValues(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return []
  const lines = typeof value === 'string' ? [value] : value
  const values: string[] = []
  for (const line of lines) {
    let start = 0
    let quoted = false
    let escaped = false
    for (let i = 0; i <= line.length; i++) {
      const c = i < line.length ? line.charCodeAt(i) : COMMA
      if (escaped) escaped = false
      else if (quoted) {
        if (c === BACKSLASH) escaped = true
        else if (c === DQUOTE) quoted = false
      } else if (c === DQUOTE) quoted = true
      if (c === COMMA && (!quoted || i === line.length)) {
        let a = start
        let b = i
        while (a < b && (line.charCodeAt(a) === SP || line.charCodeAt(a) === HT)) a++
        while (b > a && (line.charCodeAt(b - 1) === SP || line.charCodeAt(b - 1) === HT)) b--
        values.push(line.slice(a, b).toLowerCase())
        start = i + 1
      }
    }
  }
  return values
}

/**
 * True when HAProxy would consider the response cacheable:
 * - the request method was GET, HEAD, OPTIONS or TRACE — or a
 *   `Cache-Control: public` directive says so (it re-enables caching wherever
 *   it appears);
 * - the status is at least 200;
 * - no `Pragma: no-cache` (the first Pragma line, compared whole);
 * - no Cache-Control `private`, `no-cache`, `no-store` or `s-maxage=0`, and no
 *   `max-age=0` unless an `s-maxage` follows it (directives apply in order);
 * - and freshness information (Cache-Control `max-age…`/`s-maxage…`, or an
 *   `Expires` header) or a validator (`ETag`, `Last-Modified`).
 *
 * So a plain response gets no `Cache-control: private` from `nocache`, and one
 * with `Cache-Control: max-age=60` does.
 *
 * HAProxy: `cookie … nocache` (and `option checkcache`)
 *
 * @param cacheableMethod The request method was GET, HEAD, OPTIONS or TRACE (`isCacheableMethod`).
 * @param headers Response headers with lower-case names.
 */
export function isResponseCacheable(cacheableMethod: boolean, status: number, headers: ResponseHeaders): boolean {
  if (status < 200) return false
  const pragma = headers['pragma']
  const firstPragma = typeof pragma === 'string' ? pragma : pragma?.[0]
  if (firstPragma !== undefined && firstPragma.trim().toLowerCase() === 'no-cache') return false
  let cacheable = cacheableMethod
  let fresh = false
  let nullMaxAge = false
  for (const v of headerValues(headers['cache-control'])) {
    if (v === 'public') cacheable = true
    else if (v === 'max-age=0') nullMaxAge = true
    else if (v === 'private' || v === 'no-cache' || v === 'no-store' || v === 's-maxage=0') cacheable = false
    else if (v.startsWith('no-cache="set-cookie')) continue // only forbids caching the cookie itself
    else if (v.startsWith('s-maxage')) {
      fresh = true
      nullMaxAge = false // an s-maxage overrides max-age=0 for shared caches
    } else if (v.startsWith('max-age')) fresh = true
  }
  if (nullMaxAge) return false
  if (!fresh) fresh = has(headers, 'expires')
  if (!fresh && !has(headers, 'etag') && !has(headers, 'last-modified')) return false
  return cacheable
}
