/**
 * What switchyard refuses before choosing a backend, beyond what Node's parser
 * already rejects (docs/node-proxy-hazards.md §3): too many header lines (Node
 * silently drops past ~1000), HTTP versions other than 1.x, transfer codings
 * other than plain `chunked`, request targets that are not origin-form (or an
 * absolute-form whose authority matches Host and carries no userinfo),
 * fragments, and a `Host` that is not `host[:port]` (Node accepts `a b`,
 * `user@evil`, empty values and any port).
 *
 * The request target is never resolved against a base URL: switchyard always
 * connects to the chosen server's fixed address and sends an origin-form path.
 */
import type { IncomingMessage } from 'node:http'

/** Result of the checks: the origin-form target to send, or the status to answer (400/431). */
export type RequestCheck = { readonly path: string; readonly hasBody: boolean } | { readonly status: 400 | 431 }

const BAD: RequestCheck = { status: 400 }
const TOO_MANY: RequestCheck = { status: 431 }

/**
 * `host[:port]` (RFC 9110 §7.2): an IP literal or a reg-name (unreserved,
 * pct-encoded and sub-delims, without `,` so that no list can pass), then an
 * optional port of at most 65535.
 */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+;=]+)(?::(?:\d{0,4}|[0-5]\d{4}|6[0-4]\d{3}|65[0-4]\d\d|655[0-2]\d|6553[0-5]))?$/

/** Userinfo in an absolute-form target (`http://user@host/`): refused, it can disguise the authority. */
const USERINFO = /^https?:\/\/[^/?#]*@/i

function authority(host: string, scheme: string): string | undefined {
  try {
    return new URL(`${scheme}//${host}`).host
  } catch {
    return undefined
  }
}

/**
 * The origin-form target: the URL as received when it starts with `/`, the path and
 * query of an absolute-form URL whose authority equals the Host header, else `undefined`.
 */
export function originForm(url: string, host: string | undefined): string | undefined {
  if (url.includes('#')) return undefined
  if (url.startsWith('/')) return url
  if (!/^https?:\/\//i.test(url) || USERINFO.test(url)) return undefined
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  if (host === undefined || authority(host, parsed.protocol) !== parsed.host) return undefined
  return parsed.pathname + parsed.search
}

/** Checks a request; `maxHeaders` is the largest number of header lines accepted. */
export function checkRequest(req: IncomingMessage, maxHeaders: number): RequestCheck {
  if (req.rawHeaders.length > maxHeaders * 2) return TOO_MANY
  if (req.httpVersionMajor !== 1) return BAD
  const host = req.headers.host
  if (host !== undefined && !HOST.test(host)) return BAD
  const te = req.headers['transfer-encoding']
  if (te !== undefined && te.trim().toLowerCase() !== 'chunked') return BAD
  const path = originForm(req.url!, host)
  if (path === undefined) return BAD
  const length = req.headers['content-length']
  return { path, hasBody: te !== undefined || (length !== undefined && Number(length) > 0) }
}
