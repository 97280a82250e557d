/**
 * PROXY protocol version 2 (binary) parsing: the 12-byte signature, the
 * version/command byte (version 2; `LOCAL` or `PROXY`), the family byte, a
 * 16-bit length, the address block and type-length-value extensions.
 *
 * As HAProxy: `LOCAL` ignores the family and the whole block; `PROXY` with a
 * family other than TCP over IPv4/IPv6 (UDP, UNIX, unspecified) is accepted
 * without addresses; the extensions of a TCP header must tile the rest of it
 * exactly, and a CRC-32C extension must match the header.
 */
import { formatIPv4, formatIPv6 } from './address.js'
import {
  PROXY_V2_ADDR_LENGTH_INET,
  PROXY_V2_ADDR_LENGTH_INET6,
  PROXY_V2_FAM_TCP4,
  PROXY_V2_FAM_TCP6,
  PROXY_V2_HEADER_LENGTH,
  PROXY_V2_MAX_LENGTH,
  PROXY_V2_SIGNATURE,
  PROXY_V2_TYPE_CRC32C,
} from './constants.js'
import { crc32cFinish, crc32cUpdate } from './crc32c.js'
import type { ProxyEndpoint, ProxyHeader, ProxyParseResult, ProxyTlv } from './types.js'

const INCOMPLETE: ProxyParseResult = Object.freeze({ status: 'incomplete' })
const NO_TLVS: readonly ProxyTlv[] = Object.freeze([])
const ZEROS = new Uint8Array(4)

/** Family bytes the specification defines: UNSPEC, TCP and UDP over IPv4 and IPv6, UNIX stream and datagram. */
const FAMILIES: ReadonlySet<number> = new Set([0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32])

function invalid(reason: string): ProxyParseResult {
  return { status: 'invalid', reason }
}

function port(buf: Uint8Array, at: number): number {
  return (buf[at]! << 8) | buf[at + 1]!
}

/** The extensions in buf[start, end), or a reason they are malformed. */
function parseTlvs(buf: Uint8Array, start: number, end: number): ProxyTlv[] | string {
  const tlvs: ProxyTlv[] = []
  let at = start
  while (at < end) {
    if (at + 3 > end) return 'truncated TLV in PROXY v2 header'
    const type = buf[at]!
    const length = port(buf, at + 1)
    const value = at + 3
    if (value + length > end) return 'TLV longer than the PROXY v2 header'
    if (type === PROXY_V2_TYPE_CRC32C) {
      if (length !== 4) return 'CRC32C TLV of the wrong length'
      // The checksum covers the whole header with its own value field zeroed.
      let crc = crc32cUpdate(0xffffffff, buf, 0, value)
      crc = crc32cUpdate(crc, ZEROS, 0, 4)
      crc = crc32cFinish(crc32cUpdate(crc, buf, value + 4, end))
      const sent = ((buf[value]! << 24) | (buf[value + 1]! << 16) | (buf[value + 2]! << 8) | buf[value + 3]!) >>> 0
      if (crc !== sent) return 'CRC32C mismatch in PROXY v2 header'
    }
    tlvs.push({ type, value: buf.subarray(value, value + length) })
    at = value + length
  }
  return tlvs
}

/**
 * Parses a version 2 header at the start of `buf`, which begins with at least
 * one byte of the signature. Rejects as early as the bytes allow.
 * @param maxLength longest header accepted, bytes (at most 16 + 65535)
 */
export function parseProxyV2(buf: Uint8Array, maxLength: number = PROXY_V2_MAX_LENGTH): ProxyParseResult {
  const len = buf.length
  const head = Math.min(len, PROXY_V2_SIGNATURE.length)
  for (let i = 0; i < head; i++) if (buf[i] !== PROXY_V2_SIGNATURE[i]) return invalid('not a PROXY protocol header')
  if (len < 13) return INCOMPLETE
  const verCmd = buf[12]!
  if (verCmd >> 4 !== 2) return invalid('unsupported PROXY protocol version')
  const command = verCmd & 0x0f
  if (command > 1) return invalid('unsupported PROXY v2 command')
  if (len < 14) return INCOMPLETE
  const family = buf[13]!
  // LOCAL: the family is to be ignored, whatever it says.
  if (command === 1 && !FAMILIES.has(family)) return invalid('unsupported PROXY v2 address family')
  if (len < PROXY_V2_HEADER_LENGTH) return INCOMPLETE
  const bodyLength = port(buf, 14)
  const total = PROXY_V2_HEADER_LENGTH + bodyLength
  if (total > maxLength) return invalid(`PROXY v2 header longer than ${maxLength} bytes`)
  const tcp4 = command === 1 && family === PROXY_V2_FAM_TCP4
  const tcp6 = command === 1 && family === PROXY_V2_FAM_TCP6
  if ((tcp4 && bodyLength < PROXY_V2_ADDR_LENGTH_INET) || (tcp6 && bodyLength < PROXY_V2_ADDR_LENGTH_INET6)) {
    return invalid('PROXY v2 address block too short for its family')
  }
  if (len < total) return INCOMPLETE
  if (!tcp4 && !tcp6) {
    const header: ProxyHeader = {
      version: 2,
      command: command === 1 ? 'proxy' : 'local',
      family: 'unknown',
      source: undefined,
      destination: undefined,
      tlvs: NO_TLVS,
    }
    return { status: 'ok', header, length: total }
  }
  const a = PROXY_V2_HEADER_LENGTH
  let source: ProxyEndpoint
  let destination: ProxyEndpoint
  let tlvStart: number
  if (tcp4) {
    source = { address: formatIPv4(buf, a), port: port(buf, a + 8) }
    destination = { address: formatIPv4(buf, a + 4), port: port(buf, a + 10) }
    tlvStart = a + PROXY_V2_ADDR_LENGTH_INET
  } else {
    source = { address: formatIPv6(buf, a), port: port(buf, a + 32) }
    destination = { address: formatIPv6(buf, a + 16), port: port(buf, a + 34) }
    tlvStart = a + PROXY_V2_ADDR_LENGTH_INET6
  }
  const tlvs = tlvStart === total ? NO_TLVS : parseTlvs(buf, tlvStart, total)
  if (typeof tlvs === 'string') return invalid(tlvs)
  return { status: 'ok', header: { version: 2, command: 'proxy', family: tcp4 ? 'tcp4' : 'tcp6', source, destination, tlvs }, length: total }
}
