/**
 * Request side of cookie persistence: one pass over the `Cookie` header(s)
 * that finds the persistence cookie, decodes its dates, applies maxidle /
 * maxlife, and rewrites the header for the server — HAProxy's
 * `http_manage_client_side_cookies()`, byte for byte on what is forwarded.
 */
import { decodeCookieDate } from './cookie-date.js'
import { cookieValueEnd, isSpHt } from './cookie-syntax.js'
import type { CookieOccurrence, CookiePolicy, RequestCookies } from './types.js'

const DOLLAR = 36
const BAR = 124
const TILDE = 126

/** HAProxy's future tolerance: a date more than one day ahead expires the cookie. */
const FUTURE_TOLERANCE_S = 86400

const NO_OCCURRENCES: readonly CookieOccurrence[] = Object.freeze([])

function noCookie(post: boolean, cacheableMethod: boolean): RequestCookies {
  return Object.freeze({
    occurrences: NO_OCCURRENCES,
    found: undefined,
    lastSeen: undefined,
    firstSeen: undefined,
    rewritten: false,
    rewrittenHeader: undefined,
    post,
    cacheableMethod,
  })
}

// Shared results for requests without a persistence cookie and without rewriting:
// the common case allocates nothing.
const NONE_CACHEABLE = noCookie(false, true)
const NONE_POST = noCookie(true, false)
const NONE_OTHER = noCookie(false, false)

/** GET, HEAD, OPTIONS and TRACE: the methods after which HAProxy considers a response cacheable (case-sensitive, as HAProxy's method table). */
export function isCacheableMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'TRACE'
}

// ---------------------------------------------------------------- scan state
// Module scratch: a scan is synchronous and never re-entered, so one set of
// variables serves every call without allocating.

/** Output built so far for the current line (only when {@link changed}). */
let out = ''
/** Source position up to which the line has been accounted for in {@link out}. */
let copied = 0
/** The current line has been edited. */
let changed = false
/** HAProxy's per-request dates (seconds, 0 = none): the last valid ones parsed. */
let lastDate = 0
let firstDate = 0
/** Occurrences of the persistence cookie found so far (allocated on the first one). */
let found: CookieOccurrence[] | undefined

/** Replace line[from, to) with `insert` (edits arrive in increasing position order). */
function edit(line: string, from: number, to: number, insert: string): void {
  // A space backed over by a deletion may already be gone (stripped after an '=').
  const start = from < copied ? copied : from
  out += line.slice(copied, start) + insert
  copied = to
  changed = true
}

/**
 * HAProxy `http_del_hdr_value()`: removes line[from, next), where `next` is
 * the delimiter before the cookie that follows. At the start of the line the
 * delimiter and the spaces after it go too; elsewhere the spaces before
 * `from` go, and the following delimiter is kept, followed by one space.
 */
function deleteValue(line: string, from: number, next: number): void {
  const end = line.length
  // Invariant: a cookie starts after `next`, so next < end.
  let to = next + 1
  while (to < end && isSpHt(line.charCodeAt(to))) to++
  if (from === 0) {
    edit(line, 0, to, '')
    return
  }
  let start = from
  while (start > 0 && isSpHt(line.charCodeAt(start - 1))) start--
  // HAProxy writes the delimiter, then a space when the hole is wider than one
  // character — always here, since a whole cookie ("N=", at least) lies between.
  edit(line, start, to, line[next]! + ' ')
}

/** True when a space or a tab touches an '=' (HAProxy would remove it). */
function hasSpaceAroundEqual(line: string): boolean {
  return line.indexOf(' =') >= 0 || line.indexOf('= ') >= 0 || line.indexOf('\t=') >= 0 || line.indexOf('=\t') >= 0
}

/** Position of `char` in line[from, n), or `n`. */
function indexOr(line: string, char: string, from: number, n: number): number {
  const at = line.indexOf(char, from)
  return at < 0 ? n : at
}

/**
 * Scans one `Cookie` header line. Returns `undefined` when it is forwarded
 * unchanged, `null` when the whole header must go, or the new value.
 */
