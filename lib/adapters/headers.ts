/**
 * Header copying between client and server: hop-by-hop fields are removed in
 * both directions (RFC 9110 §7.6.1), names are lower-cased (as HAProxy sends
 * them), order and duplicates are kept (`Set-Cookie` lines are never joined).
 *
 * Removed: `Connection` and every field it names, `Keep-Alive`, `TE`, `Trailer`,
 * `Transfer-Encoding`, `Upgrade`, `Proxy-*`, and `Expect` (Node already answered
 * `100 Continue` to the client; undici refuses to send it). Framing is never copied:
 * the transport writes its own `Content-Length` or chunked encoding.
 */

const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect'])

const SIMPLE = /^(?:keep-alive|close|upgrade)$/i

/** The only transfer coding a response may carry: anything else would reach the client still encoded. */
const CHUNKED = /^[ \t]*chunked[ \t]*$/i

/** True for a lower-case field name that never crosses the proxy. */
export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-')
}

/**
 * Field names listed in a `Connection` value, added to `into` (created on demand).
 * `close`, `keep-alive` and `upgrade` are left out: they are removed anyway.
 */
export function connectionTokens(value: string, into?: Set<string>): Set<string> | undefined {
  // The common single values name no field: no split, no allocation.
  if (SIMPLE.test(value)) return into
  let set = into
  for (const part of value.split(',')) {
    const token = part.trim().toLowerCase()
    if (token === '' || token === 'close' || token === 'keep-alive' || token === 'upgrade') continue
    ;(set ??= new Set()).add(token)
  }
  return set
}

/**
 * The client's headers as sent to the server, from `req.rawHeaders`.
 * `drop` lists extra lower-case names to remove (headers switchyard replaces).
 * Returns `undefined` when the request carries several `Host` fields (answered 400).
 */
export function requestHeaders(raw: readonly string[], connection: string | undefined, drop: ReadonlySet<string> | undefined): string[] | undefined {
  const named = connection === undefined ? undefined : connectionTokens(connection)
  const out: string[] = []
  let hosts = 0
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    // `Connection` may not name Host: a client must not strip what routes it upstream.
    if (isHopByHop(name) || (named?.has(name) === true && name !== 'host') || drop?.has(name) === true) continue
    if (name === 'host' && ++hosts > 1) return undefined
    out.push(name, raw[i + 1]!)
  }
  return out
}

/**
 * The server's response headers as sent to the client: undici's raw
 * `[name, value, …]` buffers decoded as latin1 (bytes preserved), hop-by-hop
 * fields and the fields named by the response's own `Connection` removed.
 * Returns `undefined` for a `Transfer-Encoding` other than `chunked` (e.g. `gzip`):
 * an invalid response (HAProxy answers 502), since the coding would be lost.
 */
export function responseHeaders(raw: readonly Buffer[]): string[] | undefined {
  const out: string[] = []
  let named: Set<string> | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase()
    if (name === 'connection') {
      named = connectionTokens(raw[i + 1]!.toString('latin1'), named)
      continue
    }
    if (isHopByHop(name)) {
      if (name === 'transfer-encoding' && !CHUNKED.test(raw[i + 1]!.toString('latin1'))) return undefined
      continue
    }
    out.push(name, raw[i + 1]!.toString('latin1'))
  }
  if (named === undefined) return out
  const kept: string[] = []
  for (let i = 0; i < out.length; i += 2) if (!named.has(out[i]!)) kept.push(out[i]!, out[i + 1]!)
  return kept
}
