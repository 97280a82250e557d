/**
 * HAProxy's rule lines parsed into {@link RuleSetOptions}: `acl`,
 * `http-request`, `http-response`, `use_backend`, `default_backend`,
 * `force-persist`, `ignore-persist`,
 * `stick-table` and `timeout tarpit`, for the haproxy.cfg loader. Errors name
 * the offending word and carry the caller's `where` (e.g. `line 12`).
 *
 * `http-request` actions: `allow`, `deny [deny_status|status <c>] [content-type <t>]
 * [string <s>] [hdr <n> <v>]*`, `tarpit` (same options), `return` (same, `status`),
 * `redirect location|prefix|scheme <x> [code <c>] [drop-query] [append-slash]`,
 * `set-header`, `add-header`, `del-header`, `replace-path <regex> <fmt>`,
 * `set-path <fmt>`, `set-priority-class <int>`, `set-priority-offset <int>`
 * (an integer or `int(<n>)`), `track-sc0|1|2 <key> [table <t>]` with key `src`,
 * `hdr(<n>)`, `req.cook(<n>)` or `url_param(<n>)`. `http-response` actions:
 * `allow`, `set-header`, `add-header`, `del-header`, `set-status <c> [reason <r>]`.
 * Values containing `%` are log-format strings.
 */
import { PREDEFINED_ACLS, parseAcl, parseCondition } from './cfg-acl.js'
import { cfgError, parseDuration, parseSize, splitWords } from './cfg-words.js'
import { parseFetchCall } from './format.js'
import type { StickTableOptions } from './stick-table.js'
import type { Condition, RequestRule, ResponseRule, RuleGuard, RuleSetOptions, TrackKey, ValueFormat } from './types.js'

/** Where and how to report: the caller's location text and a warnings list. */
interface Report {
  readonly where: string | undefined
  readonly warnings: string[] | undefined
}

/** A value: a log-format string when it has `%`, else literal. */
function value(text: string): ValueFormat {
  return text.includes('%') ? { format: text } : text
}

/** Splits `<args…> [if|unless <cond…>]`. */
function splitGuard(words: readonly string[], r: Report): { args: readonly string[]; guard: RuleGuard } {
  const at = words.findIndex((w) => w === 'if' || w === 'unless')
  if (at < 0) return { args: words, guard: {} }
  const cond = parseCondition(words.slice(at + 1), r.where, r.warnings)
  return { args: words.slice(0, at), guard: words[at] === 'if' ? { if: cond } : { unless: cond } }
}

/** A word that must follow `after`. */
function next(args: readonly string[], i: number, after: string, r: Report): string {
  const w = args[i]
  if (w === undefined) throw cfgError(`\`${after}\` needs a value`, after, r.where)
  return w
}

function int(text: string, what: string, r: Report): number {
  if (!/^-?\d+$/.test(text)) throw cfgError(`expected an integer for \`${what}\`, got \`${text}\``, text, r.where)
  return Number(text)
}

/** `<n>` or `int(<n>)`: the only sample expressions priority actions take here. */
function intExpr(text: string, what: string, r: Report): number {
  const call = /^int\((.*)\)$/.exec(text)
  return int(call === null ? text : call[1]!.trim(), what, r)
}

/** Options of deny, tarpit and return. */
function replyOptions(args: readonly string[], action: string, r: Report): { status?: number; body?: string; contentType?: string; headers?: Record<string, ValueFormat> } {
  const out: { status?: number; body?: string; contentType?: string; headers?: Record<string, ValueFormat> } = {}
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!
    switch (w) {
      case 'deny_status':
      case 'status':
        out.status = int(next(args, ++i, w, r), w, r)
        break
      case 'content-type':
        out.contentType = next(args, ++i, w, r)
        break
      case 'string':
        out.body = next(args, ++i, w, r)
        break
      case 'hdr': {
        const name = next(args, ++i, w, r)
        ;(out.headers ??= {})[name] = value(next(args, ++i, `hdr ${name}`, r))
        break
      }
      default:
        throw cfgError(`unsupported \`${action}\` option \`${w}\``, w, r.where)
    }
  }
  return out
}

