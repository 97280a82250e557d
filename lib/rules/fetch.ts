/**
 * Sample fetches over a {@link Txn}: header values (split on commas outside
 * quotes, as HAProxy's `hdr()` does), cookies, query parameters and the Host
 * header, iterated as ranges of the original strings so that matching
 * allocates nothing. Request header reads see the edits earlier rules made.
 */
import type { RangeMatcher } from './match.js'
import type { Txn } from './txn.js'
import type { RuleHeaders } from './types.js'

/** Calls `test` on each value of one header line; true as soon as one matches. */
function anyValueOf(value: string, full: boolean, test: RangeMatcher): boolean {
  if (full) return test(value, trimStart(value, 0, value.length), trimEnd(value, 0, value.length))
  let start = 0
  let quoted = false
  for (let i = 0; i <= value.length; i++) {
    const c = i < value.length ? value.charCodeAt(i) : 44
    if (c === 34 /* " */) quoted = !quoted
    else if (c === 92 /* \ */ && quoted && i + 1 < value.length) i++
    else if (c === 44 /* , */ && (!quoted || i === value.length)) {
      if (test(value, trimStart(value, start, i), trimEnd(value, start, i))) return true
      start = i + 1
    }
  }
  return false
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9
}

function trimStart(s: string, start: number, end: number): number {
  while (start < end && isBlank(s.charCodeAt(start))) start++
  return start
}

function trimEnd(s: string, start: number, end: number): number {
  while (end > start && isBlank(s.charCodeAt(end - 1))) end--
  return end
}

/** Calls `test` on each value of a header field as node:http gives it. */
export function anyHeaderValue(value: string | readonly string[] | undefined, full: boolean, test: RangeMatcher): boolean {
  if (value === undefined) return false
  if (typeof value === 'string') return anyValueOf(value, full, test)
  for (let i = 0; i < value.length; i++) if (anyValueOf(value[i]!, full, test)) return true
  return false
}

/** Calls `test` on each value of the `name` lines of a flat `[name, value, …]` list. */
export function anyListValue(list: readonly string[], name: string, full: boolean, test: RangeMatcher): boolean {
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] === name && anyValueOf(list[i + 1]!, full, test)) return true
  }
  return false
}

/** Each value of request header `name` as the rules left it so far. */
export function anyRequestHeader(txn: Txn, name: string, full: boolean, test: RangeMatcher): boolean {
  const headers: RuleHeaders = txn.request.headers
  if (txn.drop === undefined && txn.append === undefined) return anyHeaderValue(headers[name], full, test)
  if ((txn.drop === undefined || !txn.drop.includes(name)) && anyHeaderValue(headers[name], full, test)) return true
  return txn.append !== undefined && anyListValue(txn.append, name, full, test)
}

const ANY: RangeMatcher = () => true

/** True when request header `name` is present (after edits). */
export function hasRequestHeader(txn: Txn, name: string): boolean {
  return anyRequestHeader(txn, name, true, ANY)
}

/** Scratch for {@link lastRequestHeader} and counting (fetches never re-enter). */
let lastText = ''
let lastStart = 0
let lastEnd = -1
let count = 0

const remember: RangeMatcher = (text, start, end) => {
  lastText = text
  lastStart = start
  lastEnd = end
  count++
  return false
}

/** Number of values of request header `name` (after edits). HAProxy: `hdr_cnt`. */
export function countRequestHeader(txn: Txn, name: string): number {
  count = 0
  anyRequestHeader(txn, name, false, remember)
  return count
}

/** The last value of request header `name` (after edits), or `undefined`. HAProxy: `hdr()` outside ACLs. */
export function lastRequestHeader(txn: Txn, name: string, full = false): string | undefined {
  lastEnd = -1
  anyRequestHeader(txn, name, full, remember)
  return lastEnd < 0 ? undefined : lastText.slice(lastStart, lastEnd)
}

/** The last value of `name` in a flat list, or `undefined`. */
export function lastListValue(list: readonly string[], name: string, full = false): string | undefined {
  lastEnd = -1
  anyListValue(list, name, full, remember)
  return lastEnd < 0 ? undefined : lastText.slice(lastStart, lastEnd)
}

/** Calls `test` on the value of each `name=value` cookie in one Cookie header value. */
function anyCookieIn(value: string, name: string, test: RangeMatcher): boolean {
  let start = 0
  while (start <= value.length) {
    let end = value.indexOf(';', start)
    if (end < 0) end = value.length
    const a = trimStart(value, start, end)
    const eq = value.indexOf('=', a)
    if (eq >= 0 && eq < end && trimEnd(value, a, eq) - a === name.length && value.startsWith(name, a)) {
      if (test(value, trimStart(value, eq + 1, end), trimEnd(value, eq + 1, end))) return true
    }
    start = end + 1
  }
  return false
}

/**
 * Calls `test` on the value of each cookie named `name` in the request's
 * Cookie header(s) (after edits). Pairs are separated by `;`, blanks around
 * names and values are ignored. HAProxy: `req.cook(<name>)` in an ACL.
 */
export function anyCookie(txn: Txn, name: string, test: RangeMatcher): boolean {
  return anyRequestHeader(txn, 'cookie', true, (text, start, end) => anyCookieIn(start === 0 && end === text.length ? text : text.slice(start, end), name, test))
}

/** The last value of cookie `name`, or `undefined`. HAProxy: `req.cook(<name>)` outside ACLs. */
export function lastCookie(txn: Txn, name: string): string | undefined {
  let found: string | undefined
  anyCookie(txn, name, (text, start, end) => {
    found = text.slice(start, end)
    return false
  })
  return found
}

/**
 * Calls `test` on the raw value of each `name=value` query parameter of
 * `url` (parameters separated by `&`; a parameter without `=` does not count,
 * as in HAProxy). HAProxy: `url_param(<name>)` in an ACL.
 */
export function anyParam(url: string, queryStart: number, name: string, test: RangeMatcher): boolean {
  if (queryStart >= url.length) return false
  let start = queryStart + 1
  while (start <= url.length) {
    let end = url.indexOf('&', start)
    if (end < 0) end = url.length
    const eq = start + name.length
    if (eq < end && url.charCodeAt(eq) === 61 /* = */ && url.startsWith(name, start) && test(url, eq + 1, end)) return true
    start = end + 1
  }
  return false
}

/** The first value of query parameter `name`, or `undefined`. HAProxy: `url_param(<name>)` outside ACLs. */
export function firstParam(url: string, queryStart: number, name: string): string | undefined {
  let found: string | undefined
  anyParam(url, queryStart, name, (text, start, end) => {
    found = text.slice(start, end)
    return true
  })
  return found
}
