/**
 * Request and response rule actions compiled once into small functions over
 * a {@link Txn}. Each returns true when the action is final (evaluation of
 * the rule list stops), as HAProxy's final actions do.
 */
import { compileCondition, rateTests, retryAfterSeconds } from './condition.js'
import { optionError, type CompileContext, type Predicate } from './context.js'
import { slotEntry } from './counters.js'
import { lastCookie, lastRequestHeader, firstParam } from './fetch.js'
import { checkText, compileValue, type ValueFn } from './format.js'
import { parseAddress, plainAddress } from './ip.js'
import { compileRegex } from './match.js'
import type { StickTable } from './stick-table.js'
import { removeLines, type Txn } from './txn.js'
import type { ReplyOptions, RequestRule, ResponseRule, RuleGuard, TrackKey } from './types.js'

/** A compiled rule: its guard (undefined = always) and its action. */
export interface CompiledRule {
  readonly test: Predicate | undefined
  /** Runs the action; true when it is final. */
  readonly run: (txn: Txn) => boolean
  /**
   * A backend-stage rule (`use-backend`, `force-persist`, `ignore-persist`):
   * HAProxy evaluates these after the `http-request` rules, so an `allow`
   * that stops those does not skip them.
   */
  readonly late: boolean
}

/** Compile-time settings of request actions. */
export interface ActionEnv {
  readonly tables: ReadonlyMap<string, StickTable>
  readonly tarpitTimeout: number
}

/** Largest queue priority class magnitude. HAProxy: `set-priority-class` range −2047…2047 (§3.3). */
export const PRIORITY_CLASS_LIMIT = 2047
/** Largest queue priority offset magnitude in ms. HAProxy: `set-priority-offset` range ±524287 (§3.3). */
export const PRIORITY_OFFSET_LIMIT = 524287

/** HTTP token characters (RFC 9110 field names). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function headerName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !TOKEN.test(value)) throw optionError(field, 'expected a header name (token characters)', value)
  return value.toLowerCase()
}

function statusCode(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw optionError(field, `expected an integer status ${min}…${max}`, value)
  return value
}

function clampInt(value: unknown, field: string, limit: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw optionError(field, 'expected a number', value)
  return Math.max(-limit, Math.min(limit, Math.trunc(value)))
}

/** Compiles a rule's `if`/`unless` guard. */
function compileGuard(rule: RuleGuard, field: string, ctx: CompileContext): Predicate | undefined {
  const when = rule.if === undefined ? undefined : compileCondition(rule.if, `${field}.if`, ctx)
  const unless = rule.unless === undefined ? undefined : compileCondition(rule.unless, `${field}.unless`, ctx)
  if (unless === undefined) return when
  if (when === undefined) return (t) => !unless(t)
  return (t) => when(t) && !unless(t)
}

/** Reply headers `hdr <name> <fmt>`: names and compiled values. */
function compileReplyHeaders(headers: ReplyOptions['headers'], field: string, ctx: CompileContext): Array<[string, ValueFn]> {
  if (headers === undefined) return []
  if (typeof headers !== 'object' || headers === null) throw optionError(field, 'expected an object of header values', headers)
  return Object.entries(headers).map(([name, value]): [string, ValueFn] => [headerName(name, `${field}.${name}`), compileValue(value, `${field}.${name}`, ctx)])
}

function compileBody(rule: ReplyOptions, field: string): { body: string | undefined; contentType: string | undefined } {
  if (rule.body !== undefined && typeof rule.body !== 'string') throw optionError(`${field}.body`, 'expected a string', rule.body)
  if (rule.contentType !== undefined) {
    if (typeof rule.contentType !== 'string') throw optionError(`${field}.contentType`, 'expected a string', rule.contentType)
    checkText(rule.contentType, `${field}.contentType`)
  }
  return { body: rule.body, contentType: rule.contentType ?? (rule.body === undefined ? undefined : 'text/plain') }
}

