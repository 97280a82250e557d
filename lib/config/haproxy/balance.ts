/**
 * `balance <algorithm> [<arguments>]` and `hash-type` into the `balance`
 * option (lib/options/balance.ts).
 */
import { configError } from './errors.js'
import { be, type KeywordContext } from './keyword.js'
import { parseInteger } from './units.js'

/** Algorithms taking no argument. */
const PLAIN = new Set(['roundrobin', 'static-rr', 'leastconn', 'first', 'source', 'peak-ewma', 'least-request'])
/** Hash functions of `hash-type`. */
const FUNCTIONS = new Set(['sdbm', 'djb2', 'wt6', 'crc32'])

function noArgs(ctx: KeywordContext, algorithm: string, rest: readonly string[]): void {
  if (rest.length > 0) throw configError(ctx.at, ctx.keyword, `\`${algorithm}\` takes no argument, got \`${rest.join(' ')}\``)
}

/** `balance …` → `be.balance`. */
export function balance(ctx: KeywordContext): void {
  const [word, ...rest] = ctx.args
  if (word === undefined) throw configError(ctx.at, ctx.keyword, 'expected `balance <algorithm> [<arguments>]`')
  const settings: Record<string, unknown> = {}
  let algorithm = word
  const random = /^random(?:\((\d+)\))?$/.exec(word)
  const hdr = /^hdr\((.+)\)$/.exec(word)
  if (PLAIN.has(word)) {
    noArgs(ctx, word, rest)
  } else if (random !== null) {
    algorithm = 'random'
    noArgs(ctx, word, rest)
    if (random[1] !== undefined) settings['draws'] = parseInteger(random[1], ctx.at, ctx.keyword, 1, 100)
  } else if (hdr !== null) {
    algorithm = 'hdr'
    settings['name'] = hdr[1]
    for (const w of rest) {
      if (w !== 'use_domain_only') throw configError(ctx.at, ctx.keyword, `unknown \`hdr\` argument \`${w}\` (use_domain_only)`)
      settings['useDomainOnly'] = true
    }
  } else if (word === 'uri') {
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i]!
      if (w === 'len' || w === 'depth') settings[w] = parseInteger(rest[++i], ctx.at, `${ctx.keyword} uri ${w}`, 1)
      else if (w === 'whole') settings['whole'] = true
      else if (w === 'path-only') settings['pathOnly'] = true
      else throw configError(ctx.at, ctx.keyword, `unknown \`uri\` argument \`${w}\` (len, depth, whole, path-only)`)
    }
  } else if (word === 'url_param') {
    const [name, ...more] = rest
    if (name === undefined) throw configError(ctx.at, ctx.keyword, '`url_param` needs a parameter name')
    settings['name'] = name
    if (more.length > 0) {
      // `check_post [<max_wait>]`: the optional size was removed from HAProxy; accepted and ignored.
      if (more[0] !== 'check_post' || more.length > 2) throw configError(ctx.at, ctx.keyword, `unknown \`url_param\` argument \`${more.join(' ')}\` (check_post)`)
      settings['checkPost'] = true
    }
  } else {
    throw configError(ctx.at, ctx.keyword, `unsupported algorithm \`${word}\` (roundrobin, static-rr, leastconn, first, random[(N)], source, uri, url_param, hdr(<name>), peak-ewma, least-request)`)
  }
  be(ctx).balance = { algorithm, settings, at: ctx.at }
}

/** `hash-type map-based|consistent [<function>] [avalanche]`. */
export function hashType(ctx: KeywordContext): void {
  const [type, ...rest] = ctx.args
  if (type !== 'map-based' && type !== 'consistent') throw configError(ctx.at, ctx.keyword, `expected \`hash-type map-based|consistent [<function>] [avalanche]\`, got \`${ctx.args.join(' ')}\``)
  const out: { type: 'map-based' | 'consistent'; fn?: string; avalanche?: boolean } = { type }
  for (const w of rest) {
    if (FUNCTIONS.has(w) && out.fn === undefined) out.fn = w
    else if (w === 'avalanche' && out.avalanche === undefined) out.avalanche = true
    else throw configError(ctx.at, ctx.keyword, `unsupported \`${w}\` (functions sdbm, djb2, wt6, crc32; modifier avalanche)`)
  }
  be(ctx).hashType = out
}
