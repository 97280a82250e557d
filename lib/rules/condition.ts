/**
 * Conditions (HAProxy ACLs) compiled once into predicates over a
 * {@link Txn}. Patterns, networks and regular expressions are compiled here;
 * a predicate call only reads the request (no regex compilation, and no
 * allocation except for regex tests on part of a string).
 */
import { counterValue, checkCounter, rateWait, slotEntry, type RateName } from './counters.js'
import { optionError, type CompileContext, type Predicate } from './context.js'
import { anyCookie, anyListValue, anyParam, anyRequestHeader, countRequestHeader, hasRequestHeader } from './fetch.js'
import { NetworkList } from './ip.js'
import { asciiLower, compileIntCompare, compileStringMatch, type RangeMatcher } from './match.js'
import type { Txn } from './txn.js'
import type { Condition, CounterSlot } from './types.js'

const ALWAYS: Predicate = () => true
const NEVER: Predicate = () => false
const ANY: RangeMatcher = () => true

function nameOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw optionError(field, 'expected a non-empty name', value)
  return value
}

/** The host part of a Host value ends here: before `:port`, and before a trailing dot. */
function hostEnd(text: string, start: number, end: number): number {
  let stop = end
  if (text.charCodeAt(start) === 91 /* [ */) {
    const close = text.indexOf(']', start)
    if (close >= 0 && close < end) stop = close + 1
  } else {
    const colon = text.indexOf(':', start)
    if (colon >= 0 && colon < end) stop = colon
  }
  if (stop > start && text.charCodeAt(stop - 1) === 46 /* . */) stop--
  return stop
}

/**
 * Compiles a `host` condition: values without a port compare with the host
 * part of the header, values with a port with host and port; both ASCII
 * case-insensitive, trailing dots ignored.
 */
function hostMatcher(values: string | readonly string[], field: string): RangeMatcher {
  const list: readonly unknown[] = typeof values === 'string' ? [values] : values
  if (!Array.isArray(list) || list.length === 0) throw optionError(field, 'expected at least one host', values)
  const patterns = list.map((v) => {
    if (typeof v !== 'string' || v === '') throw optionError(field, 'expected host names', v)
    const lower = asciiLower(v)
    const stop = hostEnd(lower, 0, lower.length)
    const host = lower.slice(0, stop)
    const colon = lower.indexOf(':', host.startsWith('[') ? lower.indexOf(']') : 0)
    return { host, port: colon >= 0 ? lower.slice(colon + 1) : undefined }
  })
  return (text, start, end) => {
    const stop = hostEnd(text, start, end)
    const colon = text.indexOf(':', stop)
    const portStart = colon >= 0 && colon < end ? colon + 1 : -1
    for (const p of patterns) {
      if (stop - start !== p.host.length || !foldEquals(text, start, p.host)) continue
      if (p.port === undefined) return true
      if (portStart >= 0 && end - portStart === p.port.length && text.startsWith(p.port, portStart)) return true
    }
    return false
  }
}

function foldEquals(text: string, at: number, lowerPattern: string): boolean {
  for (let i = 0; i < lowerPattern.length; i++) {
    let c = text.charCodeAt(at + i)
    if (c >= 65 && c <= 90) c += 32
    if (c !== lowerPattern.charCodeAt(i)) return false
  }
  return true
}

function responseOnly(kind: string, field: string, ctx: CompileContext): void {
  if (ctx.phase !== 'response') throw optionError(field, `\`${kind}\` conditions are only available in response rules`, kind)
}

/**
 * Compiles a condition.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming `field` for malformed
 *   conditions: unknown kinds or ACL names, invalid networks or regular
 *   expressions, response-only conditions in request rules, counter slots no
 *   rule tracks, unknown backends.
 */
