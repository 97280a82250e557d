/**
 * Incremental PROXY protocol parsing (HAProxy `accept-proxy`): versions 1 and
 * 2, told apart by the first byte.
 *
 * Call {@link parseProxyHeader} with every byte received so far: it answers
 * `incomplete` while the bytes can still form a header, `invalid` as soon as
 * they cannot (a single wrong first byte is enough), and `ok` with the header
 * and its length once complete. Nothing is buffered here; the caller keeps the
 * bytes and bounds them (version 1 is bounded by 107 bytes, version 2 by
 * `maxLength`).
 */
import { PROXY_V2_MAX_LENGTH } from './constants.js'
import { parseProxyV1 } from './parse-v1.js'
import { parseProxyV2 } from './parse-v2.js'
import type { ProxyParseResult } from './types.js'

const INCOMPLETE: ProxyParseResult = Object.freeze({ status: 'incomplete' })
const NOT_PROXY: ProxyParseResult = Object.freeze({ status: 'invalid', reason: 'not a PROXY protocol header' })

/**
 * Parses the PROXY header at the start of `buf`.
 * @param maxLength longest version 2 header accepted, in bytes. @default 65551 (16 + 65535)
 * HAProxy: bind `accept-proxy`
 */
export function parseProxyHeader(buf: Uint8Array, maxLength: number = PROXY_V2_MAX_LENGTH): ProxyParseResult {
  if (buf.length === 0) return INCOMPLETE
  const first = buf[0]
  if (first === 0x50 /* P */) return parseProxyV1(buf)
  if (first === 0x0d) return parseProxyV2(buf, maxLength)
  return NOT_PROXY
}
