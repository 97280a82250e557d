/**
 * XXH64 (xxHash, 64-bit) in plain TypeScript, as HAProxy uses it for dynamic
 * cookies. BigInt arithmetic: dynamic cookies are computed once per server
 * address change, never per request.
 */

const MASK = 0xffffffffffffffffn
const P1 = 11400714785074694791n
const P2 = 14029467366897019727n
const P3 = 1609587929392839161n
const P4 = 9650029242287828579n
const P5 = 2870177450012600261n

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & MASK
}

function round(acc: bigint, input: bigint): bigint {
  return (rotl((acc + input * P2) & MASK, 31n) * P1) & MASK
}

function mergeRound(acc: bigint, val: bigint): bigint {
  return ((((acc ^ round(0n, val)) * P1) & MASK) + P4) & MASK
}

function read64(b: Uint8Array, i: number): bigint {
  return BigInt(read32(b, i)) | (BigInt(read32(b, i + 4)) << 32n)
}

function read32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0
}

/**
 * The XXH64 hash of `input` with `seed`, as an unsigned 64-bit BigInt.
 *
 * @example
 * ```ts
 * xxh64(new Uint8Array(0)) // 0xef46db3751d8e999n
 * ```
 */
export function xxh64(input: Uint8Array, seed = 0n): bigint {
  const len = input.length
  let i = 0
  let h: bigint
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & MASK
    let v2 = (seed + P2) & MASK
    let v3 = seed & MASK
    let v4 = (seed - P1) & MASK
    for (; i + 32 <= len; i += 32) {
      v1 = round(v1, read64(input, i))
      v2 = round(v2, read64(input, i + 8))
      v3 = round(v3, read64(input, i + 16))
      v4 = round(v4, read64(input, i + 24))
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK
    h = mergeRound(h, v1)
    h = mergeRound(h, v2)
    h = mergeRound(h, v3)
    h = mergeRound(h, v4)
  } else {
    h = (seed + P5) & MASK
  }
  h = (h + BigInt(len)) & MASK
  for (; i + 8 <= len; i += 8) {
    h ^= round(0n, read64(input, i))
    h = (((rotl(h, 27n) * P1) & MASK) + P4) & MASK
  }
  if (i + 4 <= len) {
    h ^= (BigInt(read32(input, i)) * P1) & MASK
    h = (((rotl(h, 23n) * P2) & MASK) + P3) & MASK
    i += 4
  }
  for (; i < len; i++) {
    h ^= (BigInt(input[i]!) * P5) & MASK
    h = (rotl(h, 11n) * P1) & MASK
  }
  h ^= h >> 33n
  h = (h * P2) & MASK
  h ^= h >> 29n
  h = (h * P3) & MASK
  h ^= h >> 32n
  return h
}
