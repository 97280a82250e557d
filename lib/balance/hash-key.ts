/**
 * Key extraction for hash-based balancing: turns a {@link PickRequest} into
 * the 32-bit hash HAProxy would compute for `balance source | uri | url_param
 * | hdr(name)`, or `undefined` when the key is missing (the balancer then
 * falls back to its round-robin walk).
 *
 * Extraction never slices strings or allocates: the hash functions of
 * `hash-fn.ts` take a range, and addresses are parsed in place.
 */
import { avalanche as mix, hashFunction, type HashFn } from './hash-fn.js'
import { isMapped, parseAddress } from '../rules/ip.js'
import type { BalanceConfig, HashKeySpec, PickRequest } from './types.js'

/** Hashes the key of a request; `undefined` when the request has no key. */
export type KeyHasher = (request: PickRequest) => number | undefined

/** The part of a `hash` {@link BalanceConfig} that decides how a key is hashed. */
export type KeyHashConfig = Pick<Extract<BalanceConfig, { algorithm: 'hash' }>, 'key' | 'function' | 'avalanche'>

/**
 * Builds the key hasher of a `hash` balance configuration.
 *
 * - `source`: the client address as a big-endian 32-bit integer (IPv4), or the
 *   XOR of the four 32-bit words of an IPv6 address; an IPv4-mapped IPv6
 *   address (`::ffff:a.b.c.d`) counts as IPv4. The hash function is ignored
 *   (HAProxy does the same); `avalanche` is applied when configured. A missing
 *   or unparsable address is a missing key.
 * - `uri`: the request-target up to the first `?` (unless `whole`), limited to
 *   `len` characters (0 = no limit) and stopping before the (`depth`+1)-th `/`.
 *   `pathOnly` first drops the scheme and authority of an absolute URI; a
 *   request-target with no path (`*`, authority form, `http://host`) then
 *   hashes as the empty string.
 * - `url_param`: the value of the first query parameter named exactly `name`
 *   and followed by `=`, up to `&` or the end; `name=` hashes the empty
 *   string, `?name` alone is missing. With `checkPost`, a POST request whose
 *   query lacks the parameter has its `body` scanned the same way as
 *   `application/x-www-form-urlencoded`; a value with a byte that is neither
 *   a token character nor whitespace means the body is not a form (missing),
 *   whitespace ends the value.
 * - `hdr`: the first value of the header (first array element, then the first
 *   comma-separated element outside quotes, trimmed of blanks); absent or
 *   empty is missing. `useDomainOnly` hashes only the label before the last
 *   dot (`www.example.com` → `example`, `localhost` → `localhost`).
 *
 * The hash is computed over the UTF-8 bytes of the key, in characters for `len`.
 *
 * HAProxy: `balance source | uri | url_param | hdr(<name>)`, `hash-type … [avalanche]`.
 */
export function createKeyHasher(config: KeyHashConfig): KeyHasher {
  const fn = hashFunction(config.function)
  const aval = config.avalanche
  const key: HashKeySpec = config.key
  switch (key.kind) {
    case 'source':
      return (request) => {
        const src = request.source
        if (src === undefined) return undefined
        const h = addressHash(src)
        if (h < 0) return undefined
        return aval ? mix(h) : h
      }
    case 'uri':
      return uriHasher(fn, aval, key.len ?? 0, key.depth, key.whole === true, key.pathOnly === true)
    case 'url_param':
      return urlParamHasher(fn, aval, key.name, key.checkPost === true)
    case 'hdr':
      return headerHasher(fn, aval, key.name.toLowerCase(), key.useDomainOnly === true)
  }
}

// ---------------------------------------------------------------- source

/** Words of the address being hashed (module scratch: hashing never re-enters). */
const words = new Uint32Array(4)

/**
 * The `balance source` integer of an address text, or −1 when it is not an
 * IP address: IPv4 → big-endian integer; IPv6 → XOR of its 32-bit words;
 * IPv4-mapped IPv6 → the IPv4 integer. An IPv6 zone (`%eth0`) is ignored.
 * Parsing is the one the rules use (strict: `010.0.0.1` is not an address).
 */
export function addressHash(text: string): number {
  const family = parseAddress(text, 0, text.length, words)
  if (family === 0) return -1
  if (family === 4 || isMapped(words)) return words[3]!
  return (words[0]! ^ words[1]! ^ words[2]! ^ words[3]!) >>> 0
}

// ---------------------------------------------------------------- uri

/**
 * Start of the path of a request-target (HAProxy `http_parse_path`): the
 * target itself for origin form; after `scheme://authority` for absolute
 * form; `text.length` (an empty path) for `*`, authority form, or an absolute
 * URI without a path.
 */
