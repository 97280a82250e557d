/**
 * PROXY protocol headers as HAProxy sends them to servers (`send-proxy`,
 * `send-proxy-v2`), byte for byte (haproxy-semantics §12):
 *
 * - version 1: `PROXY TCP4 <src> <dst> <sport> <dport>\r\n`; `TCP6` when either
 *   side is IPv6 (an IPv4 side is written IPv4-mapped, `::ffff:a.b.c.d`);
 *   `PROXY UNKNOWN\r\n` when an address is missing or not IP;
 * - version 2: signature, `0x21` (version 2, PROXY), family `0x11` (TCP/IPv4)
 *   or `0x21` (TCP/IPv6), big-endian length 12 or 36, source address,
 *   destination address, source port, destination port; without usable
 *   addresses, `0x20` (LOCAL) with family `0x00` and length 0.
 *
 * Addresses are re-printed from their parsed bytes, so the text is canonical
 * whatever form it was given in.
 */
import { parseAddress } from '../rules/ip.js'
import { formatIPv4, formatIPv6 } from './address.js'
import {
  PROXY_V2_ADDR_LENGTH_INET,
  PROXY_V2_ADDR_LENGTH_INET6,
  PROXY_V2_CMD_LOCAL,
  PROXY_V2_CMD_PROXY,
  PROXY_V2_FAM_TCP4,
  PROXY_V2_FAM_TCP6,
  PROXY_V2_FAM_UNSPEC,
  PROXY_V2_HEADER_LENGTH,
  PROXY_V2_SIGNATURE,
} from './constants.js'
import type { ProxyEndpoint } from './types.js'

const words = new Uint32Array(4)

/** Writes the 16 bytes of `endpoint`'s address (IPv4 mapped) at out[at]; 4 or 6 for the text's family, 0 when unusable. */
function addressBytes(endpoint: ProxyEndpoint | undefined, out: Uint8Array, at: number): 0 | 4 | 6 {
  if (endpoint === undefined) return 0
  const port = endpoint.port
  if (!Number.isInteger(port) || port < 0 || port > 65535) return 0
  const address = endpoint.address
  const family = parseAddress(address, 0, address.length, words)
  for (let i = 0; i < 4; i++) {
    const w = words[i]!
    out[at + 4 * i] = w >>> 24
    out[at + 4 * i + 1] = (w >>> 16) & 0xff
    out[at + 4 * i + 2] = (w >>> 8) & 0xff
    out[at + 4 * i + 3] = w & 0xff
  }
  return family
}

/** Both addresses as 16 bytes each (source at 0, destination at 16), and whether TCP6 is needed; undefined when unusable. */
function resolve(source: ProxyEndpoint | undefined, destination: ProxyEndpoint | undefined, out: Uint8Array): boolean | undefined {
  const s = addressBytes(source, out, 0)
  const d = addressBytes(destination, out, 16)
  if (s === 0 || d === 0) return undefined
  return s === 6 || d === 6
}

const scratch = new Uint8Array(32)

/**
 * The version 1 header for a connection from `source` to `destination`.
 * HAProxy: server `send-proxy`
 */
export function encodeProxyV1(source: ProxyEndpoint | undefined, destination: ProxyEndpoint | undefined): string {
  const v6 = resolve(source, destination, scratch)
  if (v6 === undefined) return 'PROXY UNKNOWN\r\n'
  // resolve() returned a family, so both endpoints are defined.
  const sport = source!.port
  const dport = destination!.port
  if (v6) return `PROXY TCP6 ${formatIPv6(scratch, 0)} ${formatIPv6(scratch, 16)} ${sport} ${dport}\r\n`
  return `PROXY TCP4 ${formatIPv4(scratch, 12)} ${formatIPv4(scratch, 28)} ${sport} ${dport}\r\n`
}

/**
 * The version 2 header for a connection from `source` to `destination` (no
 * extensions).
 * HAProxy: server `send-proxy-v2`
 */
export function encodeProxyV2(source: ProxyEndpoint | undefined, destination: ProxyEndpoint | undefined): Uint8Array {
  const v6 = resolve(source, destination, scratch)
  const sig = PROXY_V2_SIGNATURE.length
  if (v6 === undefined) {
    const out = new Uint8Array(PROXY_V2_HEADER_LENGTH)
    out.set(PROXY_V2_SIGNATURE, 0)
    out[sig] = PROXY_V2_CMD_LOCAL
    out[sig + 1] = PROXY_V2_FAM_UNSPEC
    return out
  }
  const body = v6 ? PROXY_V2_ADDR_LENGTH_INET6 : PROXY_V2_ADDR_LENGTH_INET
  const out = new Uint8Array(PROXY_V2_HEADER_LENGTH + body)
  out.set(PROXY_V2_SIGNATURE, 0)
  out[sig] = PROXY_V2_CMD_PROXY
  out[sig + 1] = v6 ? PROXY_V2_FAM_TCP6 : PROXY_V2_FAM_TCP4
  out[sig + 2] = body >> 8
  out[sig + 3] = body & 0xff
  let at = PROXY_V2_HEADER_LENGTH
  if (v6) {
    out.set(scratch.subarray(0, 32), at)
    at += 32
  } else {
    out.set(scratch.subarray(12, 16), at)
    out.set(scratch.subarray(28, 32), at + 4)
    at += 8
  }
  const sport = source!.port
  const dport = destination!.port
  out[at] = sport >> 8
  out[at + 1] = sport & 0xff
  out[at + 2] = dport >> 8
  out[at + 3] = dport & 0xff
  return out
}
