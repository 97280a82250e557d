/**
 * Pure IP address and network parsing for `src` ACLs, trusted proxies and
 * stick-table keys: IPv4 dotted quads, IPv6 text (with `::`, an embedded IPv4
 * tail and an ignored `%zone`), CIDR prefixes and dotted IPv4 netmasks.
 *
 * Every address is handled as 128 bits (four big-endian 32-bit words); IPv4 is
 * stored as the IPv4-mapped IPv6 address `::ffff:a.b.c.d`, so an IPv4 network
 * matches a client a dual-stack listener reports as `::ffff:a.b.c.d`, and an
 * IPv6 network written over the mapped range matches plain IPv4 clients.
 *
 * Parsing works on a range of the text and writes into caller-provided words,
 * so matching a request never allocates.
 */
import { SwitchyardError } from '../errors.js'

/** Value of a hexadecimal digit, or −1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  const l = c | 0x20 // ASCII lower case
  if (l >= 97 && l <= 102) return l - 87
  return -1
}

/**
 * A strict dotted quad in text[start, end) as an unsigned integer, or −1.
 * Leading zeros are refused ("010.0.0.1"): other parsers read them as octal,
 * a classic way around allowlists.
 */
export function parseIPv4(text: string, start: number, end: number): number {
  let value = 0
  let parts = 0
  let i = start
  for (;;) {
    let octet = 0
    let digits = 0
    const first = i
    while (i < end) {
      const c = text.charCodeAt(i) - 48
      if (c < 0 || c > 9) break
      octet = octet * 10 + c
      digits++
      i++
    }
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && text.charCodeAt(first) === 48)) return -1
    value = value * 256 + octet
    parts++
    if (parts === 4) return i === end ? value : -1
    if (i >= end || text.charCodeAt(i) !== 46 /* . */) return -1
    i++
  }
}

/** Groups of the IPv6 address being parsed (module scratch: parsing never re-enters). */
const groups = new Uint16Array(8)

/** IPv6 text in text[start, end) into `out` (4 words), or false. */
function parseIPv6(text: string, start: number, end: number, out: Uint32Array): boolean {
  const g = groups
  let n = 0
  let gap = -1
  let i = start
  if (text.charCodeAt(i) === 58 /* : */) {
    if (i + 1 >= end || text.charCodeAt(i + 1) !== 58) return false
    gap = 0
    i += 2
  }
  while (i < end) {
    let v = 0
    let digits = 0
    let j = i
    while (j < end && digits < 5) {
      const h = hexValue(text.charCodeAt(j))
      if (h < 0) break
      v = v * 16 + h
      digits++
      j++
    }
    if (j < end && text.charCodeAt(j) === 46 /* . */) {
      // An embedded IPv4 tail takes the last two groups.
      if (n > 6) return false
      const v4 = parseIPv4(text, i, end)
      if (v4 < 0) return false
      g[n++] = v4 >>> 16
      g[n++] = v4 & 0xffff
      break
    }
    if (digits === 0 || digits > 4 || n === 8) return false
    g[n++] = v
    i = j
    if (i === end) break
    if (text.charCodeAt(i) !== 58) return false
    i++
    if (i < end && text.charCodeAt(i) === 58) {
      if (gap >= 0) return false
      gap = n
      i++
    } else if (i === end) {
      return false // a single trailing colon
    }
  }
  if (gap < 0) {
    if (n !== 8) return false
  } else {
    if (n > 7) return false
    // Move the groups after the gap to the end and zero the gap.
    const tail = n - gap
    for (let k = 0; k < tail; k++) g[7 - k] = g[n - 1 - k]!
    for (let k = gap; k < 8 - tail; k++) g[k] = 0
  }
  out[0] = ((g[0]! << 16) | g[1]!) >>> 0
  out[1] = ((g[2]! << 16) | g[3]!) >>> 0
  out[2] = ((g[4]! << 16) | g[5]!) >>> 0
  out[3] = ((g[6]! << 16) | g[7]!) >>> 0
  return true
}

