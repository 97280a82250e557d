/**
 * Wire constants of the PROXY protocol (haproxy doc/proxy-protocol.txt).
 */

/** The 12-byte signature opening every version 2 header: `\r\n\r\n\0\r\nQUIT\n`. */
export const PROXY_V2_SIGNATURE: Readonly<Uint8Array> = Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a)

/** Longest version 1 line, CRLF included (`PROXY UNKNOWN` plus two full IPv6 addresses and ports). */
export const PROXY_V1_MAX_LENGTH = 107

/** Fixed part of a version 2 header: signature, version/command, family, length. */
export const PROXY_V2_HEADER_LENGTH = 16

/** Version 2 address block of TCP over IPv4: two addresses and two ports. */
export const PROXY_V2_ADDR_LENGTH_INET = 12

/** Version 2 address block of TCP over IPv6. */
export const PROXY_V2_ADDR_LENGTH_INET6 = 36

/** Version 2 `ver_cmd` byte: version 2, `PROXY` command (a relayed connection). */
export const PROXY_V2_CMD_PROXY = 0x21

/** Version 2 `ver_cmd` byte: version 2, `LOCAL` command (the sender's own connection, e.g. a health check). */
export const PROXY_V2_CMD_LOCAL = 0x20

/** Version 2 family byte: TCP over IPv4. */
export const PROXY_V2_FAM_TCP4 = 0x11

/** Version 2 family byte: TCP over IPv6. */
export const PROXY_V2_FAM_TCP6 = 0x21

/** Version 2 family byte: unspecified (with `LOCAL`, or addresses that are not IP). */
export const PROXY_V2_FAM_UNSPEC = 0x00

/** Version 2 TLV type of the CRC-32C checksum of the whole header. */
export const PROXY_V2_TYPE_CRC32C = 0x03

/** Largest version 2 header: the length field is 16 bits. */
export const PROXY_V2_MAX_LENGTH = PROXY_V2_HEADER_LENGTH + 0xffff
