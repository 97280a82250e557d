/**
 * Keywords of the backend half (`backend`, `listen`, `defaults`): balancing,
 * servers, cookies, retries and backend-side timeouts.
 */
import type { RetryOnKeyword } from '../../adapters/types.js'
import { balance, hashType } from './balance.js'
import type { CookieDraft, ServerDraft } from './drafts.js'
import { serverAddress } from './address.js'
import { configError } from './errors.js'
import { arity, be, noEffect, rejected, type Keyword, type KeywordContext, type KeywordTable } from './keyword.js'
import { applyServerOptions } from './server-keywords.js'
import { parseInteger, parseTime } from './units.js'

function backend(fn: (ctx: KeywordContext) => void, negatable = false): Keyword {
  return { cap: 'be', negatable, handle: fn }
}

type BackendTimeout = 'connect' | 'server' | 'queue' | 'tunnel' | 'check' | 'serverFin'

function timeout(field: BackendTimeout, syntax: string): Keyword {
  return backend((ctx) => {
    arity(ctx, 1, 1, syntax)
    be(ctx).timeouts[field] = parseTime(ctx.args[0], ctx.at, ctx.keyword)
  })
}

function flag(set: (ctx: KeywordContext, on: boolean) => void): Keyword {
  return backend((ctx) => {
    if (ctx.args.length > 0) throw configError(ctx.at, ctx.keyword, `takes no argument, got \`${ctx.args.join(' ')}\``)
    set(ctx, !ctx.negated)
  }, true)
}

/** `cookie <name> [rewrite|insert|prefix] [indirect] [nocache] [postonly] [preserve] [httponly] [secure] [domain <d>]* [maxidle <t>] [maxlife <t>] [dynamic] [attr <a>]*`. */
function cookie(ctx: KeywordContext): void {
  const [name, ...rest] = ctx.args
  if (name === undefined) throw configError(ctx.at, ctx.keyword, 'expected `cookie <name> [options]`')
  const c: CookieDraft = { name }
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!
    switch (w) {
      case 'rewrite':
      case 'insert':
      case 'prefix':
        if (c.mode !== undefined && c.mode !== w) throw configError(ctx.at, ctx.keyword, `\`${c.mode}\` and \`${w}\` cannot be combined`)
        c.mode = w
        break
      case 'indirect':
      case 'nocache':
      case 'postonly':
      case 'preserve':
      case 'httponly':
      case 'secure':
      case 'dynamic':
        c[w] = true
        break
      case 'domain':
      case 'attr': {
        const v = rest[++i]
        if (v === undefined) throw configError(ctx.at, ctx.keyword, `\`${w}\` needs a value`)
        ;(w === 'domain' ? (c.domains ??= []) : (c.attrs ??= [])).push(v)
        break
      }
      case 'maxidle':
      case 'maxlife':
        c[w] = parseTime(rest[++i], ctx.at, `${ctx.keyword} ${w}`)
        break
      default:
        throw configError(ctx.at, ctx.keyword, `unknown cookie option \`${w}\``)
    }
  }
  be(ctx).cookie = c
  be(ctx).cookieAt = ctx.at
}

const RETRY_ON = new Set<string>(['conn-failure', 'empty-response', 'junk-response', 'response-timeout'])
const RETRY_STATUS = new Set([401, 403, 404, 408, 425, 429, 500, 501, 502, 503, 504])
const ALL_RETRYABLE: readonly RetryOnKeyword[] = ['conn-failure', 'empty-response', 'junk-response', 'response-timeout', 500, 502, 503, 504]

function retryOn(ctx: KeywordContext): void {
  if (ctx.args.length === 0) throw configError(ctx.at, ctx.keyword, 'expected `retry-on <keywords>`')
  const out: RetryOnKeyword[] = []
  for (const w of ctx.args) {
    if (w === 'none') {
      if (ctx.args.length > 1) throw configError(ctx.at, ctx.keyword, '`none` cannot be combined with other keywords')
    } else if (w === 'all-retryable-errors') {
      ctx.warn('`all-retryable-errors`: `0rtt-rejected` is not applicable (no TLS early data); the other errors are retried')
      out.push(...ALL_RETRYABLE)
    } else if (RETRY_ON.has(w)) {
      out.push(w as RetryOnKeyword)
    } else if (/^\d+$/.test(w) && RETRY_STATUS.has(Number(w))) {
      out.push(Number(w) as RetryOnKeyword)
    } else {
      throw configError(ctx.at, ctx.keyword, `unsupported \`${w}\` (conn-failure, empty-response, junk-response, response-timeout, all-retryable-errors, none, ${[...RETRY_STATUS].join(', ')})`)
    }
  }
  be(ctx).retryOn = [...new Set(out)]
}

