/**
 * Keywords of the frontend half (`frontend`, `listen`, `defaults`): binds,
 * client-side timeouts, monitoring, stats, logging and the rule keywords
 * (through the shared rules parser, lib/rules/cfg-rules.ts).
 */
import { bindAddresses } from './address.js'
import { atLine, configError } from './errors.js'
import { arity, fe, noEffect, rejected, type Keyword, type KeywordContext, type KeywordTable } from './keyword.js'
import { parseTime } from './units.js'

function frontend(fn: (ctx: KeywordContext) => void, negatable = false): Keyword {
  return { cap: 'fe', negatable, handle: fn }
}

type FrontendTimeout = 'client' | 'httpRequest' | 'httpKeepAlive' | 'clientFin' | 'tarpit'

function timeout(field: FrontendTimeout, syntax: string): Keyword {
  return frontend((ctx) => {
    arity(ctx, 1, 1, syntax)
    fe(ctx).timeouts[field] = parseTime(ctx.args[0], ctx.at, ctx.keyword)
  })
}

/** Bind options accepted with a warning: socket tuning Node does not expose. */
const BIND_IGNORED: Readonly<Record<string, 0 | 1>> = { v4v6: 0, v6only: 0, 'defer-accept': 0, tfo: 0, transparent: 0, name: 1, id: 1, process: 1, thread: 1, backlog: 1, nice: 1, 'tcp-ut': 1, mss: 1, interface: 1 }

function bind(ctx: KeywordContext): void {
  const [list, ...options] = ctx.args
  if (ctx.section.kind === 'defaults') throw configError(ctx.at, ctx.keyword, 'not allowed in a `defaults` section')
  if (list === undefined) throw configError(ctx.at, ctx.keyword, 'expected `bind <address>:<port>[,…] [options]`')
  const binds = bindAddresses(list, ctx.at, ctx.keyword)
  let acceptProxy = false
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!
    if (o === 'accept-proxy') {
      acceptProxy = true
      continue
    }
    const ignored = Object.hasOwn(BIND_IGNORED, o) ? BIND_IGNORED[o] : undefined
    if (ignored === undefined) {
      const why = o === 'ssl' || o === 'crt' ? 'TLS termination on `bind` is not supported (terminate TLS in front, or use Node\'s https server with the handler)' : 'unknown bind option'
      throw configError(ctx.at, o, why)
    }
    if (ignored === 1 && options[++i] === undefined) throw configError(ctx.at, o, 'missing value')
    ctx.warn(`bind option \`${o}\` has no effect in switchyard`)
  }
  fe(ctx).bind.push(...binds.map((b) => (acceptProxy ? { ...b, acceptProxy: true } : b)))
}

function stats(ctx: KeywordContext): void {
  const [sub, ...rest] = ctx.args
  const f = fe(ctx)
  const page = (f.stats ??= {})
  switch (sub) {
    case 'enable':
      if (rest.length > 0) throw configError(ctx.at, ctx.keyword, '`stats enable` takes no argument')
      return
    case 'uri':
      if (rest.length !== 1 || !rest[0]!.startsWith('/')) throw configError(ctx.at, ctx.keyword, 'expected `stats uri /<path>`')
      page.uri = rest[0]!
      return
    case 'refresh':
      if (rest.length !== 1) throw configError(ctx.at, ctx.keyword, 'expected `stats refresh <time>`')
      page.refresh = parseTime(rest[0], ctx.at, ctx.keyword)
      return
    case 'hide-version':
    case 'show-legends':
    case 'show-node':
    case 'show-desc':
    case 'realm':
      ctx.warn(`\`stats ${sub}\` has no effect in switchyard`)
      return
    default:
      throw configError(ctx.at, ctx.keyword, `\`stats ${sub ?? ''}\` is not supported (enable, uri, refresh)${sub === 'auth' || sub === 'admin' || sub === 'http-request' ? ': protect the stats page in front of switchyard' : ''}`)
  }
}