export function compileCondition(cond: Condition, field: string, ctx: CompileContext): Predicate {
  if (typeof cond !== 'object' || cond === null) throw optionError(field, 'expected a condition object', cond)
  switch (cond.kind) {
    case 'always':
      return ALWAYS
    case 'never':
      return NEVER
    case 'acl':
      return compileNamed(nameOf(cond.name, `${field}.name`), field, ctx)
    case 'and': {
      const all = listOf(cond.all, `${field}.all`).map((c, i) => compileCondition(c, `${field}.all[${i}]`, ctx))
      if (all.length === 0) return ALWAYS
      if (all.length === 1) return all[0]!
      if (all.length === 2) {
        const [a, b] = all as [Predicate, Predicate]
        return (t) => a(t) && b(t)
      }
      return (t) => {
        for (let i = 0; i < all.length; i++) if (!all[i]!(t)) return false
        return true
      }
    }
    case 'or': {
      const any = listOf(cond.any, `${field}.any`).map((c, i) => compileCondition(c, `${field}.any[${i}]`, ctx))
      if (any.length === 0) return NEVER
      if (any.length === 1) return any[0]!
      if (any.length === 2) {
        const [a, b] = any as [Predicate, Predicate]
        return (t) => a(t) || b(t)
      }
      return (t) => {
        for (let i = 0; i < any.length; i++) if (any[i]!(t)) return true
        return false
      }
    }
    case 'not': {
      const inner = compileCondition(cond.condition, `${field}.condition`, ctx)
      return (t) => !inner(t)
    }
    case 'src': {
      const list = NetworkList.compile(cond.networks, `${field}.networks`)
      return (t) => list.has(t.source)
    }
    case 'path': {
      const m = compileStringMatch(cond.match, `${field}.match`)
      return (t) => m(t.url, 0, t.pathEnd)
    }
    case 'url': {
      const m = compileStringMatch(cond.match, `${field}.match`)
      return (t) => m(t.url, 0, t.url.length)
    }
    case 'host': {
      const m = hostMatcher(cond.values, `${field}.values`)
      return (t) => anyRequestHeader(t, 'host', true, m)
    }
    case 'header': {
      const name = nameOf(cond.name, `${field}.name`).toLowerCase()
      if (cond.match === undefined) return (t) => hasRequestHeader(t, name)
      const m = compileStringMatch(cond.match, `${field}.match`)
      const full = cond.full === true
      return (t) => anyRequestHeader(t, name, full, m)
    }
    case 'header-count': {
      const name = nameOf(cond.name, `${field}.name`).toLowerCase()
      const cmp = compileIntCompare(cond.compare, `${field}.compare`)
      return (t) => cmp(countRequestHeader(t, name))
    }
    case 'method': {
      const m = compileStringMatch({ op: 'exact', values: cond.methods, ignoreCase: cond.ignoreCase }, `${field}.methods`)
      return (t) => m(t.request.method, 0, t.request.method.length)
    }
    case 'param': {
      const name = nameOf(cond.name, `${field}.name`)
      const m = cond.match === undefined ? ANY : compileStringMatch(cond.match, `${field}.match`)
      return (t) => anyParam(t.url, t.pathEnd, name, m)
    }
    case 'cookie': {
      const name = nameOf(cond.name, `${field}.name`)
      const m = cond.match === undefined ? ANY : compileStringMatch(cond.match, `${field}.match`)
      return (t) => anyCookie(t, name, m)
    }
    case 'nbsrv': {
      const backend = nameOf(cond.backend, `${field}.backend`)
      const usable = ctx.backends?.usableServers(backend)
      if (usable === undefined) throw optionError(`${field}.backend`, `no backend named \`${backend}\``, backend)
      const cmp = compileIntCompare(cond.compare, `${field}.compare`)
      return () => cmp(usable())
    }
    case 'counter': {
      checkCounter(cond.slot, cond.counter, field, ctx)
      const cmp = compileIntCompare(cond.compare, `${field}.compare`)
      const counter = cond.counter
      switch (cond.slot) {
        case 0:
          return (t) => cmp(counterValue(t.sc0, counter, t.now))
        case 1:
          return (t) => cmp(counterValue(t.sc1, counter, t.now))
        default:
          return (t) => cmp(counterValue(t.sc2, counter, t.now))
      }
    }
    case 'secure':
      return (t) => t.request.secure === true
    case 'status': {
      responseOnly('status', field, ctx)
      const cmp = compileIntCompare(cond.compare, `${field}.compare`)
      return (t) => cmp(t.resStatus)
    }
    case 'response-header': {
      responseOnly('response-header', field, ctx)
      const name = nameOf(cond.name, `${field}.name`).toLowerCase()
      const full = cond.full === true
      const m = cond.match === undefined ? ANY : compileStringMatch(cond.match, `${field}.match`)
      // respond() sets resHeaders before running response rules.
      return (t) => anyListValue(t.resHeaders!, name, full, m)
    }
    case 'predicate': {
      const test = cond.test
      if (typeof test !== 'function') throw optionError(`${field}.test`, 'expected a function', test)
      return (t) => test(t.request)
    }
    default:
      throw optionError(`${field}.kind`, 'unknown condition kind', (cond as { kind: unknown }).kind)
  }
}