/** A local reply (deny, tarpit, return): sets the verdict fields. */
function replyAction(
  action: 'deny' | 'tarpit' | 'return',
  status: number,
  rule: ReplyOptions,
  field: string,
  ctx: CompileContext,
  extra: ((txn: Txn, headers: string[]) => void) | undefined,
  delay: number,
): (txn: Txn) => boolean {
  const { body, contentType } = compileBody(rule, field)
  const headers = compileReplyHeaders(rule.headers, `${field}.headers`, ctx)
  return (txn) => {
    txn.action = action
    txn.status = status
    txn.body = body
    txn.contentType = contentType
    txn.delay = delay
    let list: string[] | undefined
    if (headers.length > 0) {
      list = []
      for (const [name, value] of headers) list.push(name, value(txn))
    }
    if (extra !== undefined) extra(txn, (list ??= []))
    txn.replyHeaders = list
    return true
  }
}

/** Counts the denial as an error on every tracked entry (HAProxy counts deny and tarpit in http_err). */
function countDenied(txn: Txn): void {
  const { sc0, sc1, sc2, now } = txn
  if (sc0 !== undefined) sc0.table.countError(sc0, now)
  if (sc1 !== undefined) sc1.table.countError(sc1, now)
  if (sc2 !== undefined) sc2.table.countError(sc2, now)
}

function compileRedirect(rule: Extract<RequestRule, { action: 'redirect' }>, field: string, ctx: CompileContext): (txn: Txn) => boolean {
  const code = rule.code ?? 302
  if (code !== 301 && code !== 302 && code !== 303 && code !== 307 && code !== 308) throw optionError(`${field}.code`, 'expected 301, 302, 303, 307 or 308', code)
  const value = compileValue(rule.value, `${field}.value`, ctx)
  const dropQuery = rule.dropQuery === true
  const appendSlash = rule.appendSlash === true
  const type = rule.type
  if (type !== 'location' && type !== 'prefix' && type !== 'scheme') throw optionError(`${field}.type`, "expected 'location', 'prefix' or 'scheme'", type)
  /** The path (with a slash appended if asked) and the query unless dropped. */
  const rest = (t: Txn): string => {
    let path = t.path
    if (appendSlash && !path.endsWith('/')) path += '/'
    const q = t.query
    return dropQuery || q === undefined ? path : `${path}?${q}`
  }
  let location: (t: Txn) => string
  if (type === 'location') {
    location = value
  } else if (type === 'prefix') {
    // A prefix of exactly "/" keeps the location relative: same URL (HAProxy's special case).
    location = (t) => {
      const prefix = value(t)
      return prefix === '/' ? rest(t) : prefix + rest(t)
    }
  } else {
    location = (t) => {
      const scheme = value(t)
      let host = lastRequestHeader(t, 'host', true)
      if (host === undefined || host === '') return rest(t)
      // The default port of the target scheme is dropped (http→https of "example.com:80" keeps no port).
      if ((scheme === 'https' && host.endsWith(':443')) || (scheme === 'http' && host.endsWith(':80'))) host = host.slice(0, host.lastIndexOf(':'))
      return `${scheme}://${host}${rest(t)}`
    }
  }
  return (t) => {
    t.action = 'redirect'
    t.status = code
    t.replyHeaders = ['location', location(t)]
    return true
  }
}

/** Parses a `replace-path` replacement: literal parts and `\1`…`\9` group references. */
function compileReplacement(replacement: unknown, field: string): Array<string | number> {
  if (typeof replacement !== 'string') throw optionError(field, 'expected a string', replacement)
  checkText(replacement, field)
  const parts: Array<string | number> = []
  let literal = ''
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!
    const next = replacement.charCodeAt(i + 1)
    if (c === '\\' && next >= 48 && next <= 57) {
      if (literal !== '') parts.push(literal)
      literal = ''
      parts.push(next - 48)
      i++
    } else if (c === '\\' && replacement[i + 1] === '\\') {
      literal += '\\'
      i++
    } else {
      literal += c
    }
  }
  if (literal !== '') parts.push(literal)
  return parts
}

