/**
 * IP addresses as the PROXY protocol carries them: network-order bytes turned
 * into the text HAProxy prints (glibc `inet_ntop`), so that a header received
 * in binary (version 2) and one received as text (version 1) give the same
 * client address for balancing, logs and a relayed header.
 */

/** Dotted quad of the 4 bytes at `offset`. */
export function formatIPv4(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]!}.${bytes[offset + 1]!}.${bytes[offset + 2]!}.${bytes[offset + 3]!}`
}

/**
 * IPv6 text of the 16 bytes at `offset`, as glibc's `inet_ntop` writes it
 * (RFC 5952): lower-case hex without leading zeros, the first longest run of
 * two or more zero groups as `::`, and a dotted IPv4 tail for IPv4-mapped
 * (`::ffff:1.2.3.4`) and IPv4-compatible (`::1.2.3.4`) addresses.
 */
export function formatIPv6(bytes: Uint8Array, offset: number): string {
  const words: number[] = []
  for (let i = 0; i < 8; i++) words.push((bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!)
  let bestBase = -1
  let bestLen = 0
  let curBase = -1
  let curLen = 0
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && words[i] === 0) {
      if (curBase < 0) curBase = i
      curLen++
    } else if (curBase >= 0) {
      // Strictly longer: on a tie the first run is compressed.
      if (curLen > bestLen) {
        bestBase = curBase
        bestLen = curLen
      }
      curBase = -1
      curLen = 0
    }
  }
  if (bestLen < 2) bestBase = -1
  let text = ''
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) text += ':'
      continue
    }
    if (i !== 0) text += ':'
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      return text + formatIPv4(bytes, offset + 12)
    }
    text += words[i]!.toString(16)
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) text += ':'
  return text
}
