/**
 * Dynamic cookie values: servers without an explicit `cookie` get a value
 * derived from the backend's secret and their address, so that every load
 * balancer sharing the secret agrees without configuration.
 */
import { parseServerAddress } from './server-address.js'
import { xxh64 } from './xxh64.js'

const encoder = new TextEncoder()

/**
 * The dynamic cookie value of a server: 16 lower-case hex digits of
 * `XXH64(seed 0)` over the bytes of `key` (UTF-8) ‖ the server's IP address
 * (4 or 16 bytes, network order) ‖ its port as a 4-byte big-endian integer.
 * Returns `undefined` when `address` is not a literal IPv4/IPv6 address
 * (HAProxy computes none for named servers until they resolve).
 *
 * HAProxy: `cookie … dynamic`, `dynamic-cookie-key <key>` (src/server.c `srv_set_dyncookie`)
 *
 * @example
 * ```ts
 * dynamicCookie('MySecret', '127.0.0.1:9001') // '57c93b266778480b'
 * ```
 */
export function dynamicCookie(key: string, address: string): string | undefined {
  const endpoint = parseServerAddress(address)
  if (endpoint === undefined) return undefined
  const keyBytes = encoder.encode(key)
  const buffer = new Uint8Array(keyBytes.length + endpoint.ip.length + 4)
  buffer.set(keyBytes, 0)
  buffer.set(endpoint.ip, keyBytes.length)
  const at = keyBytes.length + endpoint.ip.length
  // The port is an unsigned int in struct server, hashed as htonl(port).
  buffer[at] = 0
  buffer[at + 1] = 0
  buffer[at + 2] = endpoint.port >>> 8
  buffer[at + 3] = endpoint.port & 255
  return xxh64(buffer).toString(16).padStart(16, '0')
}