function trackKeyFn(key: TrackKey, table: StickTable, field: string): (t: Txn) => string | undefined {
  let raw: (t: Txn) => string | undefined
  if (key === 'src') return (t) => t.source
  if (typeof key !== 'object' || key === null) throw optionError(field, "expected 'src', { header }, { cookie } or { param }", key)
  if ('header' in key) {
    const name = headerName(key.header, `${field}.header`)
    raw = (t) => lastRequestHeader(t, name)
  } else if ('cookie' in key && typeof key.cookie === 'string' && key.cookie !== '') {
    const name = key.cookie
    raw = (t) => lastCookie(t, name)
  } else if ('param' in key && typeof key.param === 'string' && key.param !== '') {
    const name = key.param
    raw = (t) => firstParam(t.url, t.pathEnd, name)
  } else {
    throw optionError(field, "expected 'src', { header }, { cookie } or { param }", key)
  }
  if (table.type === 'string') return raw
  // An ip table only stores addresses: other values are not tracked (HAProxy's failed type conversion).
  const words = new Uint32Array(4)
  return (t) => {
    const v = raw(t)
    return v === undefined || parseAddress(v, 0, v.length, words) === 0 ? undefined : plainAddress(v)
  }
}

function compileTrack(rule: Extract<RequestRule, { action: 'track' }>, field: string, env: ActionEnv): (txn: Txn) => boolean {
  const slot = rule.slot ?? 0
  if (slot !== 0 && slot !== 1 && slot !== 2) throw optionError(`${field}.slot`, 'expected 0, 1 or 2', slot)
  const table = trackTable(rule, field, env)
  const key = trackKeyFn(rule.key, table, `${field}.key`)
  return (t) => {
    if (slotEntry(t, slot) !== undefined) return false // the first track of a slot wins
    const k = key(t)
    if (k === undefined) return false
    const entry = table.track(k, t.now)
    if (slot === 0) t.sc0 = entry
    else if (slot === 1) t.sc1 = entry
    else t.sc2 = entry
    return false
  }
}

/** The table a track rule names, or the only table. */
export function trackTable(rule: { readonly table?: string | undefined }, field: string, env: ActionEnv): StickTable {
  if (rule.table === undefined) {
    if (env.tables.size !== 1) throw optionError(`${field}.table`, `name the table (${env.tables.size} tables are defined)`, rule.table)
    return env.tables.values().next().value!
  }
  const table = env.tables.get(rule.table)
  if (table === undefined) throw optionError(`${field}.table`, `no stick table named \`${rule.table}\``, rule.table)
  return table
}

/** HAProxy `force-persist`: the first matching persistence rule wins (`persist_rules`, then `break`). */
function forcePersist(t: Txn): boolean {
  t.persist ??= 'force'
  return false
}

/** HAProxy `ignore-persist`: the first matching persistence rule wins. */
function ignorePersist(t: Txn): boolean {
  t.persist ??= 'ignore'
  return false
}

/**
 * Compiles one request rule.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming `field` for an invalid rule.
 */