function trackKey(text: string, r: Report): TrackKey {
  if (text === 'src') return 'src'
  const call = parseFetchCall(text)
  const arg = call?.args[0]
  if (call !== undefined && arg !== undefined && arg !== '') {
    if (call.name === 'hdr' || call.name === 'req.hdr') return { header: arg }
    if (call.name === 'req.cook' || call.name === 'cook') return { cookie: arg }
    if (call.name === 'url_param' || call.name === 'urlp') return { param: arg }
  }
  throw cfgError(`unsupported track key \`${text}\` (src, hdr(<name>), req.cook(<name>), url_param(<name>))`, text, r.where)
}

/**
 * Parses the words after `http-request`.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming an unsupported action or option, or a bad value.
 */
export function parseRequestRule(words: readonly string[], where?: string, warnings?: string[], defaultTable?: string): RequestRule {
  const r: Report = { where, warnings }
  const { args, guard } = splitGuard(words, r)
  const action = args[0]
  if (action === undefined) throw cfgError('missing http-request action', '', where)
  const rest = args.slice(1)
  const trackSlot = /^track-sc([012])$/.exec(action)
  if (trackSlot !== null) {
    const key = trackKey(next(rest, 0, action, r), r)
    let table = defaultTable
    if (rest.length > 1) {
      if (rest[1] !== 'table' || rest.length !== 3) throw cfgError(`expected \`${action} <key> [table <name>]\`, got \`${args.join(' ')}\``, args.join(' '), where)
      table = rest[2]
    }
    return { ...guard, action: 'track', slot: Number(trackSlot[1]) as 0 | 1 | 2, key, ...(table === undefined ? {} : { table }) }
  }
  switch (action) {
    case 'allow':
      return { ...guard, action }
    case 'deny':
    case 'tarpit':
    case 'return':
      return { ...guard, action, ...replyOptions(rest, action, r) }
    case 'redirect': {
      const type = rest[0]
      if (type !== 'location' && type !== 'prefix' && type !== 'scheme') throw cfgError(`expected \`redirect location|prefix|scheme <value>\`, got \`${args.join(' ')}\``, type, where)
      const rule: { action: 'redirect'; type: typeof type; value: ValueFormat; code?: 301 | 302 | 303 | 307 | 308; dropQuery?: boolean; appendSlash?: boolean } = {
        action: 'redirect',
        type,
        value: value(next(rest, 1, type, r)),
      }
      for (let i = 2; i < rest.length; i++) {
        const w = rest[i]!
        if (w === 'code') rule.code = int(next(rest, ++i, w, r), w, r) as 302
        else if (w === 'drop-query') rule.dropQuery = true
        else if (w === 'append-slash') rule.appendSlash = true
        else throw cfgError(`unsupported redirect option \`${w}\``, w, where)
      }
      return { ...guard, ...rule }
    }
    case 'set-header':
    case 'add-header':
      return { ...guard, action, name: next(rest, 0, action, r), value: value(next(rest, 1, `${action} ${rest[0]}`, r)) }
    case 'del-header':
      if (rest.length !== 1) throw cfgError(`expected \`del-header <name>\`, got \`${args.join(' ')}\``, args.join(' '), where)
      return { ...guard, action, name: rest[0]! }
    case 'replace-path':
      return { ...guard, action, regex: next(rest, 0, action, r), replacement: next(rest, 1, `${action} ${rest[0]}`, r) }
    case 'set-path':
      return { ...guard, action, value: value(next(rest, 0, action, r)) }
    case 'set-priority-class':
    case 'set-priority-offset':
      return { ...guard, action, value: intExpr(next(rest, 0, action, r), action, r) }
  }
  throw cfgError(`unsupported http-request action \`${action}\``, action, where)
}

/**
 * Parses the words after `http-response`.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming an unsupported action or a bad value.
 */
