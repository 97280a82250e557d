/**
 * Type-only vocabulary of the PROXY protocol (HAProxy's `send-proxy`,
 * `send-proxy-v2` and `accept-proxy`), version 1 (text) and 2 (binary).
 */

/** One end of a relayed connection: an IP address (text) and a TCP port. */
export interface ProxyEndpoint {
  /** IPv4 dotted quad or IPv6 text (an IPv4-mapped IPv6 address stays IPv6). */
  readonly address: string
  /** 0..65535. */
  readonly port: number
}

/** A version 2 type-length-value extension, as received. */
export interface ProxyTlv {
  /** The type byte (0x01 ALPN, 0x02 authority, 0x03 CRC32C, 0x04 no-op, 0x05 unique id, 0x20 SSL, 0xE0–0xEF custom…). */
  readonly type: number
  /** The value bytes (a view into the received header). */
  readonly value: Uint8Array
}

/**
 * A parsed PROXY header.
 *
 * `command: 'local'` (version 2 `LOCAL`, version 1 `UNKNOWN`) and
 * `family: 'unknown'` (a version 2 family other than TCP over IPv4/IPv6) carry
 * no usable addresses: the receiver keeps the connection's own addresses, as
 * HAProxy does.
 */
export interface ProxyHeader {
  readonly version: 1 | 2
  readonly command: 'proxy' | 'local'
  readonly family: 'tcp4' | 'tcp6' | 'unknown'
  /** The original client, for `tcp4`/`tcp6`. */
  readonly source: ProxyEndpoint | undefined
  /** The address the client connected to, for `tcp4`/`tcp6`. */
  readonly destination: ProxyEndpoint | undefined
  /** Version 2 extensions after the addresses (TCP families only); empty for version 1. */
  readonly tlvs: readonly ProxyTlv[]
}

/**
 * What {@link parseProxyHeader} found at the start of a byte stream:
 * - `incomplete`: every byte so far fits a header; feed more bytes;
 * - `invalid`: the bytes cannot start a valid header (`reason` says why);
 * - `ok`: a header of `length` bytes; the payload starts right after it.
 */
export type ProxyParseResult =
  | { readonly status: 'incomplete' }
  | { readonly status: 'invalid'; readonly reason: string }
  | { readonly status: 'ok'; readonly header: ProxyHeader; readonly length: number }
