/**
 * Options of `server` and `default-server` lines.
 */
import type { InitialState, ObserveMode, OnErrorAction } from '../../health/state.js'
import type { ServerDraft } from './drafts.js'
import { configError } from './errors.js'
import type { KeywordContext } from './keyword.js'
import { parseInteger, parseTime } from './units.js'

/** One server option: how many values it takes and what it sets. */
interface ServerKeyword {
  /** Values after the keyword (0 or 1). */
  readonly values: 0 | 1
  apply(draft: ServerDraft, value: string, ctx: KeywordContext, option: string): void
}

function flag(fn: (d: ServerDraft) => void): ServerKeyword {
  return { values: 0, apply: (d) => fn(d) }
}

function valued(fn: (d: ServerDraft, value: string, ctx: KeywordContext, option: string) => void): ServerKeyword {
  return { values: 1, apply: fn }
}

function oneOf<T extends string>(value: string, allowed: readonly T[], ctx: KeywordContext, option: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw configError(ctx.at, option, `expected one of ${allowed.join(', ')}, got \`${value}\``)
  return value as T
}

const int = (min: number, max?: number) => (v: string, ctx: KeywordContext, o: string) => parseInteger(v, ctx.at, o, min, max)
const time = (v: string, ctx: KeywordContext, o: string) => parseTime(v, ctx.at, o)
const positiveTime = (v: string, ctx: KeywordContext, o: string) => {
  const t = parseTime(v, ctx.at, o)
  if (t === 0) throw configError(ctx.at, o, 'must be greater than 0')
  return t
}

/** `sni <expr>`: only constant expressions (`str(<name>)`) can be applied per server. */
function sni(value: string, ctx: KeywordContext, option: string): string {
  const m = /^str\((.+)\)$/.exec(value)
  if (m === null) throw configError(ctx.at, option, `only \`str(<name>)\` is supported (a fixed server name), got \`${value}\``)
  return m[1]!
}

/** The server options, by keyword. */
export const SERVER_KEYWORDS: Readonly<Record<string, ServerKeyword>> = {
  check: flag((d) => (d.check = true)),
  'no-check': flag((d) => (d.check = false)),
  'check-ssl': flag((d) => (d.checkSsl = true)),
  backup: flag((d) => (d.backup = true)),
  'no-backup': flag((d) => (d.backup = false)),
  disabled: flag((d) => (d.disabled = true)),
  enabled: flag((d) => (d.disabled = false)),
  ssl: flag((d) => (d.ssl = true)),
  'no-ssl': flag((d) => (d.ssl = false)),
  'send-proxy': flag((d) => (d.sendProxy = 'v1')),
  'send-proxy-v2': flag((d) => (d.sendProxy = 'v2')),
  'no-send-proxy': flag((d) => (d.sendProxy = false)),
  'agent-check': flag((d) => (d.agentCheck = true)),
  'no-agent-check': flag((d) => (d.agentCheck = false)),
  weight: valued((d, v, c, o) => (d.weight = int(0, 256)(v, c, o))),
  maxconn: valued((d, v, c, o) => (d.maxconn = int(0)(v, c, o))),
  minconn: valued((d, v, c, o) => (d.minconn = int(0)(v, c, o))),
  maxqueue: valued((d, v, c, o) => (d.maxqueue = int(0)(v, c, o))),
  id: valued((d, v, c, o) => (d.id = int(1)(v, c, o))),
  cookie: valued((d, v) => (d.cookie = v)),
  inter: valued((d, v, c, o) => (d.inter = positiveTime(v, c, o))),
  fastinter: valued((d, v, c, o) => (d.fastinter = positiveTime(v, c, o))),
  downinter: valued((d, v, c, o) => (d.downinter = positiveTime(v, c, o))),
  rise: valued((d, v, c, o) => (d.rise = int(1)(v, c, o))),
  fall: valued((d, v, c, o) => (d.fall = int(1)(v, c, o))),
  port: valued((d, v, c, o) => (d.port = int(1, 65535)(v, c, o))),
  addr: valued((d, v) => (d.addr = v)),
  'agent-port': valued((d, v, c, o) => (d.agentPort = int(1, 65535)(v, c, o))),
  'agent-inter': valued((d, v, c, o) => (d.agentInter = positiveTime(v, c, o))),
  'agent-addr': valued((d, v) => (d.agentAddr = v)),
  'agent-send': valued((d, v) => (d.agentSend = v)),
  observe: valued((d, v, c, o) => (d.observe = oneOf<ObserveMode>(v, ['layer4', 'layer7'], c, o))),
  'error-limit': valued((d, v, c, o) => (d.errorLimit = int(1)(v, c, o))),
  'on-error': valued((d, v, c, o) => (d.onError = oneOf<OnErrorAction>(v, ['fastinter', 'fail-check', 'sudden-death', 'mark-down'], c, o))),
  slowstart: valued((d, v, c, o) => (d.slowstart = time(v, c, o))),
  'init-state': valued((d, v, c, o) => (d.initState = oneOf<InitialState>(v, ['up', 'fully-up', 'down', 'fully-down'], c, o))),
  'on-marked-down': valued((d, v, c, o) => (d.shutdownOnDown = oneOf(v, ['shutdown-sessions'], c, o) === 'shutdown-sessions')),
  'on-marked-up': valued((d, v, c, o) => (d.shutdownBackupsOnUp = oneOf(v, ['shutdown-backup-sessions'], c, o) === 'shutdown-backup-sessions')),
  verify: valued((d, v, c, o) => (d.verify = oneOf(v, ['none', 'required'], c, o))),
  'ca-file': valued((d, v, c) => (d.ca = c.readFile(v, c.global.caBase))),
  sni: valued((d, v, c, o) => (d.sni = sni(v, c, o))),
  source: valued((d, v) => (d.source = v)),
}

/** Server options accepted with a warning: they tune things Node or undici manage. */
const IGNORED: Readonly<Record<string, 0 | 1>> = { 'pool-max-conn': 1, 'pool-purge-delay': 1, 'pool-low-conn': 1, 'max-reuse': 1, 'non-stick': 0, 'no-tls-tickets': 0, 'check-sni': 1, resolvers: 1, 'resolve-prefer': 1, 'init-addr': 1 }

/**
 * Applies server options (`words` after the address) to `draft`.
 * @throws {SwitchyardError} SWY_ERR_CONFIG naming an unknown option, a missing value or a bad one.
 */
export function applyServerOptions(words: readonly string[], draft: ServerDraft, ctx: KeywordContext): void {
  for (let i = 0; i < words.length; i++) {
    const option = words[i]!
    const known = Object.hasOwn(SERVER_KEYWORDS, option) ? SERVER_KEYWORDS[option] : undefined
    const ignored = Object.hasOwn(IGNORED, option) ? IGNORED[option] : undefined
    if (known === undefined && ignored === undefined) throw configError(ctx.at, option, `unknown \`${ctx.keyword}\` option`)
    const count = known?.values ?? ignored!
    const value = count === 1 ? words[++i] : ''
    if (value === undefined) throw configError(ctx.at, option, 'missing value')
    if (known === undefined) ctx.warn(`\`${option}\` has no effect in switchyard: connection pooling and name resolution are Node's`)
    else known.apply(draft, value, ctx, option)
  }
}