export function pathStart(text: string): number {
  const n = text.length
  if (n === 0) return 0
  const first = text.charCodeAt(0)
  if (first === 47 /* / */) return 0
  if (!isAlpha(first)) return n
  let i = 1
  while (i < n) {
    const c = text.charCodeAt(i)
    if (!(isAlpha(c) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) break // alnum + - .
    i++
  }
  if (i + 3 > n || text.charCodeAt(i) !== 58 || text.charCodeAt(i + 1) !== 47 || text.charCodeAt(i + 2) !== 47) return n
  const slash = text.indexOf('/', i + 3)
  return slash < 0 ? n : slash
}

function isAlpha(c: number): boolean {
  const l = c | 0x20
  return l >= 97 && l <= 122
}

function uriHasher(fn: HashFn, aval: boolean, len: number, depth: number | undefined, whole: boolean, pathOnly: boolean): KeyHasher {
  // HAProxy stores depth + 1: the slash count at which hashing stops (0 = never).
  const stopAt = depth === undefined ? 0 : depth + 1
  return (request) => {
    const uri = request.uri
    if (uri === undefined) return undefined
    const start = pathOnly ? pathStart(uri) : 0
    let end = uri.length
    if (len > 0 && end - start > len) end = start + len
    let i = end
    if (stopAt === 0) {
      // No depth: only the query can end the key, and indexOf is faster than a loop.
      if (!whole) {
        const q = uri.indexOf('?', start)
        if (q >= 0 && q < end) i = q
      }
    } else {
      let slashes = 0
      for (i = start; i < end; i++) {
        const c = uri.charCodeAt(i)
        if (c === 47 /* / */) {
          if (++slashes === stopAt) break
        } else if (c === 63 /* ? */ && !whole) {
          break
        }
      }
    }
    const h = fn(uri, start, i)
    return aval ? mix(h) : h
  }
}

// ---------------------------------------------------------------- url_param

/** Token characters of RFC 9110 (`tchar`), indexed by ASCII code. */
const TOKEN = /* @__PURE__ */ (() => {
  const table = new Uint8Array(128)
  const specials = "!#$%&'*+-.^_`|~"
  for (let c = 48; c <= 57; c++) table[c] = 1
  for (let c = 65; c <= 90; c++) table[c] = table[c + 32] = 1
  for (let k = 0; k < specials.length; k++) table[specials.charCodeAt(k)] = 1
  return table
})()

/** HAProxy `HTTP_IS_LWS`: space, tab, CR, LF. */
function isLws(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10
}

/**
 * Finds parameter `name` in the `&`-separated list text[from, text.length).
 * Returns the index just after `name=` (the value start), or −1.
 */
function findParam(text: string, from: number, name: string): number {
  const plen = name.length
  const n = text.length
  let p = from
  while (n - p > plen) {
    if (text.charCodeAt(p + plen) === 61 /* = */ && text.startsWith(name, p)) return p + plen + 1
    const amp = text.indexOf('&', p)
    if (amp < 0) return -1
    p = amp + 1
  }
  return -1
}

function urlParamHasher(fn: HashFn, aval: boolean, name: string, checkPost: boolean): KeyHasher {
  return (request) => {
    const uri = request.uri
    if (uri !== undefined) {
      const q = uri.indexOf('?')
      if (q >= 0) {
        const start = findParam(uri, q + 1, name)
        if (start >= 0) {
          let end = uri.indexOf('&', start)
          if (end < 0) end = uri.length
          const h = fn(uri, start, end)
          return aval ? mix(h) : h
        }
      }
    }
    if (!checkPost || request.method !== 'POST') return undefined
    const body = request.body
    if (body === undefined) return undefined
    const start = findParam(body, 0, name)
    if (start < 0) return undefined
    let end = start
    for (; end < body.length; end++) {
      const c = body.charCodeAt(end)
      if (c === 38 /* & */) break
      if (c >= 128 || TOKEN[c] === 0) {
        // Not URL-encoded: a blank ends the value, anything else means binary data.
        if (isLws(c)) break
        return undefined
      }
    }
    const h = fn(body, start, end)
    return aval ? mix(h) : h
  }
}

// ---------------------------------------------------------------- hdr

/**
 * End of the first comma-separated element of a header value starting at
 * `from`, honouring quoted strings and backslash escapes inside them
 * (HAProxy `http_find_hdr_value_end`).
 */
function valueEnd(text: string, from: number): number {
  let quoted = false
  let escaped = false
  let i = from
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (escaped) escaped = false
    else if (quoted) {
      if (c === 92 /* \ */) escaped = true
      else if (c === 34 /* " */) quoted = false
    } else if (c === 34) quoted = true
    else if (c === 44 /* , */) break
  }
  return i
}

function headerHasher(fn: HashFn, aval: boolean, name: string, domainOnly: boolean): KeyHasher {
  return (request) => {
    const raw = request.headers?.[name]
    const value = typeof raw === 'string' ? raw : raw?.[0]
    if (value === undefined) return undefined
    let start = 0
    while (start < value.length && isLws(value.charCodeAt(start))) start++
    let end = valueEnd(value, start)
    while (end > start && isLws(value.charCodeAt(end - 1))) end--
    if (end === start) return undefined
    if (domainOnly) {
      // HAProxy walks back from the end: the last dot ends the label, the dot
      // before it (if any) starts it. The first character is never tested as
      // the last dot, so ".com" hashes whole, as in HAProxy.
      let p = end
      let last = end
      let found = false
      for (let left = end - start; left > 0; left--, p--) {
        if (found) {
          if (value.charCodeAt(p - 1) === 46) break
        } else if (p < end && value.charCodeAt(p) === 46) {
          last = p
          found = true
        }
      }
      start = p
      end = last
    }
    const h = fn(value, start, end)
    return aval ? mix(h) : h
  }
}
