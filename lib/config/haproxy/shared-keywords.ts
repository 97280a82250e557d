/**
 * Keywords of both halves: `mode`, `maxconn`, `errorfile`, `grace`,
 * forwarding headers, connection-mode options, `stick-table`,
 * `force-persist` / `ignore-persist` and the ones
 * accepted for compatibility.
 */
import { parseStickTable } from '../../rules/cfg-rules.js'
import type { BackendDraft } from './drafts.js'
import { ERROR_STATUSES, parseErrorFile } from './errorfile.js'
import { atLine, configError } from './errors.js'
import { feedRules } from './frontend-keywords.js'
import { arity, noEffect, type Keyword, type KeywordContext, type KeywordTable } from './keyword.js'
import { parseInteger, parseTime } from './units.js'

function both(fn: (ctx: KeywordContext) => void, negatable = false): Keyword {
  return { cap: 'both', negatable, handle: fn }
}

/** `[except <network>] [header <name>] [if-none]` of `option forwardfor` / `originalto`. */
function forwardOptions(ctx: KeywordContext, ifNone: boolean): { header?: string; except?: string[]; ifNone?: boolean } | true {
  const out: { header?: string; except?: string[]; ifNone?: boolean } = {}
  for (let i = 0; i < ctx.args.length; i++) {
    const w = ctx.args[i]!
    if (w === 'if-none' && ifNone) {
      out.ifNone = true
      continue
    }
    const v = ctx.args[++i]
    if ((w !== 'except' && w !== 'header') || v === undefined) {
      throw configError(ctx.at, ctx.keyword, `expected \`${ctx.keyword} [except <network>] [header <name>]${ifNone ? ' [if-none]' : ''}\`, got \`${ctx.args.join(' ')}\``)
    }
    if (w === 'except') out.except = [v]
    else out.header = v
  }
  return Object.keys(out).length === 0 ? true : out
}

function forward(field: 'forwardFor' | 'originalTo'): Keyword {
  return both((ctx) => {
    const value: BackendDraft['forwardFor'] = forwardOptions(ctx, field === 'forwardFor')
    // The backend option; a frontend-only section hands it to the backends it routes to.
    if (ctx.be !== undefined) ctx.be[field] = value
    else ctx.fe![field] = value
  })
}

function errorfile(ctx: KeywordContext): void {
  arity(ctx, 2, 2, 'errorfile <code> <file>')
  const [code, path] = ctx.args as [string, string]
  if (!ERROR_STATUSES.has(code)) throw configError(ctx.at, ctx.keyword, `status \`${code}\` cannot be replaced (${[...ERROR_STATUSES].join(', ')})`)
  const page = parseErrorFile(ctx.readFile(path), ctx.at, ctx.keyword)
  if (ctx.fe !== undefined) ctx.fe.errorPages[code] = page
  if (ctx.be !== undefined) ctx.be.errorPages[code] = page
}

const CONNECTION_MODE = 'switchyard keeps client connections alive and pools server connections (HAProxy `http-keep-alive` with `http-reuse safe`)'

/**
 * HAProxy `force-persist` / `ignore-persist { if | unless } <cond>`, backend
 * keywords: switchyard evaluates them with the request rules of the
 * frontend half, so they work in a `listen` section. HAProxy ignores them in
 * a frontend (with a warning, as here); a `backend` section is refused
 * rather than silently changing what persistence does.
 */
function persistRule(): Keyword {
  return both((ctx) => {
    if (ctx.section.kind === 'frontend') {
      ctx.warn(`ignored: \`${ctx.keyword}\` only applies to backends (HAProxy ignores it in a frontend)`)
      return
    }
    if (ctx.fe === undefined) throw configError(ctx.at, ctx.keyword, `switchyard evaluates \`${ctx.keyword}\` with a frontend's request rules: write it in a \`listen\` section`)
    feedRules(ctx)
  })
}

/** Keywords of both halves. */
export const SHARED_KEYWORDS: KeywordTable = {
  mode: both((ctx) => {
    arity(ctx, 1, 1, 'mode http|tcp')
    const mode = ctx.args[0]
    if (mode !== 'http' && mode !== 'tcp') throw configError(ctx.at, ctx.keyword, `expected \`http\` or \`tcp\`, got \`${mode!}\``)
    if (ctx.fe !== undefined) ctx.fe.mode = mode
    if (ctx.be !== undefined) ctx.be.mode = mode
  }),
  maxconn: both((ctx) => {
    arity(ctx, 1, 1, 'maxconn <number>')
    const n = parseInteger(ctx.args[0], ctx.at, ctx.keyword, 0)
    if (ctx.fe !== undefined) ctx.fe.maxconn = n
    else ctx.be!.maxconn = n
  }),
  errorfile: both(errorfile),
  grace: both((ctx) => {
    arity(ctx, 1, 1, 'grace <time>')
    const t = parseTime(ctx.args[0], ctx.at, ctx.keyword)
    ctx.global.grace = Math.max(ctx.global.grace ?? 0, t)
  }),
  'timeout http-keep-alive': {
    cap: 'both',
    handle: (ctx) => {
      arity(ctx, 1, 1, 'timeout http-keep-alive <time>')
      const t = parseTime(ctx.args[0], ctx.at, ctx.keyword)
      // In a backend section it bounds idle pooled server connections (what the LeoFS guide expects).
      if (ctx.fe !== undefined) ctx.fe.timeouts.httpKeepAlive = t
      else ctx.be!.idleTimeout = t
    },
  },
  'option forwardfor': forward('forwardFor'),
  'option originalto': forward('originalTo'),
  'option httpclose': noEffect('both', CONNECTION_MODE, true),
  'option http-server-close': noEffect('both', CONNECTION_MODE, true),
  'option http-keep-alive': noEffect('both', CONNECTION_MODE, true),
  'option forceclose': noEffect('both', CONNECTION_MODE, true),
  'option nolinger': noEffect('both', 'sockets close normally', true),
  'option splice-auto': noEffect('both', 'no splicing in Node', true),
  'option splice-request': noEffect('both', 'no splicing in Node', true),
  'option splice-response': noEffect('both', 'no splicing in Node', true),
  'option independent-streams': noEffect('both', 'timeouts follow each direction already', true),
  log: { cap: 'both', negatable: true, handle: (ctx) => ctx.warn('`log` targets do not exist in switchyard: `option httplog`/`tcplog` logs go to the log hook (stdout with the CLI)') },
  description: noEffect('both', 'no stats description'),
  id: noEffect('both', 'proxies are known by name'),
  enabled: noEffect('both', 'sections are enabled by default'),
  disabled: both((ctx) => {
    arity(ctx, 0, 0, 'disabled')
    if (ctx.fe !== undefined) ctx.fe.disabled = true
    ctx.warn('`disabled`: this section starts no listener')
  }),
  'force-persist': persistRule(),
  'ignore-persist': persistRule(),
  'stick-table': both((ctx) => {
    if (ctx.section.kind === 'defaults') throw configError(ctx.at, ctx.keyword, 'not allowed in a `defaults` section')
    if (ctx.fe !== undefined) return feedRules(ctx)
    ctx.be!.table = atLine(ctx.at, ctx.keyword, () => parseStickTable(ctx.args))
  }),
}
