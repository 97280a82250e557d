/**
 * The 32-bit hash functions HAProxy offers for hash-based balancing, and the
 * avalanche mix it uses both as a hash modifier and to place points on the
 * consistent-hash ring.
 *
 * Every function hashes the UTF-8 bytes of `key.slice(start, end)` without
 * building that slice or any byte buffer: ASCII characters are fed directly,
 * other code points are encoded to their UTF-8 bytes on the fly (a lone
 * surrogate counts as U+FFFD, as `TextEncoder` does). Results are unsigned
 * 32-bit integers (0 … 2^32 − 1), computed with HAProxy's unsigned arithmetic.
 */
import type { HashFunctionName } from './types.js'

/**
 * A string hash over the UTF-8 bytes of `key` between `start` (inclusive) and
 * `end` (exclusive), both in UTF-16 code units. Returns an unsigned 32-bit integer.
 */
export type HashFn = (key: string, start?: number, end?: number) => number

/** UTF-8 bytes of the current non-ASCII code point (module scratch: hashing never re-enters). */
const utf8 = new Uint8Array(4)

/**
 * Encodes the code point starting at `key[i]` (known to be ≥ 0x80) into
 * {@link utf8} and returns its byte count, 2 … 4. A count of 4 means a
 * surrogate pair was consumed, so the caller skips one more code unit.
 * A surrogate pair cut by `end` counts as a lone surrogate.
 */
function encodeAt(key: string, i: number, end: number): number {
  const c = key.charCodeAt(i)
  if (c < 0x800) {
    utf8[0] = 0xc0 | (c >> 6)
    utf8[1] = 0x80 | (c & 0x3f)
    return 2
  }
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
    const d = key.charCodeAt(i + 1)
    if (d >= 0xdc00 && d <= 0xdfff) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
      utf8[0] = 0xf0 | (cp >> 18)
      utf8[1] = 0x80 | ((cp >> 12) & 0x3f)
      utf8[2] = 0x80 | ((cp >> 6) & 0x3f)
      utf8[3] = 0x80 | (cp & 0x3f)
      return 4
    }
  }
  // A lone surrogate has no UTF-8 form; encode U+FFFD like TextEncoder.
  const cp = c >= 0xd800 && c <= 0xdfff ? 0xfffd : c
  utf8[0] = 0xe0 | (cp >> 12)
  utf8[1] = 0x80 | ((cp >> 6) & 0x3f)
  utf8[2] = 0x80 | (cp & 0x3f)
  return 3
}

/**
 * HAProxy's `sdbm`: h = c + (h << 6) + (h << 16) − h over each byte.
 *
 * HAProxy: `hash-type … sdbm` (the default function).
 */
export function sdbm(key: string, start = 0, end: number = key.length): number {
  let h = 0
  for (let i = start; i < end; i++) {
    let c = key.charCodeAt(i)
    let n = 1
    if (c >= 0x80) {
      n = encodeAt(key, i, end)
      if (n === 4) i++
      c = utf8[0]!
    }
    for (let j = 1; ; j++) {
      // The sum of three int32 terms is exact in a double; `| 0` reduces it mod 2^32.
      h = (c + (h << 6) + (h << 16) - h) | 0
      if (j >= n) break
      c = utf8[j]!
    }
  }
  return h >>> 0
}

/**
 * Dan Bernstein's `djb2`: h = 5381, then h = h × 33 + c over each byte.
 *
 * HAProxy: `hash-type … djb2`.
 */
export function djb2(key: string, start = 0, end: number = key.length): number {
  let h = 5381
  for (let i = start; i < end; i++) {
    let c = key.charCodeAt(i)
    let n = 1
    if (c >= 0x80) {
      n = encodeAt(key, i, end)
      if (n === 4) i++
      c = utf8[0]!
    }
    for (let j = 1; ; j++) {
      h = (Math.imul(h, 33) + c) | 0
      if (j >= n) break
      c = utf8[j]!
    }
  }
  return h >>> 0
}

