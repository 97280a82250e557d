/**
 * The IP address and port of a server address, as bytes: what HAProxy feeds
 * its dynamic-cookie hash. Only literal IPv4/IPv6 addresses qualify; host
 * names give `undefined` (HAProxy computes dynamic cookies for AF_INET and
 * AF_INET6 servers only).
 */

/** An IP address in network byte order (4 or 16 bytes) and a TCP port. */
export interface ServerEndpoint {
  readonly ip: Uint8Array
  readonly port: number
}

/** Default ports of the URL schemes a server address may use. */
const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, ws: 80, https: 443, wss: 443 }

/**
 * Parses a server address: `ip:port`, `[ipv6]:port`, a bare IPv4 or IPv6
 * address (port 0, like a HAProxy server without a port), or a URL
 * (`http://10.0.0.1:8080/`, `https://[::1]/` → port 443). Returns `undefined`
 * for host names and malformed input.
 */
export function parseServerAddress(address: string): ServerEndpoint | undefined {
  let authority = address
  let port = 0
  const scheme = address.indexOf('://')
  if (scheme >= 0) {
    port = DEFAULT_PORTS[address.slice(0, scheme).toLowerCase()] ?? 0
    authority = address.slice(scheme + 3)
    const end = authority.search(/[/?#]/)
    if (end >= 0) authority = authority.slice(0, end)
    authority = authority.slice(authority.lastIndexOf('@') + 1)
  }
  let host = authority
  let portText: string | undefined
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']')
    if (close < 0) return undefined
    host = authority.slice(1, close)
    const rest = authority.slice(close + 1)
    if (rest !== '') {
      if (!rest.startsWith(':')) return undefined
      portText = rest.slice(1)
    }
  } else {
    const colon = authority.indexOf(':')
    // Exactly one colon: IPv4 (or a name) with a port; several: a bare IPv6 address.
    if (colon >= 0 && authority.indexOf(':', colon + 1) < 0) {
      host = authority.slice(0, colon)
      portText = authority.slice(colon + 1)
    }
  }
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) return undefined
    port = Number(portText)
  }
  const ip = ipBytes(host)
  return ip === undefined ? undefined : { ip, port }
}

/**
 * An IP address literal as bytes in network order: 4 for a dotted quad, 16 for
 * IPv6 (an IPv4-mapped IPv6 address stays 16 bytes, like AF_INET6). A zone
 * (`%eth0`) is ignored. `undefined` when `text` is not an IP literal.
 */
export function ipBytes(text: string): Uint8Array | undefined {
  const zone = text.indexOf('%')
  const addr = zone >= 0 ? text.slice(0, zone) : text
  if (addr.indexOf(':') < 0) {
    const v4 = ipv4(addr)
    return v4 === undefined ? undefined : Uint8Array.of(v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255)
  }
  return ipv6(addr)
}

/** A strict dotted quad as an unsigned integer, or `undefined`. */
function ipv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (m === null) return undefined
  let value = 0
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i])
    if (octet > 255) return undefined
    value = value * 256 + octet
  }
  return value
}

/** IPv6 text (one `::` at most, optional trailing dotted quad) as 16 bytes, or `undefined`. */
function ipv6(text: string): Uint8Array | undefined {
  const gap = text.indexOf('::')
  if (gap >= 0 && text.indexOf('::', gap + 1) >= 0) return undefined
  const head = gap >= 0 ? text.slice(0, gap) : text
  const tail = gap >= 0 ? text.slice(gap + 2) : ''
  const left = groups(head)
  const right = groups(tail)
  if (left === undefined || right === undefined) return undefined
  const total = left.length + right.length
  if (gap >= 0 ? total > 7 : total !== 8) return undefined
  const out = new Uint8Array(16)
  const words = [...left, ...new Array<number>(8 - total).fill(0), ...right]
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i]! >>> 8
    out[2 * i + 1] = words[i]! & 255
  }
  return out
}

/** Colon-separated 16-bit groups; a last group may be a dotted quad (two groups). */
function groups(text: string): number[] | undefined {
  if (text === '') return []
  const parts = text.split(':')
  const out: number[] = []
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = ipv4(part)
      if (v4 === undefined) return undefined
      out.push(v4 >>> 16, v4 & 0xffff)
    } else {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(part)) return undefined
      out.push(parseInt(part, 16))
    }
  }
  return out
}