/**
 * Parses an address in text[start, end) into four big-endian words (IPv4 as
 * `::ffff:a.b.c.d`). Returns 4 for IPv4 text, 6 for IPv6 text, 0 when the text
 * is not an address. An IPv6 zone (`fe80::1%eth0`) is ignored.
 */
export function parseAddress(text: string, start: number, end: number, out: Uint32Array): 0 | 4 | 6 {
  // Plain IPv4 first: the common case, parsed in one pass.
  let v4 = parseIPv4(text, start, end)
  if (v4 < 0) {
    let stop = text.indexOf('%', start)
    if (stop < 0 || stop > end) stop = end
    const colon = text.indexOf(':', start)
    if (colon >= start && colon < stop) return parseIPv6(text, start, stop, out) ? 6 : 0
    // An IPv4 address followed by a zone.
    v4 = stop < end ? parseIPv4(text, start, stop) : -1
    if (v4 < 0) return 0
  }
  out[0] = 0
  out[1] = 0
  out[2] = 0xffff
  out[3] = v4
  return 4
}

/** True when the words hold an IPv4-mapped address (`::ffff:0:0/96`). */
export function isMapped(words: Uint32Array): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff
}

/**
 * The address as a stick-table key and as ACLs see it: an IPv4-mapped IPv6
 * address (`::ffff:1.2.3.4`, what a dual-stack listener reports) becomes the
 * dotted IPv4 text; anything else is returned as is.
 */
export function plainAddress(address: string): string {
  return address.length > 7 && address.charCodeAt(6) === 58 && address.startsWith('::ffff:') && address.indexOf('.', 7) > 0 ? address.slice(7) : address
}

/** A parsed network: 128-bit base (host bits cleared) and prefix length over the 128-bit space. */
export interface Network {
  readonly words: readonly [number, number, number, number]
  /** Prefix length in the 128-bit space (an IPv4 /24 is 120). */
  readonly prefix: number
  /** True when written as IPv4 (`10.0.0.0/8`, `10.0.0.0/255.0.0.0`, `10.1.2.3`). */
  readonly v4: boolean
}

/** The mask word for bits [32·k, 32·k+32) of a prefix. */
function maskWord(prefix: number, k: number): number {
  const bits = prefix - 32 * k
  if (bits >= 32) return 0xffffffff
  if (bits <= 0) return 0
  return (0xffffffff << (32 - bits)) >>> 0
}

/** Prefix length of a contiguous dotted IPv4 netmask, or −1. */
function maskLength(mask: number): number {
  let len = 0
  while (len < 32 && mask >= 2 ** (31 - len)) {
    mask -= 2 ** (31 - len)
    len++
  }
  return mask === 0 ? len : -1
}

const parseWords = new Uint32Array(4)

/**
 * Parses `address`, `address/len` or (IPv4) `address/dotted.mask`. Host bits
 * beyond the prefix are cleared (`10.1.2.3/8` is `10.0.0.0/8`, as HAProxy
 * does). Returns `undefined` for anything else: host names, brackets, zones,
 * empty or out-of-range lengths, non-contiguous masks.
 */
export function parseNetwork(text: string): Network | undefined {
  if (text.indexOf('%') >= 0) return undefined
  const slash = text.indexOf('/')
  const end = slash < 0 ? text.length : slash
  const family = parseAddress(text, 0, end, parseWords)
  if (family === 0) return undefined
  const max = family === 4 ? 32 : 128
  let len = max
  if (slash >= 0) {
    const spec = text.slice(slash + 1)
    if (/^\d{1,3}$/.test(spec)) {
      len = Number(spec)
      if (len > max) return undefined
    } else if (family === 4) {
      const mask = parseIPv4(spec, 0, spec.length)
      len = mask < 0 ? -1 : maskLength(mask)
      if (len < 0) return undefined
    } else {
      return undefined
    }
  }
  const prefix = family === 4 ? 96 + len : len
  const w = parseWords
  return {
    words: [(w[0]! & maskWord(prefix, 0)) >>> 0, (w[1]! & maskWord(prefix, 1)) >>> 0, (w[2]! & maskWord(prefix, 2)) >>> 0, (w[3]! & maskWord(prefix, 3)) >>> 0],
    prefix,
    v4: family === 4,
  }
}