export function parseResponseRule(words: readonly string[], where?: string, warnings?: string[]): ResponseRule {
  const r: Report = { where, warnings }
  const { args, guard } = splitGuard(words, r)
  const action = args[0]
  const rest = args.slice(1)
  switch (action) {
    case 'allow':
      return { ...guard, action }
    case 'set-header':
    case 'add-header':
      return { ...guard, action, name: next(rest, 0, action, r), value: value(next(rest, 1, `${action} ${rest[0]}`, r)) }
    case 'del-header':
      return { ...guard, action, name: next(rest, 0, action, r) }
    case 'set-status': {
      const status = int(next(rest, 0, action, r), action, r)
      if (rest.length === 1) return { ...guard, action, status }
      if (rest[1] !== 'reason' || rest.length !== 3) throw cfgError(`expected \`set-status <code> [reason <text>]\`, got \`${args.join(' ')}\``, args.join(' '), where)
      return { ...guard, action, status, reason: rest[2]! }
    }
  }
  throw cfgError(`unsupported http-response action \`${String(action)}\``, action, where)
}

/**
 * Parses the words after `stick-table`. `ip`/`ipv6` tables key on addresses,
 * `string` tables on text (`len`); counters `conn_cur`, `http_req_cnt` and
 * `http_err_cnt` are always kept; `http_req_rate(<p>)` and
 * `http_err_rate(<p>)` set the periods. Other stored types, `nopurge` and
 * `peers` are ignored with a warning.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for a missing or unsupported type, a missing size, or bad values.
 */
export function parseStickTable(words: readonly string[], where?: string, warnings?: string[]): StickTableOptions {
  const r: Report = { where, warnings }
  const out: { type?: 'ip' | 'string'; size?: number; expire?: number; keyLength?: number; httpReqRate?: number; httpErrRate?: number } = {}
  const warn = (text: string): void => {
    warnings?.push(`${where === undefined ? '' : `${where}: `}${text}`)
  }
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!
    switch (w) {
      case 'type': {
        const type = next(words, ++i, w, r)
        if (type === 'ip' || type === 'ipv6') out.type = 'ip'
        else if (type === 'string') out.type = 'string'
        else throw cfgError(`unsupported stick-table type \`${type}\` (ip, ipv6, string)`, type, where)
        break
      }
      case 'len':
        out.keyLength = parseSize(next(words, ++i, w, r), where)
        break
      case 'size':
        out.size = parseSize(next(words, ++i, w, r), where)
        break
      case 'expire':
        out.expire = parseDuration(next(words, ++i, w, r), where)
        break
      case 'nopurge':
        warn('`nopurge` is ignored: full tables evict their least recently used entry')
        break
      case 'peers':
        warn(`\`peers ${next(words, ++i, w, r)}\` is ignored: tables are local`)
        break
      case 'store':
        for (const item of next(words, ++i, w, r).split(',')) {
          const call = parseFetchCall(item)
          const period = call?.args[0]
          if (call?.name === 'http_req_rate' && period !== undefined) out.httpReqRate = parseDuration(period, where)
          else if (call?.name === 'http_err_rate' && period !== undefined) out.httpErrRate = parseDuration(period, where)
          else if (item !== 'conn_cur' && item !== 'http_req_cnt' && item !== 'http_err_cnt') warn(`stored type \`${item}\` is not supported and ignored`)
        }
        break
      default:
        throw cfgError(`unsupported stick-table option \`${w}\``, w, where)
    }
  }
  if (out.type === undefined) throw cfgError('stick-table needs `type`', words.join(' '), where)
  if (out.size === undefined) throw cfgError('stick-table needs `size`', words.join(' '), where)
  return { ...out, size: out.size }
}

/**
 * Collects the rule lines of one proxy section into {@link RuleSetOptions}.
 * Lines of one ACL name are OR-ed; `use_backend` rules are evaluated after
 * every `http-request` rule (as in HAProxy), in their order, then
 * `force-persist` / `ignore-persist` rules (the first matching one decides); HAProxy's
 * predefined ACLs (`TRUE`, `LOCALHOST`, `METH_GET`, …) are available unless
 * redefined.
 *
 * @example
 * ```ts
 * const cfg = new RulesConfigParser()
 * cfg.line('acl is_websocket path_beg -i /websockets')
 * cfg.line('use_backend ws if is_websocket')
 * cfg.line('default_backend servers')
 * const rules = new RuleSet(cfg.options())
 * ```
 */
