/**
 * CRC-32C (Castagnoli), the checksum of the PROXY protocol version 2
 * `PP2_TYPE_CRC32C` extension: reflected polynomial 0x82F63B78, initial value
 * and final XOR 0xFFFFFFFF. `crc32c("123456789")` is 0xE3069283.
 */

const TABLE = new Uint32Array(256)
for (let n = 0; n < 256; n++) {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
  TABLE[n] = c >>> 0
}

/**
 * Continues a CRC-32C over bytes[start, end). Start with `0xffffffff`, feed
 * ranges in order, and finish with {@link crc32cFinish}.
 */
export function crc32cUpdate(crc: number, bytes: Uint8Array, start: number, end: number): number {
  let c = crc
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return c >>> 0
}

/** The final value of a running CRC-32C. */
export function crc32cFinish(crc: number): number {
  return (crc ^ 0xffffffff) >>> 0
}

/** CRC-32C of all of `bytes`. */
export function crc32c(bytes: Uint8Array): number {
  return crc32cFinish(crc32cUpdate(0xffffffff, bytes, 0, bytes.length))
}