/** Words of the address being matched (module scratch: matching never re-enters). */
const probe = new Uint32Array(4)

/**
 * A compiled list of networks: "is this address in any of them?".
 *
 * Networks that lie inside the IPv4-mapped range (every IPv4 network, and IPv6
 * networks of at least /96 over `::ffff:0:0`) become merged, sorted IPv4
 * ranges searched by bisection, so a long IPv4 blocklist costs O(log n). Other
 * IPv6 networks are tested one by one.
 */
export class NetworkList {
  /** Sorted, disjoint IPv4 ranges: starts and ends (inclusive). */
  readonly #lo: number[]
  readonly #hi: number[]
  /** Other networks: 4 base words then 4 mask words each. */
  readonly #v6: number[]
  /** The entries as given. */
  readonly entries: readonly string[]

  private constructor(entries: readonly string[], lo: number[], hi: number[], v6: number[]) {
    this.entries = entries
    this.#lo = lo
    this.#hi = hi
    this.#v6 = v6
  }

  /**
   * Compiles networks (`10.0.0.0/8`, `192.168.1.7`, `10.0.0.0/255.0.0.0`,
   * `fd00::/8`, `::1`; a bare address is a single host).
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming `field` and the first
   *   entry that is not an address or network.
   */
  static compile(networks: string | readonly string[], field: string): NetworkList {
    const list: readonly string[] = typeof networks === 'string' ? [networks] : networks
    const ranges: Array<[number, number]> = []
    const v6: number[] = []
    for (const entry of list) {
      const net = typeof entry === 'string' ? parseNetwork(entry.trim()) : undefined
      if (net === undefined) {
        throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected \`${field}\` entries to be IP addresses or CIDR networks, got \`${String(entry)}\``, {
          field,
          value: entry,
        })
      }
      const [w0, w1, w2, w3] = net.words
      if (net.prefix >= 96 && w0 === 0 && w1 === 0 && w2 === 0xffff) {
        const size = 2 ** (128 - net.prefix)
        ranges.push([w3, w3 + size - 1])
      } else {
        v6.push(w0, w1, w2, w3, maskWord(net.prefix, 0), maskWord(net.prefix, 1), maskWord(net.prefix, 2), maskWord(net.prefix, 3))
      }
    }
    ranges.sort((a, b) => a[0] - b[0])
    const lo: number[] = []
    const hi: number[] = []
    for (const [a, b] of ranges) {
      const last = hi.length - 1
      if (last >= 0 && a <= hi[last]! + 1) {
        if (b > hi[last]!) hi[last] = b
      } else {
        lo.push(a)
        hi.push(b)
      }
    }
    return new NetworkList(list, lo, hi, v6)
  }

  /** True when `address` (IPv4, IPv6, IPv4-mapped) is in one of the networks; false for text that is not an address. */
  has(address: string): boolean {
    return this.hasRange(address, 0, address.length)
  }

  /** {@link has} for the address in text[start, end). */
  hasRange(text: string, start: number, end: number): boolean {
    const w = probe
    if (parseAddress(text, start, end, w) === 0) return false
    if (isMapped(w) && this.#hasV4(w[3]!)) return true
    const nets = this.#v6
    for (let i = 0; i < nets.length; i += 8) {
      if (
        ((w[0]! & nets[i + 4]!) >>> 0) === nets[i] &&
        ((w[1]! & nets[i + 5]!) >>> 0) === nets[i + 1] &&
        ((w[2]! & nets[i + 6]!) >>> 0) === nets[i + 2] &&
        ((w[3]! & nets[i + 7]!) >>> 0) === nets[i + 3]
      ) {
        return true
      }
    }
    return false
  }

  #hasV4(x: number): boolean {
    const lo = this.#lo
    // Last range starting at or before x.
    let a = 0
    let b = lo.length - 1
    while (a <= b) {
      const mid = (a + b) >> 1
      if (lo[mid]! <= x) a = mid + 1
      else b = mid - 1
    }
    return b >= 0 && x <= this.#hi[b]!
  }
}