export class RulesConfigParser {
  /** Things accepted but ignored or suspicious (an ACL without patterns). */
  readonly warnings: string[] = []
  readonly #tableName: string | undefined
  readonly #acls = new Map<string, Condition[]>()
  readonly #request: RequestRule[] = []
  readonly #useBackend: RequestRule[] = []
  readonly #persist: RequestRule[] = []
  readonly #response: ResponseRule[] = []
  readonly #tables: Record<string, StickTableOptions> = {}
  #defaultBackend: string | undefined
  #tarpitTimeout: number | undefined

  /**
   * @param options.tableName name of this section's `stick-table` (HAProxy
   *   names it after the proxy), and the table `track-sc` uses by default.
   */
  constructor(options: { readonly tableName?: string | undefined } = {}) {
    this.#tableName = options.tableName
  }

  /**
   * Feeds one configuration line (comments and blank lines are accepted).
   * Returns false when its keyword is not one of the rules keywords, so the
   * loader can handle it.
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an invalid rules line.
   */
  line(text: string, where?: string): boolean {
    const words = splitWords(text, where)
    return words.length === 0 || this.words(words, where)
  }

  /** {@link line} for a line already split into words. */
  words(words: readonly string[], where?: string): boolean {
    const [keyword, ...rest] = words
    const warnings = this.warnings
    switch (keyword) {
      case 'acl': {
        const { name, condition } = parseAcl(rest, where, warnings)
        const list = this.#acls.get(name)
        if (list === undefined) this.#acls.set(name, [condition])
        else list.push(condition)
        return true
      }
      case 'http-request':
        this.#request.push(parseRequestRule(rest, where, warnings, this.#tableName))
        return true
      case 'http-response':
        this.#response.push(parseResponseRule(rest, where, warnings))
        return true
      case 'use_backend': {
        const { args, guard } = splitGuard(rest, { where, warnings })
        if (args.length !== 1) throw cfgError(`expected \`use_backend <backend> [if|unless <condition>]\`, got \`${words.join(' ')}\``, words.join(' '), where)
        this.#useBackend.push({ ...guard, action: 'use-backend', backend: args[0]! })
        return true
      }
      case 'force-persist':
      case 'ignore-persist': {
        const { args, guard } = splitGuard(rest, { where, warnings })
        // HAProxy refuses these without a condition.
        if (args.length !== 0 || (guard.if === undefined && guard.unless === undefined)) {
          throw cfgError(`expected \`${keyword} { if | unless } <condition>\`, got \`${words.join(' ')}\``, words.join(' '), where)
        }
        this.#persist.push({ ...guard, action: keyword })
        return true
      }
      case 'default_backend':
        if (rest.length !== 1) throw cfgError(`expected \`default_backend <backend>\`, got \`${words.join(' ')}\``, words.join(' '), where)
        this.#defaultBackend = rest[0]
        return true
      case 'stick-table': {
        const name = this.#tableName
        if (name === undefined) throw cfgError('a stick-table needs a name: create the parser with `tableName`', words.join(' '), where)
        this.#tables[name] = parseStickTable(rest, where, warnings)
        return true
      }
      case 'timeout':
        if (rest[0] !== 'tarpit') return false
        this.#tarpitTimeout = parseDuration(next(rest, 1, 'timeout tarpit', { where, warnings }), where)
        return true
      default:
        return false
    }
  }

  /** The collected rules as options for `new RuleSet(…)` (add `backends`, `trustedProxies` as needed). */
  options(): RuleSetOptions {
    const acls: Record<string, Condition> = { ...PREDEFINED_ACLS }
    for (const [name, list] of this.#acls) acls[name] = list.length === 1 ? list[0]! : { kind: 'or', any: list }
    return {
      acls,
      request: [...this.#request, ...this.#useBackend, ...this.#persist],
      response: [...this.#response],
      tables: { ...this.#tables },
      ...(this.#defaultBackend === undefined ? {} : { defaultBackend: this.#defaultBackend }),
      ...(this.#tarpitTimeout === undefined ? {} : { tarpitTimeout: this.#tarpitTimeout }),
    }
  }
}