function serverLine(ctx: KeywordContext): void {
  const [name, address, ...options] = ctx.args
  if (name === undefined || address === undefined) throw configError(ctx.at, ctx.keyword, 'expected `server <name> <address>[:port] [options]`')
  const b = be(ctx)
  if (b.servers.some((s) => s.name === name)) throw configError(ctx.at, ctx.keyword, `duplicate server \`${name}\` in \`${ctx.section.name}\``)
  const parsed = serverAddress(address, ctx.at, ctx.keyword)
  const draft: ServerDraft = {}
  applyServerOptions(options, draft, ctx)
  b.servers.push({ name, address: parsed, at: ctx.at, draft, dispatch: false })
}

/** Backend keywords. */
export const BACKEND_KEYWORDS: KeywordTable = {
  balance: backend(balance),
  'hash-type': backend(hashType),
  'hash-balance-factor': backend((ctx) => {
    arity(ctx, 1, 1, 'hash-balance-factor <0 or >100>')
    const factor = parseInteger(ctx.args[0], ctx.at, ctx.keyword, 0)
    if (factor !== 0 && factor <= 100) throw configError(ctx.at, ctx.keyword, `must be 0 (off) or greater than 100, got \`${factor}\``)
    be(ctx).balanceFactor = factor
  }),
  fullconn: backend((ctx) => {
    arity(ctx, 1, 1, 'fullconn <number>')
    be(ctx).fullconn = parseInteger(ctx.args[0], ctx.at, ctx.keyword, 1)
  }),
  server: backend(serverLine),
  'default-server': backend((ctx) => applyServerOptions(ctx.args, be(ctx).defaultServer, ctx)),
  dispatch: backend((ctx) => {
    arity(ctx, 1, 1, 'dispatch <address>:<port>')
    const b = be(ctx)
    b.servers.push({ name: 'dispatch', address: serverAddress(ctx.args[0]!, ctx.at, ctx.keyword), at: ctx.at, draft: {}, dispatch: true })
  }),
  cookie: backend(cookie),
  'dynamic-cookie-key': backend((ctx) => {
    arity(ctx, 1, 1, 'dynamic-cookie-key <key>')
    be(ctx).dynamicKey = ctx.args[0]!
  }),
  'option persist': flag((ctx, on) => (be(ctx).persist = on)),
  'option allbackups': flag((ctx, on) => (be(ctx).allbackups = on)),
  'option abortonclose': flag((ctx, on) => (be(ctx).abortOnClose = on)),
  'option redispatch': backend((ctx) => {
    arity(ctx, 0, 1, 'option redispatch [<interval>]')
    const interval = ctx.args[0] === undefined ? undefined : parseInteger(ctx.args[0], ctx.at, ctx.keyword, -1_000_000)
    be(ctx).redispatch = ctx.negated ? false : interval === undefined || interval === -1 ? true : interval
  }, true),
  // The pre-1.4 spelling of `option redispatch`.
  redispatch: flag((ctx, on) => (be(ctx).redispatch = on)),
  retries: backend((ctx) => {
    arity(ctx, 1, 1, 'retries <number>')
    be(ctx).retries = parseInteger(ctx.args[0], ctx.at, ctx.keyword, 0, 100)
  }),
  'retry-on': backend(retryOn),
  'timeout connect': timeout('connect', 'timeout connect <time>'),
  'timeout server': timeout('server', 'timeout server <time>'),
  'timeout queue': timeout('queue', 'timeout queue <time>'),
  'timeout tunnel': timeout('tunnel', 'timeout tunnel <time>'),
  'timeout check': timeout('check', 'timeout check <time>'),
  'timeout server-fin': timeout('serverFin', 'timeout server-fin <time>'),
  contimeout: timeout('connect', 'contimeout <time>'),
  srvtimeout: timeout('server', 'srvtimeout <time>'),
  source: backend((ctx) => {
    arity(ctx, 1, 1, 'source <address>')
    const addr = ctx.args[0]!
    if (/:\d*$/.test(addr) && !addr.includes('::')) throw configError(ctx.at, ctx.keyword, `only an address is supported (the port is chosen by the OS), got \`${addr}\``)
    be(ctx).source = addr
  }),
  stick: rejected('be', '`stick on`/`stick match`/`stick store-*` server persistence is not implemented (use `cookie` or `balance source`)'),
  'http-reuse': noEffect('be', 'server connections are pooled by undici (HAProxy `safe` behaviour)'),
  'option prefer-last-server': noEffect('be', 'servers are always chosen by the balancing algorithm', true),
  'option http-pretend-keepalive': noEffect('be', 'server connections are keep-alive', true),
  'option srvtcpka': noEffect('be', 'TCP keep-alive is left to Node', true),
  'option checkcache': rejected('be', 'cacheable-response checks are only done with `cookie … nocache`'),
}