export function compileRequestRule(rule: RequestRule, field: string, ctx: CompileContext, env: ActionEnv): CompiledRule {
  if (typeof rule !== 'object' || rule === null) throw optionError(field, 'expected a rule object', rule)
  const test = compileGuard(rule, field, ctx)
  let run: (txn: Txn) => boolean
  switch (rule.action) {
    case 'allow':
      run = () => true
      break
    case 'deny': {
      const status = statusCode(rule.status ?? 403, `${field}.status`, 200, 599)
      const explicit = rule.retryAfter
      if (explicit !== undefined && (typeof explicit !== 'number' || !Number.isInteger(explicit) || explicit < 0)) {
        throw optionError(`${field}.retryAfter`, 'expected whole seconds ≥ 0', explicit)
      }
      const hasRetryHeader = rule.headers !== undefined && Object.keys(rule.headers).some((n) => n.toLowerCase() === 'retry-after')
      const tests = rule.if === undefined ? [] : rateTests(rule.if, ctx)
      const retry =
        status === 429 && !hasRetryHeader
          ? (t: Txn, headers: string[]): void => {
              headers.push('retry-after', String(explicit ?? retryAfterSeconds(tests, t) ?? 1))
            }
          : undefined
      const reply = replyAction('deny', status, rule, field, ctx, retry, 0)
      run = (t) => {
        countDenied(t)
        return reply(t)
      }
      break
    }
    case 'tarpit': {
      const reply = replyAction('tarpit', statusCode(rule.status ?? 500, `${field}.status`, 200, 599), rule, field, ctx, undefined, env.tarpitTimeout)
      run = (t) => {
        countDenied(t)
        return reply(t)
      }
      break
    }
    case 'return':
      run = replyAction('return', statusCode(rule.status ?? 200, `${field}.status`, 200, 599), rule, field, ctx, undefined, 0)
      break
    case 'redirect':
      run = compileRedirect(rule, field, ctx)
      break
    case 'set-header':
    case 'add-header': {
      const name = headerName(rule.name, `${field}.name`)
      const value = compileValue(rule.value, `${field}.value`, ctx)
      run =
        rule.action === 'set-header'
          ? (t) => {
              t.setHeader(name, value(t))
              return false
            }
          : (t) => {
              t.addHeader(name, value(t))
              return false
            }
      break
    }
    case 'del-header': {
      const name = headerName(rule.name, `${field}.name`)
      run = (t) => {
        t.delHeader(name)
        return false
      }
      break
    }
    case 'replace-path': {
      const re = compileRegex(rule.regex, false, `${field}.regex`)
      const parts = compileReplacement(rule.replacement, `${field}.replacement`)
      run = (t) => {
        const m = re.exec(t.path)
        if (m === null) return false
        let out = ''
        for (const p of parts) out += typeof p === 'string' ? p : (m[p] ?? '')
        t.setPath(out)
        return false
      }
      break
    }
    case 'set-path': {
      const value = compileValue(rule.value, `${field}.value`, ctx)
      run = (t) => {
        t.setPath(value(t))
        return false
      }
      break
    }
    case 'set-priority-class': {
      const v = clampInt(rule.value, `${field}.value`, PRIORITY_CLASS_LIMIT)
      run = (t) => {
        t.priorityClass = v
        return false
      }
      break
    }
    case 'set-priority-offset': {
      const v = clampInt(rule.value, `${field}.value`, PRIORITY_OFFSET_LIMIT)
      run = (t) => {
        t.priorityOffset = v
        return false
      }
      break
    }
    case 'use-backend': {
      const backend = rule.backend
      if (typeof backend !== 'string' || backend === '') throw optionError(`${field}.backend`, 'expected a backend name', backend)
      run = (t) => {
        t.backend ??= backend
        return false
      }
      break
    }
    case 'track':
      run = compileTrack(rule, field, env)
      break
    case 'force-persist':
      run = forcePersist
      break
    case 'ignore-persist':
      run = ignorePersist
      break
    default:
      throw optionError(`${field}.action`, 'unknown request action', (rule as { action: unknown }).action)
  }
  const action = rule.action
  return { test, run, late: action === 'use-backend' || action === 'force-persist' || action === 'ignore-persist' }
}

/**
 * Compiles one response rule (request-side fetches stay available).
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming `field` for an invalid rule.
 */
export function compileResponseRule(rule: ResponseRule, field: string, ctx: CompileContext): CompiledRule {
  if (typeof rule !== 'object' || rule === null) throw optionError(field, 'expected a rule object', rule)
  const test = compileGuard(rule, field, ctx)
  let run: (txn: Txn) => boolean
  switch (rule.action) {
    case 'allow':
      run = () => true
      break
    case 'set-header':
    case 'add-header': {
      const name = headerName(rule.name, `${field}.name`)
      const value = compileValue(rule.value, `${field}.value`, ctx)
      const replace = rule.action === 'set-header'
      run = (t) => {
        // respond() sets resHeaders before running response rules.
        const list = t.resHeaders!
        const v = value(t)
        if (replace) removeLines(list, name)
        list.push(name, v)
        return false
      }
      break
    }
    case 'del-header': {
      const name = headerName(rule.name, `${field}.name`)
      run = (t) => {
        removeLines(t.resHeaders!, name)
        return false
      }
      break
    }
    case 'set-status': {
      const status = statusCode(rule.status, `${field}.status`, 100, 999)
      const reason = rule.reason
      if (reason !== undefined) {
        if (typeof reason !== 'string') throw optionError(`${field}.reason`, 'expected a string', reason)
        checkText(reason, `${field}.reason`)
      }
      run = (t) => {
        t.resStatus = status
        t.statusReason = reason
        return false
      }
      break
    }
    default:
      throw optionError(`${field}.action`, 'unknown response action', (rule as { action: unknown }).action)
  }
  return { test, run, late: false }
}
