/**
 * Values built per request: literal strings, or a subset of HAProxy's
 * log-format (`%[fetch]` samples and `%%`), compiled once into a list of
 * parts. A sample that is missing prints `-`, as HAProxy's log-format does.
 */
import { checkCounter, counterValue, slotEntry } from './counters.js'
import { optionError, type CompileContext } from './context.js'
import { lastCookie, lastListValue, lastRequestHeader, firstParam } from './fetch.js'
import type { Txn } from './txn.js'
import type { CounterName, CounterSlot, ValueFormat } from './types.js'

/** Produces the value for one request. */
export type ValueFn = (txn: Txn) => string

/** A parsed sample fetch call: `name` or `name(arg,…)`. */
export interface FetchCall {
  readonly name: string
  readonly args: readonly string[]
}

/** Parses `name`, `name()` or `name(a,b)`; `undefined` when malformed. */
export function parseFetchCall(text: string): FetchCall | undefined {
  const m = /^([a-z][a-z0-9_.]*)(?:\(([^()]*)\))?$/i.exec(text)
  if (m === null) return undefined
  const inner = m[2]
  return { name: m[1]!.toLowerCase(), args: inner === undefined || inner === '' ? [] : inner.split(',').map((a) => a.trim()) }
}

/**
 * A stick counter fetch name: `sc_<counter>` with the slot as argument
 * (default 0), or `sc<slot>_<counter>`. `undefined` for other names.
 */
export function counterFetch(call: FetchCall): { slot: number; counter: CounterName } | undefined {
  const m = /^sc(\d)?_(conn_cur|http_req_cnt|http_req_rate|http_err_cnt|http_err_rate)$/.exec(call.name)
  if (m === null) return undefined
  const slot = m[1] !== undefined ? Number(m[1]) : call.args.length > 0 ? Number(call.args[0]) : 0
  return { slot, counter: m[2] as CounterName }
}

/** A string sample fetch for a format; `undefined` for an unknown name. */
function sampleFn(call: FetchCall, field: string, ctx: CompileContext): ((txn: Txn) => string | undefined) | undefined {
  const arg = call.args[0]
  const needArg = (): string => {
    if (arg === undefined || arg === '') throw optionError(field, `\`${call.name}\` needs an argument`, call.name)
    return arg
  }
  switch (call.name) {
    case 'src':
      return (t) => t.source
    case 'path':
      return (t) => t.path
    case 'query':
      return (t) => t.query
    case 'url':
      return (t) => t.url
    case 'method':
      return (t) => t.request.method
    case 'hdr':
    case 'req.hdr':
    case 'req.fhdr': {
      const name = needArg().toLowerCase()
      const full = call.name === 'req.fhdr'
      return (t) => lastRequestHeader(t, name, full)
    }
    case 'url_param':
    case 'urlp': {
      const name = needArg()
      return (t) => firstParam(t.url, t.pathEnd, name)
    }
    case 'req.cook':
    case 'cook': {
      const name = needArg()
      return (t) => lastCookie(t, name)
    }
    case 'status':
    case 'res.hdr':
    case 'res.fhdr': {
      if (ctx.phase !== 'response') throw optionError(field, `\`${call.name}\` is only available in response rules`, call.name)
      if (call.name === 'status') return (t) => String(t.resStatus)
      const name = needArg().toLowerCase()
      const full = call.name === 'res.fhdr'
      // respond() sets resHeaders before running response rules.
      return (t) => lastListValue(t.resHeaders!, name, full)
    }
    case 'nbsrv': {
      const backend = needArg()
      const usable = ctx.backends?.usableServers(backend)
      if (usable === undefined) throw optionError(field, `no backend named \`${backend}\``, backend)
      return () => String(usable())
    }
  }
  const counter = counterFetch(call)
  if (counter === undefined) return undefined
  const slot = counter.slot as CounterSlot
  checkCounter(slot, counter.counter, field, ctx)
  return (t) => {
    const v = counterValue(slotEntry(t, slot), counter.counter, t.now)
    return v < 0 ? undefined : String(v)
  }
}

/**
 * Compiles a value: a plain string is literal; `{ format }` is parsed as
 * log-format.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for a value that is not a
 *   string, an unknown or malformed `%[…]`, another `%` sequence, or a
 *   literal part with CR, LF or NUL (header injection).
 */
export function compileValue(value: ValueFormat, field: string, ctx: CompileContext): ValueFn {
  if (typeof value === 'string') {
    checkText(value, field)
    return () => value
  }
  if (typeof value !== 'object' || value === null || typeof value.format !== 'string') throw optionError(field, 'expected a string or { format: string }', value)
  const format = value.format
  const parts: Array<string | ((txn: Txn) => string | undefined)> = []
  let literal = ''
  for (let i = 0; i < format.length; i++) {
    const c = format[i]
    if (c !== '%') {
      literal += c
      continue
    }
    if (format[i + 1] === '%') {
      literal += '%'
      i++
      continue
    }
    if (format[i + 1] !== '[') throw optionError(field, `unsupported log-format sequence at \`${format.slice(i)}\` (only %[fetch] and %%)`, format)
    const close = format.indexOf(']', i)
    const text = close < 0 ? '' : format.slice(i + 2, close)
    const call = parseFetchCall(text)
    const fn = call === undefined ? undefined : sampleFn(call, field, ctx)
    if (fn === undefined) throw optionError(field, `unknown or malformed sample fetch \`%[${text}]\``, format)
    if (literal !== '') parts.push(literal)
    literal = ''
    parts.push(fn)
    i = close
  }
  if (literal !== '') parts.push(literal)
  checkText(parts.filter((p) => typeof p === 'string').join(''), field)
  if (parts.length === 0) return () => ''
  if (parts.length === 1 && typeof parts[0] === 'string') {
    const only = parts[0]
    return () => only
  }
  return (txn) => {
    let out = ''
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!
      out += typeof p === 'string' ? p : (p(txn) ?? '-')
    }
    return out
  }
}

/** Refuses CR, LF and NUL in configured header text (response splitting, hazard §7). */
export function checkText(text: string, field: string): void {
  if (/[\r\n\0]/.test(text)) throw optionError(field, 'CR, LF and NUL are not allowed in header values', text)
}
