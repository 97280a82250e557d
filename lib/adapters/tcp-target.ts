/**
 * Where a TCP server lives: its address parsed once (`tcp://host:port`,
 * `host:port`, `[ipv6]:port`) and turned into `net.connect` options reused by
 * every connection to it.
 */
import type { TcpNetConnectOpts } from 'node:net'
import type { ResolvedTcpServer } from './tcp-options.js'
import type { SendProxy } from './tcp-types.js'

/** A host (name or IP literal, IPv6 without brackets) and a port 1..65535. */
export interface TcpEndpoint {
  readonly host: string
  readonly port: number
}

/**
 * Parses a TCP server address: an optional `tcp://` prefix, then `host:port`
 * or `[ipv6]:port`. The port is required (1..65535). Returns `undefined` for
 * anything else (another scheme, a path, a bare IPv6 address, spaces).
 */
export function parseTcpAddress(address: string): TcpEndpoint | undefined {
  let rest = address
  if (/^tcp:\/\//i.test(rest)) rest = rest.slice(6)
  let host: string
  let portText: string
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']')
    if (close < 0 || rest.charCodeAt(close + 1) !== 58 /* : */) return undefined
    host = rest.slice(1, close)
    if (host.indexOf(':') < 0) return undefined
    portText = rest.slice(close + 2)
  } else {
    const colon = rest.indexOf(':')
    if (colon < 0 || rest.indexOf(':', colon + 1) >= 0) return undefined
    host = rest.slice(0, colon)
    portText = rest.slice(colon + 1)
  }
  if (host === '' || /[\s/?#@[\]]/.test(host)) return undefined
  if (!/^[0-9]{1,5}$/.test(portText)) return undefined
  const port = Number(portText)
  if (port === 0 || port > 65535) return undefined
  return { host, port }
}

/** A server as the TCP handler connects to it. */
export interface TcpTarget {
  /** The server address this was built from (rebuilt when it changes). */
  readonly address: string
  /** Options for `net.connect`, shared by every connection (Node copies them). */
  readonly connect: TcpNetConnectOpts
  readonly sendProxy: SendProxy | false
}

/** The target for `address` with `server` options, or `undefined` when the address is not a TCP address. */
export function createTcpTarget(address: string, server: ResolvedTcpServer, noDelay: boolean): TcpTarget | undefined {
  const endpoint = parseTcpAddress(address)
  if (endpoint === undefined) return undefined
  const connect: TcpNetConnectOpts = { host: endpoint.host, port: endpoint.port, noDelay, allowHalfOpen: true }
  if (server.source !== undefined) connect.localAddress = server.source
  return { address, connect, sendProxy: server.sendProxy }
}