/** Feeds a rule line to the section's rules parser, with its warnings. */
export function feedRules(ctx: KeywordContext): void {
  const f = fe(ctx)
  if (ctx.section.kind === 'defaults') throw configError(ctx.at, ctx.keyword, 'rules are not allowed in a `defaults` section; put them in the frontend')
  // Rules exist for every frontend and listen section (created by the loader).
  const parser = f.rules!
  const before = parser.warnings.length
  const words = [ctx.keyword, ...ctx.args]
  atLine(ctx.at, ctx.keyword, () => parser.words(words))
  f.rulesAt ??= { at: ctx.at, keyword: ctx.keyword }
  for (const w of parser.warnings.slice(before)) ctx.warn(w)
  if (ctx.keyword === 'use_backend') {
    f.useBackends.push({ name: ctx.args[0]!, at: ctx.at })
  }
}

/** Frontend keywords. */
export const FRONTEND_KEYWORDS: KeywordTable = {
  bind: frontend(bind),
  'monitor-uri': frontend((ctx) => {
    arity(ctx, 1, 1, 'monitor-uri /<path>')
    if (!ctx.args[0]!.startsWith('/')) throw configError(ctx.at, ctx.keyword, `the URI must start with \`/\`, got \`${ctx.args[0]!}\``)
    fe(ctx).monitorUri = ctx.args[0]!
  }),
  'monitor-net': frontend((ctx) => {
    arity(ctx, 1, 1, 'monitor-net <network>')
    fe(ctx).monitorNet.push(ctx.args[0]!)
  }),
  'monitor fail': rejected('fe', 'conditional monitor failures are not implemented'),
  stats: frontend(stats),
  default_backend: frontend((ctx) => {
    arity(ctx, 1, 1, 'default_backend <backend>')
    if (ctx.section.kind === 'defaults') throw configError(ctx.at, ctx.keyword, 'not allowed in a `defaults` section in switchyard; put it in the frontend')
    fe(ctx).defaultBackend = { name: ctx.args[0]!, at: ctx.at }
  }),
  use_backend: frontend(feedRules),
  acl: frontend(feedRules),
  'http-request': frontend(feedRules),
  'http-response': frontend(feedRules),
  'timeout client': timeout('client', 'timeout client <time>'),
  'timeout http-request': timeout('httpRequest', 'timeout http-request <time>'),
  'timeout client-fin': timeout('clientFin', 'timeout client-fin <time>'),
  'timeout tarpit': timeout('tarpit', 'timeout tarpit <time>'),
  clitimeout: timeout('client', 'clitimeout <time>'),
  'option httplog': frontend((ctx) => {
    if (ctx.args.length > 1 || (ctx.args.length === 1 && ctx.args[0] !== 'clf')) throw configError(ctx.at, ctx.keyword, 'expected `option httplog [clf]`')
    if (ctx.args[0] === 'clf') ctx.warn('`clf`: the log hook receives fields, not a formatted line')
    fe(ctx).log = !ctx.negated
  }, true),
  'option tcplog': frontend((ctx) => {
    arity(ctx, 0, 0, 'option tcplog')
    fe(ctx).log = !ctx.negated
  }, true),
  'option dontlognull': noEffect('fe', 'connections without a request are never logged', true),
  'option dontlog-normal': noEffect('fe', 'every request is passed to the log hook', true),
  'option log-separate-errors': noEffect('fe', 'there are no log levels', true),
  'option http-ignore-probes': noEffect('fe', 'Node answers idle connections on its own', true),
  'option http-buffer-request': noEffect('fe', 'request bodies are streamed', true),
  'option clitcpka': noEffect('fe', 'TCP keep-alive is left to Node', true),
  'option tcpka': noEffect('fe', 'TCP keep-alive is left to Node', true),
  'option contstats': noEffect('fe', 'counters are always updated', true),
  capture: noEffect('fe', 'the log hook receives the request headers it needs'),
  'log-format': noEffect('fe', 'the log hook receives fields; format them in the hook'),
  'unique-id-format': rejected('fe', 'unique request ids are not implemented'),
  'unique-id-header': rejected('fe', 'unique request ids are not implemented'),
  'tcp-request': rejected('fe', '`tcp-request` rules are not implemented (use `http-request` in HTTP mode)'),
  'tcp-response': rejected('fe', '`tcp-response` rules are not implemented'),
  errorloc: rejected('both', 'error pages keep their status; redirects are not supported (use `errorfile`)'),
  errorloc302: rejected('both', 'error pages keep their status; redirects are not supported (use `errorfile`)'),
  errorloc303: rejected('both', 'error pages keep their status; redirects are not supported (use `errorfile`)'),
  redirect: rejected('fe', 'use `http-request redirect`'),
  compression: rejected('fe', 'compression is not implemented'),
}