function scanLine(line: string, policy: CookiePolicy, nowS: number, maxidleS: number, maxlifeS: number): string | null | undefined {
  const n = line.length
  const name = policy.name
  // Fast path: without our name nothing is deleted or stripped, and without a
  // space or tab next to an '=' nothing is normalised: the line is forwarded as is.
  if (line.indexOf(name) < 0 && !hasSpaceAroundEqual(line)) return undefined
  const prefixMode = policy.mode === 'prefix'
  const stripMode = policy.mode === 'insert' && policy.indirect
  out = ''
  copied = 0
  changed = false
  let delFrom = -1 // start of a pending deletion (HAProxy del_from)
  let delFromOut = 0 // where delFrom falls in the output
  let preserve = false // something must stay in this header (HAProxy preserve_hdr)
  // Next '=', ';' and ',' at or after the last search (n: none). The source line
  // never changes (edits go to `out`), so each is searched forward once: linear.
  let nextEq = -1
  let nextSemi = -1
  let nextComma = -1
  // Quotes only matter inside values; without any, a value ends at the next ';' or ','.
  const quoted = line.indexOf('"') >= 0
  let next = 0
  let first = true
  for (let prev = 0; prev < n; prev = next) {
    // After the first cookie, prev is the delimiter that ended the previous one.
    let attBeg = first ? prev : prev + 1
    first = false
    while (attBeg < n && isSpHt(line.charCodeAt(attBeg))) attBeg++
    // equal: the first '=', ',' or ';'; attEnd: after the last non-space before it.
    if (nextEq < attBeg) nextEq = indexOr(line, '=', attBeg, n)
    if (nextSemi < attBeg) nextSemi = indexOr(line, ';', attBeg, n)
    if (nextComma < attBeg) nextComma = indexOr(line, ',', attBeg, n)
    const equal = Math.min(nextEq, nextSemi, nextComma)
    let attEnd = equal
    while (attEnd > attBeg && isSpHt(line.charCodeAt(attEnd - 1))) attEnd--
    let valBeg: number
    let valEnd: number
    if (equal === nextEq && equal < n) {
      valBeg = equal + 1
      while (valBeg < n && isSpHt(line.charCodeAt(valBeg))) valBeg++
      if (quoted) next = cookieValueEnd(line, valBeg, n)
      // Both were searched from attBeg and lie after '=' (equal was the first of the three),
      // and only spaces separate '=' from valBeg: they are still the next ones.
      else next = nextSemi < nextComma ? nextSemi : nextComma
      valEnd = next
      while (valEnd > valBeg && isSpHt(line.charCodeAt(valEnd - 1))) valEnd--
    } else {
      valBeg = valEnd = next = equal
    }
    // RFC 2109 attributes ($Path, $Domain…) belong to the cookie before them: skipped, deleted with it.
    if (line.charCodeAt(attBeg) === DOLLAR) continue
    const ours = equal !== next && attEnd - attBeg === name.length && line.startsWith(name, attBeg)
    if (!ours) {
      // Not ours (or no '='): it stays, so a pending deletion ends here.
      preserve = true
      if (delFrom >= 0) {
        deleteValue(line, delFrom, prev)
        delFrom = -1
      }
      if (equal === next) continue // a cookie without '=' is left as is
      normaliseEqual(line, attEnd, equal, valBeg)
      continue
    }
    // Our cookie: NAME=SRV, NAME=SRV|LAST, NAME=SRV|LAST|FIRST, or NAME=SRV~APP in prefix mode.
    let delim = valEnd
    let occLast = 0
    let occFirst = 0
    if (prefixMode) {
      delim = valBeg
      while (delim < valEnd && line.charCodeAt(delim) !== TILDE) delim++
    } else {
      let bar = valBeg
      while (bar < valEnd && line.charCodeAt(bar) !== BAR) bar++
      if (bar < valEnd) {
        delim = bar
        const at = bar + 1
        if (valEnd - at >= 5) {
          const v = decodeCookieDate(line, at)
          if (v > 0) lastDate = occLast = v * 4
        }
        let bar2 = at
        while (bar2 < valEnd && line.charCodeAt(bar2) !== BAR) bar2++
        if (bar2 < valEnd && valEnd - bar2 > 5) {
          const v = decodeCookieDate(line, bar2 + 1)
          if (v > 0) firstDate = occFirst = v * 4
        }
      }
    }
    // maxlife first, then maxidle; dates more than a day ahead are refused too.
    let expired: 'maxidle' | 'maxlife' | undefined
    if (firstDate !== 0 && maxlifeS > 0 && (nowS - firstDate > maxlifeS || firstDate - nowS > FUTURE_TOLERANCE_S)) {
      expired = 'maxlife'
    } else if (lastDate !== 0 && maxidleS > 0 && (nowS - lastDate > maxidleS || lastDate - nowS > FUTURE_TOLERANCE_S)) {
      expired = 'maxidle'
    }
    if (expired !== undefined) firstDate = lastDate = 0
    const occurrence: CookieOccurrence = {
      value: line.slice(valBeg, delim),
      lastSeen: occLast === 0 ? undefined : occLast * 1000,
      firstSeen: occFirst === 0 ? undefined : occFirst * 1000,
      expired,
    }
    if (found === undefined) found = [occurrence]
    else found.push(occurrence)
    if (prefixMode) {
      normaliseEqual(line, attEnd, equal, valBeg)
      if (delim !== valEnd) {
        // Strip "SRV~": the server sees the application's own value.
        edit(line, valBeg, delim + 1, '')
        preserve = true
      }
    } else if (stripMode) {
      // insert + indirect: the cookie is deleted, valid or not (with any $attributes after it).
      if (delFrom < 0) {
        delFrom = prev
        delFromOut = out.length + (prev - copied)
      }
    } else {
      normaliseEqual(line, attEnd, equal, valBeg)
    }
  }
  let result: string
  if (delFrom >= 0) {
    // A deletion still pending at the end of the line: cut there, or drop the header when nothing must stay.
    if (!preserve) return null
    result = (changed ? out + line.slice(copied) : line).slice(0, delFromOut)
  } else {
    if (!changed) return undefined
    result = out + line.slice(copied)
  }
  // An emptied header (e.g. "SRV=a;" or ";SRV=a") is removed, as HAProxy does.
  return result === '' ? null : result
}

