/**
 * Backend keywords of active health checks: `option httpchk` (old and new
 * forms), `option ssl-hello-chk`, `http-check send|expect|disable-on-404`.
 */
import type { HttpExpect } from '../../health/http-expect.js'
import type { HttpCheckDraft } from './drafts.js'
import { configError } from './errors.js'
import { be, noEffect, rejected, type KeywordContext, type KeywordTable } from './keyword.js'

function httpchk(ctx: KeywordContext): HttpCheckDraft {
  const b = be(ctx)
  return (b.httpchk ??= { headers: [] })
}

/**
 * `option httpchk [<method>] [<uri>] [<version> [<host>]]`. A version holding
 * `\r\n` lines (the old trick to send headers, e.g. `HTTP/1.1\r\nHost:\ x`)
 * is split into the version and headers.
 */
function optionHttpchk(ctx: KeywordContext): void {
  const args = ctx.args
  if (args.length > 4) throw configError(ctx.at, ctx.keyword, `expected \`option httpchk [<method>] [<uri>] [<version> [<host>]]\`, got \`${args.join(' ')}\``)
  const check: HttpCheckDraft = { headers: [] }
  if (args.length === 1) check.path = args[0]!
  if (args.length >= 2) {
    check.method = args[0]!
    check.path = args[1]!
  }
  if (args.length >= 3) {
    const [version, ...lines] = args[2]!.split('\r\n')
    check.version = version!
    for (const text of lines) {
      if (text === '') continue
      const colon = text.indexOf(':')
      if (colon <= 0) throw configError(ctx.at, ctx.keyword, `invalid header line \`${text}\` in the check request`)
      check.headers.push([text.slice(0, colon).trim(), text.slice(colon + 1).trim()])
    }
  }
  if (args.length === 4) check.headers.unshift(['Host', args[3]!])
  const b = be(ctx)
  b.httpchk = { ...check, ...(b.httpchk?.expect === undefined ? {} : { expect: b.httpchk.expect }), ...(b.httpchk?.disableOn404 === undefined ? {} : { disableOn404: b.httpchk.disableOn404 }) }
  b.sslHelloChk = false
}

/** `http-check send [meth <m>] [uri <u>] [ver <v>] [hdr <n> <v>]* [body <s>]`. */
function send(ctx: KeywordContext, args: readonly string[]): void {
  const check = httpchk(ctx)
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!
    const v = args[i + 1]
    if (v === undefined || (w === 'hdr' && args[i + 2] === undefined)) throw configError(ctx.at, ctx.keyword, `\`${w}\` needs ${w === 'hdr' ? 'a name and a value' : 'a value'}`)
    i++
    switch (w) {
      case 'meth':
        check.method = v
        break
      case 'uri':
        check.path = v
        break
      case 'ver':
        check.version = v
        break
      case 'hdr':
        check.headers.push([v, args[++i]!])
        break
      case 'body':
        check.body = v
        break
      default:
        throw configError(ctx.at, ctx.keyword, `unsupported \`http-check send\` option \`${w}\` (meth, uri, ver, hdr, body)`)
    }
  }
}

/** `http-check expect [!] status|rstatus|string|rstring <pattern>`. */
function expect(ctx: KeywordContext, args: readonly string[]): void {
  const negate = args[0] === '!'
  const rest = negate ? args.slice(1) : args
  const [kind, pattern, ...extra] = rest
  if (pattern === undefined || extra.length > 0) throw configError(ctx.at, ctx.keyword, `expected \`http-check expect [!] status|rstatus|string|rstring <pattern>\`, got \`${args.join(' ')}\``)
  let rule: HttpExpect
  switch (kind) {
    case 'status':
      rule = { type: 'status', codes: pattern }
      break
    case 'rstatus':
      rule = { type: 'rstatus', pattern }
      break
    case 'string':
      rule = { type: 'string', text: pattern }
      break
    case 'rstring':
      rule = { type: 'rstring', pattern }
      break
    default:
      throw configError(ctx.at, ctx.keyword, `unsupported match \`${String(kind)}\` (status, rstatus, string, rstring)`)
  }
  httpchk(ctx).expect = negate ? { ...rule, negate: true } : rule
}

/** Health-check keywords (backend capability). */
export const HEALTH_KEYWORDS: KeywordTable = {
  'option httpchk': { cap: 'be', handle: optionHttpchk },
  'option ssl-hello-chk': {
    cap: 'be',
    handle: (ctx) => {
      if (ctx.args.length > 0) throw configError(ctx.at, ctx.keyword, 'takes no argument')
      const b = be(ctx)
      b.sslHelloChk = true
      delete b.httpchk
    },
  },
  'http-check': {
    cap: 'be',
    handle: (ctx) => {
      const [sub, ...args] = ctx.args
      switch (sub) {
        case 'send':
          return send(ctx, args)
        case 'expect':
          return expect(ctx, args)
        case 'disable-on-404':
          if (args.length > 0) throw configError(ctx.at, ctx.keyword, '`disable-on-404` takes no argument')
          httpchk(ctx).disableOn404 = true
          return
        case 'send-state':
          return noEffect('be', 'checks do not send the server state header').handle(ctx)
        default:
          throw configError(ctx.at, ctx.keyword, `unsupported \`http-check ${sub ?? ''}\` (send, expect, disable-on-404)`)
      }
    },
  },
  'option tcp-check': rejected('be', '`tcp-check` rule sequences are not implemented (plain `check` is a TCP connect check)'),
  'tcp-check': rejected('be', '`tcp-check` rule sequences are not implemented (plain `check` is a TCP connect check)'),
  'option mysql-check': rejected('be', 'protocol checks other than HTTP and SSL hello are not implemented'),
  'option pgsql-check': rejected('be', 'protocol checks other than HTTP and SSL hello are not implemented'),
  'option redis-check': rejected('be', 'protocol checks other than HTTP and SSL hello are not implemented'),
  'option smtpchk': rejected('be', 'protocol checks other than HTTP and SSL hello are not implemented'),
  'option ldap-check': rejected('be', 'protocol checks other than HTTP and SSL hello are not implemented'),
  'option log-health-checks': noEffect('be', 'health transitions are events (`proxy.health`), not log lines'),
}
