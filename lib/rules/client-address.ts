/**
 * The client address rules see. By default it is the connection's peer: a
 * client's own `X-Forwarded-For` is only text and never changes it (clients
 * can write anything there). Only when the peer is a declared trusted proxy
 * is `X-Forwarded-For` read, from the right (each proxy appends the address
 * it received the request from): the right-most entry that is not itself a
 * trusted proxy is the client. If every entry is trusted, the left-most one
 * is used. An entry that is not an IP address stops the walk and the last
 * trusted hop before it is used, so rules always see a real address.
 */
import { parseAddress, plainAddress, type NetworkList } from './ip.js'

/** Scratch words for address validation (never re-entered). */
const words = new Uint32Array(4)

function isBlank(c: number): boolean {
  return c === 32 || c === 9
}

/**
 * The client address for rules: `peer`, or behind trusted proxies the
 * right-most untrusted `X-Forwarded-For` entry (see the module comment).
 * Node joins repeated `X-Forwarded-For` lines with `, `; an array is read
 * as the lines in order. IPv4-mapped addresses are returned as IPv4.
 */
export function clientAddress(peer: string, forwardedFor: string | readonly string[] | undefined, trusted: NetworkList): string {
  if (forwardedFor === undefined || !trusted.has(peer)) return plainAddress(peer)
  const lines: readonly string[] = typeof forwardedFor === 'string' ? [forwardedFor] : forwardedFor
  let client = peer
  for (let l = lines.length - 1; l >= 0; l--) {
    const value = lines[l]!
    let end = value.length
    for (;;) {
      const comma = end === 0 ? -1 : value.lastIndexOf(',', end - 1)
      let a = comma + 1
      let b = end
      while (a < b && isBlank(value.charCodeAt(a))) a++
      while (b > a && isBlank(value.charCodeAt(b - 1))) b--
      if (a < b) {
        if (parseAddress(value, a, b, words) === 0) return plainAddress(client)
        client = value.slice(a, b)
        if (!trusted.hasRange(value, a, b)) return plainAddress(client)
      }
      if (comma < 0) break
      end = comma
    }
  }
  return plainAddress(client)
}
