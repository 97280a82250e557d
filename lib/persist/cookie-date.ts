/**
 * HAProxy's cookie date encoding (`maxidle` / `maxlife`): a Unix date in
 * 4-second quanta, written as exactly five characters of the standard base64
 * alphabet, most significant 6 bits first (30 bits, no padding). Inserted
 * values look like `SRV|<last>` or `SRV|<last>|<first>`.
 */

/** Separator between the server value and its dates. HAProxy: `COOKIE_DELIM_DATE`. */
export const COOKIE_DATE_DELIM = '|'

/** Separator between the server value and the application's value in prefix mode. HAProxy: `COOKIE_DELIM`. */
export const COOKIE_PREFIX_DELIM = '~'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Character code → 6-bit value, −1 for anything outside the alphabet. */
const REVERSE = new Int8Array(128).fill(-1)
for (let i = 0; i < 64; i++) REVERSE[ALPHABET.charCodeAt(i)] = i

/**
 * The 4-second quantum HAProxy writes for the current time:
 * `floor((unix_seconds + 3) / 4)`, i.e. rounded up.
 *
 * @param now Unix time in milliseconds (wall clock, not a monotonic clock).
 */
export function cookieDateQuantum(now: number): number {
  return Math.floor((Math.floor(now / 1000) + 3) / 4)
}

/**
 * Five base64 characters of the low 30 bits of `quantum`, most significant
 * first. HAProxy: `s30tob64()`.
 *
 * @example
 * ```ts
 * encodeCookieDate(448823951) // 'awIKP' (Unix time 1795295801)
 * ```
 */
export function encodeCookieDate(quantum: number): string {
  return (
    ALPHABET[(quantum >>> 24) & 63]! +
    ALPHABET[(quantum >>> 18) & 63]! +
    ALPHABET[(quantum >>> 12) & 63]! +
    ALPHABET[(quantum >>> 6) & 63]! +
    ALPHABET[quantum & 63]!
  )
}

/**
 * Decodes five characters of `text` starting at `offset` into a quantum, or
 * returns −1 when one of them is outside the base64 alphabet (`=` padding
 * included) or missing. HAProxy: `b64tos30()`. A date is used only when the
 * quantum is positive; its value is `quantum × 4` seconds.
 */
export function decodeCookieDate(text: string, offset: number): number {
  if (offset < 0 || offset + 5 > text.length) return -1
  let out = 0
  for (let i = offset; i < offset + 5; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? REVERSE[c]! : -1
    if (v < 0) return -1
    out = out * 64 + v
  }
  return out
}