/** HAProxy strips spaces around the '=' of every cookie it examines. */
function normaliseEqual(line: string, attEnd: number, equal: number, valBeg: number): void {
  if (attEnd !== equal) edit(line, attEnd, equal, '')
  if (valBeg > equal + 1) edit(line, equal + 1, valBeg, '')
}

/**
 * Reads the persistence cookie from a request's `Cookie` header value(s) in a
 * single pass and computes the header to forward to the server.
 *
 * - Every header line is parsed with `;` and `,` as separators; spaces around
 *   `=` are removed (from every cookie, as HAProxy does); `$` attributes are
 *   skipped; the cookie named exactly `policy.name` (case-sensitive) is examined,
 *   every occurrence of it.
 * - Its value is split into the server part and, outside prefix mode, dates
 *   after `|` (5 base64 characters each); an expired cookie — `now − first >
 *   maxlife`, else `now − last > maxidle`, or a date more than 86400 s ahead — is
 *   reported and treated as absent.
 * - Forwarded header: prefix mode strips `SRV~` (a value without `~` is left
 *   alone); insert + indirect removes the cookie whether valid or not (the whole
 *   header when nothing else remains); other modes forward it as is.
 *
 * Never throws; malformed input is handled the way HAProxy does. Nothing is
 * allocated for a request without the persistence cookie whose header needs no
 * rewriting (a shared frozen result is returned).
 *
 * HAProxy: `cookie <name> …` request processing (`http_manage_client_side_cookies`)
 *
 * @param header The `Cookie` header: a string (node:http joins several with `; `), one string per line, or `undefined`.
 * @param method The request method, case-sensitive (`postonly`, `nocache`).
 * @param now Unix time in milliseconds (wall clock: the dates in cookies are Unix dates).
 */
export function readRequestCookies(
  header: string | readonly string[] | undefined,
  policy: CookiePolicy,
  method: string,
  now: number,
): RequestCookies {
  const post = method === 'POST'
  const cacheableMethod = isCacheableMethod(method)
  if (header === undefined) return post ? NONE_POST : cacheableMethod ? NONE_CACHEABLE : NONE_OTHER
  const nowS = Math.floor(now / 1000)
  const maxidleS = Math.floor(policy.maxidle / 1000)
  const maxlifeS = Math.floor(policy.maxlife / 1000)
  lastDate = 0
  firstDate = 0
  found = undefined
  let rewritten = false
  let rewrittenHeader: string | readonly string[] | undefined
  if (typeof header === 'string') {
    const line = scanLine(header, policy, nowS, maxidleS, maxlifeS)
    if (line !== undefined) {
      rewritten = true
      rewrittenHeader = line ?? undefined
    }
  } else {
    let lines: string[] | undefined
    for (let i = 0; i < header.length; i++) {
      const line = scanLine(header[i]!, policy, nowS, maxidleS, maxlifeS)
      if (line === undefined) {
        lines?.push(header[i]!)
        continue
      }
      lines ??= header.slice(0, i)
      if (line !== null) lines.push(line)
    }
    if (lines !== undefined) {
      rewritten = true
      rewrittenHeader = lines.length === 0 ? undefined : lines
    }
  }
  const occurrences = found
  found = undefined
  if (occurrences === undefined && !rewritten) return post ? NONE_POST : cacheableMethod ? NONE_CACHEABLE : NONE_OTHER
  return {
    occurrences: occurrences ?? NO_OCCURRENCES,
    found: occurrences?.[0],
    lastSeen: lastDate === 0 ? undefined : lastDate * 1000,
    firstSeen: firstDate === 0 ? undefined : firstDate * 1000,
    rewritten,
    rewrittenHeader,
    post,
    cacheableMethod,
  }
}