function listOf(value: readonly Condition[], field: string): readonly Condition[] {
  if (!Array.isArray(value)) throw optionError(field, 'expected an array of conditions', value)
  return value
}

/** Compiles a named ACL once per phase; refuses unknown names and cycles. */
function compileNamed(name: string, field: string, ctx: CompileContext): Predicate {
  const key = `${ctx.phase}:${name}`
  const done = ctx.compiled.get(key)
  if (done !== undefined) return done
  const cond = Object.hasOwn(ctx.acls, name) ? ctx.acls[name] : undefined
  if (cond === undefined) throw optionError(field, `unknown ACL \`${name}\``, name)
  if (ctx.resolving.has(key)) throw optionError(field, `ACL \`${name}\` refers to itself`, name)
  ctx.resolving.add(key)
  const p = compileCondition(cond, `acls.${name}`, ctx)
  ctx.resolving.delete(key)
  ctx.compiled.set(key, p)
  return p
}

/** A rate comparison that can make a condition hold: which counter, and when it holds. */
export interface RateTest {
  readonly slot: CounterSlot
  readonly counter: RateName
  readonly holds: (rate: number) => boolean
}

/**
 * The rate comparisons of a condition that can make it hold (outside any odd
 * number of `not`), for computing `Retry-After`. Named ACLs are followed.
 * Call after {@link compileCondition} succeeded on the same condition.
 */
export function rateTests(cond: Condition, ctx: CompileContext, negated = false, seen = new Set<string>()): RateTest[] {
  switch (cond.kind) {
    case 'and':
      return cond.all.flatMap((c) => rateTests(c, ctx, negated, seen))
    case 'or':
      return cond.any.flatMap((c) => rateTests(c, ctx, negated, seen))
    case 'not':
      return rateTests(cond.condition, ctx, !negated, seen)
    case 'acl': {
      if (seen.has(cond.name)) return []
      seen.add(cond.name)
      return rateTests(ctx.acls[cond.name]!, ctx, negated, seen)
    }
    case 'counter':
      if (negated || (cond.counter !== 'http_req_rate' && cond.counter !== 'http_err_rate')) return []
      return [{ slot: cond.slot, counter: cond.counter, holds: compileIntCompare(cond.compare, 'compare') }]
    default:
      return []
  }
}

/**
 * Seconds a client should wait before retrying a request denied by a rule
 * whose condition has these rate tests: the longest wait among the tests that
 * currently hold, rounded up to whole seconds, at least 1; `undefined` when
 * none holds or none ever stops holding.
 */
export function retryAfterSeconds(tests: readonly RateTest[], txn: Txn): number | undefined {
  let longest = -1
  for (const test of tests) {
    const entry = slotEntry(txn, test.slot)
    if (entry === undefined || !test.holds(counterValue(entry, test.counter, txn.now))) continue
    const wait = rateWait(entry, test.counter, test.holds, txn.now)
    if (wait !== undefined && wait > longest) longest = wait
  }
  return longest < 0 ? undefined : Math.max(1, Math.ceil(longest / 1000))
}