/**
 * HAProxy's own `wt6` hash: two 32-bit states rotated by amounts derived from
 * the previous step; robust for numeric keys.
 *
 * HAProxy: `hash-type … wt6`.
 */
export function wt6(key: string, start = 0, end: number = key.length): number {
  let h0 = 0xa53c965a | 0
  let h1 = 0x5ca6953a
  let r0 = 6
  let r1 = 18
  for (let i = start; i < end; i++) {
    let c = key.charCodeAt(i)
    let n = 1
    if (c >= 0x80) {
      n = encodeAt(key, i, end)
      if (n === 4) i++
      c = utf8[0]!
    }
    for (let j = 1; ; j++) {
      const a = ~(h0 ^ c)
      const b = ~((h1 + c) | 0)
      // JS masks shift counts to 5 bits, so a rotation by 0 is `(x << 0) | (x >>> 0)` = x,
      // the same as HAProxy's `x >> 32` on x86.
      h0 = (b << r0) | (b >>> (32 - r0))
      h1 = (a << r1) | (a >>> (32 - r1))
      const t = ((h0 >>> 16) ^ h1) & 0xffff
      r0 = t & 31
      r1 = t >>> 11
      if (j >= n) break
      c = utf8[j]!
    }
  }
  return (h0 ^ h1) >>> 0
}

/** CRC-32 lookup table for the reflected polynomial 0xEDB88320. */
const CRC_TABLE = /* @__PURE__ */ (() => {
  const table = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c
  }
  return table
})()

/**
 * The standard reflected CRC-32 (poly 0xEDB88320, init and final XOR
 * 0xFFFFFFFF): crc32("123456789") = 0xCBF43926. Table-driven.
 *
 * HAProxy: `hash-type … crc32`.
 */
export function crc32(key: string, start = 0, end: number = key.length): number {
  let crc = -1
  for (let i = start; i < end; i++) {
    let c = key.charCodeAt(i)
    let n = 1
    if (c >= 0x80) {
      n = encodeAt(key, i, end)
      if (n === 4) i++
      c = utf8[0]!
    }
    for (let j = 1; ; j++) {
      crc = CRC_TABLE[(crc ^ c) & 0xff]! ^ (crc >>> 8)
      if (j >= n) break
      c = utf8[j]!
    }
  }
  return ~crc >>> 0
}

/**
 * Bob Jenkins' 32-bit integer mix: spreads every input bit over the whole
 * result. HAProxy applies it after the hash function when `avalanche` is
 * configured (the default of consistent hashing), and uses it, as
 * `full_hash`, to place the points of the consistent-hash ring.
 *
 * @param a An unsigned (or signed) 32-bit integer; only its low 32 bits count.
 * @returns An unsigned 32-bit integer.
 *
 * HAProxy: `hash-type … avalanche`, `full_hash()`.
 */
export function avalanche(a: number): number {
  a = (a + 0x7ed55d16 + (a << 12)) | 0
  a = a ^ 0xc761c23c ^ (a >>> 19)
  a = (a + 0x165667b1 + (a << 5)) | 0
  a = ((a + 0xd3a2646c) | 0) ^ (a << 9)
  a = (a + 0xfd7046c5 + (a << 3)) | 0
  a = a ^ 0xb55a4f09 ^ (a >>> 16)
  return Math.imul(a, 0xc0000001) >>> 0
}

/**
 * The hash function named by a `hash-type` setting.
 *
 * @default sdbm (HAProxy's default function)
 *
 * HAProxy: `hash-type <method> <function>`.
 */
export function hashFunction(name: HashFunctionName): HashFn {
  switch (name) {
    case 'djb2':
      return djb2
    case 'wt6':
      return wt6
    case 'crc32':
      return crc32
    case 'sdbm':
      return sdbm
  }
}
