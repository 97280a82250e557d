/**
 * PROXY protocol version 1 (text) parsing:
 * `PROXY TCP4|TCP6 <src ip> <dst ip> <src port> <dst port>\r\n` or
 * `PROXY UNKNOWN[ anything]\r\n`, at most 107 bytes.
 *
 * Addresses must be of the announced family (strict dotted quads without
 * leading zeros for TCP4, IPv6 text without a zone for TCP6); ports are 1 to 5
 * decimal digits up to 65535; fields are separated by exactly one space.
 */
import { parseAddress, parseIPv4 } from '../rules/ip.js'
import { formatIPv6 } from './address.js'
import { PROXY_V1_MAX_LENGTH } from './constants.js'
import type { ProxyEndpoint, ProxyHeader, ProxyParseResult } from './types.js'

const INCOMPLETE: ProxyParseResult = Object.freeze({ status: 'incomplete' })

/** `PROXY ` */
const PREFIX = [0x50, 0x52, 0x4f, 0x58, 0x59, 0x20]
const PROTOCOLS = ['TCP4 ', 'TCP6 ', 'UNKNOWN']

function invalid(reason: string): ProxyParseResult {
  return { status: 'invalid', reason }
}

/** True when the bytes from offset 6 on can still start one of the protocol names. */
function protocolPrefixOk(buf: Uint8Array, end: number): boolean {
  return PROTOCOLS.some((name) => {
    for (let i = 6; i < end && i - 6 < name.length; i++) if (buf[i] !== name.charCodeAt(i - 6)) return false
    return true
  })
}

/** A decimal port of 1–5 digits, ≤ 65535, or −1. */
function parsePort(text: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) return -1
  const port = Number(text)
  return port > 65535 ? -1 : port
}

const words = new Uint32Array(4)
const bytes = new Uint8Array(16)

/** The canonical text of an address of the announced family, or undefined. */
function address(text: string, v6: boolean): string | undefined {
  if (!v6) return parseIPv4(text, 0, text.length) >= 0 ? text : undefined
  // parseAddress would accept a zone or a dotted quad: neither is an IPv6 field.
  if (text.indexOf('%') >= 0 || parseAddress(text, 0, text.length, words) !== 6) return undefined
  for (let i = 0; i < 4; i++) {
    const w = words[i]!
    bytes[4 * i] = w >>> 24
    bytes[4 * i + 1] = (w >>> 16) & 0xff
    bytes[4 * i + 2] = (w >>> 8) & 0xff
    bytes[4 * i + 3] = w & 0xff
  }
  return formatIPv6(bytes, 0)
}

/**
 * Parses a version 1 header at the start of `buf`, which begins with at least
 * one byte of `PROXY `. Rejects as early as the bytes allow: a wrong prefix or
 * protocol name, a bare CR or LF, or no CRLF within 107 bytes.
 */
export function parseProxyV1(buf: Uint8Array): ProxyParseResult {
  const len = buf.length
  const head = Math.min(len, PREFIX.length)
  for (let i = 0; i < head; i++) if (buf[i] !== PREFIX[i]) return invalid('not a PROXY protocol header')
  if (!protocolPrefixOk(buf, Math.min(len, PREFIX.length + 7))) return invalid('unknown PROXY v1 protocol')
  const scan = Math.min(len, PROXY_V1_MAX_LENGTH)
  let cr = -1
  for (let i = PREFIX.length; i < scan; i++) {
    const c = buf[i]!
    if (c === 0x0a) return invalid('bare LF in PROXY v1 header')
    if (c === 0x0d) {
      cr = i
      break
    }
  }
  if (cr < 0) return len >= PROXY_V1_MAX_LENGTH ? invalid('PROXY v1 header longer than 107 bytes') : INCOMPLETE
  if (cr + 2 > PROXY_V1_MAX_LENGTH) return invalid('PROXY v1 header longer than 107 bytes')
  if (cr + 1 === len) return INCOMPLETE
  if (buf[cr + 1] !== 0x0a) return invalid('bare CR in PROXY v1 header')
  let line = ''
  for (let i = PREFIX.length; i < cr; i++) line += String.fromCharCode(buf[i]!)
  const length = cr + 2
  if (line === 'UNKNOWN' || line.startsWith('UNKNOWN ')) {
    const header: ProxyHeader = { version: 1, command: 'local', family: 'unknown', source: undefined, destination: undefined, tlvs: [] }
    return { status: 'ok', header, length }
  }
  const v6 = line.startsWith('TCP6 ')
  if (!v6 && !line.startsWith('TCP4 ')) return invalid('unknown PROXY v1 protocol')
  const fields = line.slice(5).split(' ')
  if (fields.length !== 4) return invalid('PROXY v1 header needs 4 fields after the protocol')
  const src = address(fields[0]!, v6)
  const dst = address(fields[1]!, v6)
  if (src === undefined || dst === undefined) return invalid(`invalid ${v6 ? 'TCP6' : 'TCP4'} address in PROXY v1 header`)
  const sport = parsePort(fields[2]!)
  const dport = parsePort(fields[3]!)
  if (sport < 0 || dport < 0) return invalid('invalid port in PROXY v1 header')
  const source: ProxyEndpoint = { address: src, port: sport }
  const destination: ProxyEndpoint = { address: dst, port: dport }
  return { status: 'ok', header: { version: 1, command: 'proxy', family: v6 ? 'tcp6' : 'tcp4', source, destination, tlvs: [] }, length }
}
