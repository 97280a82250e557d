/**
 * The headers switchyard adds for the server: HAProxy's `option forwardfor`
 * and `option originalto` (appended as new lines, after the client's own, which
 * stay in place: servers must trust the last occurrence), and
 * `X-Forwarded-Proto`/`X-Forwarded-Host` (replacing any client value).
 * They are appended after hop-by-hop removal, so a client's `Connection`
 * header can never remove them.
 */
import type { IncomingMessage } from 'node:http'
import type { BlockList } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { compileNetworks, inNetworks, plainAddress } from './networks.js'
import type { ResolvedHttpBackendOptions } from './types.js'

/** Compiled forwarding-header policy of one backend. */
export interface Forwarding {
  /** Client header names to remove because switchyard replaces them; `undefined` when none. */
  readonly drop: ReadonlySet<string> | undefined
  /** Appends the configured headers for `req` to a flat `[name, value, …]` list. */
  append(headers: string[], req: IncomingMessage): void
}

/**
 * Compiles the forwarding options once per backend.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an `except` entry that is not an address or network.
 */
export function compileForwarding(options: Pick<ResolvedHttpBackendOptions, 'forwardFor' | 'originalTo' | 'forwardedProto' | 'forwardedHost'>): Forwarding {
  const ff = options.forwardFor
  const ot = options.originalTo
  const ffHeader = ff === false ? undefined : ff.header.toLowerCase()
  const ffExcept: BlockList | undefined = ff === false ? undefined : compileNetworks(ff.except, 'forwardFor.except')
  const ffIfNone = ff !== false && ff.ifNone
  const otHeader = ot === false ? undefined : ot.header.toLowerCase()
  const otExcept: BlockList | undefined = ot === false ? undefined : compileNetworks(ot.except, 'originalTo.except')
  const proto = options.forwardedProto
  const host = options.forwardedHost
  const dropped: string[] = []
  if (proto) dropped.push('x-forwarded-proto')
  if (host) dropped.push('x-forwarded-host')
  return {
    drop: dropped.length === 0 ? undefined : new Set(dropped),
    append(headers: string[], req: IncomingMessage): void {
      const socket = req.socket
      if (ffHeader !== undefined) {
        const client = plainAddress(socket.remoteAddress)
        if (client !== '' && !(ffExcept !== undefined && inNetworks(ffExcept, client)) && !(ffIfNone && req.headers[ffHeader] !== undefined)) {
          headers.push(ffHeader, client)
        }
      }
      if (otHeader !== undefined) {
        const destination = plainAddress(socket.localAddress)
        if (destination !== '' && !(otExcept !== undefined && inNetworks(otExcept, destination))) headers.push(otHeader, destination)
      }
      if (proto) headers.push('x-forwarded-proto', (socket as TLSSocket).encrypted === true ? 'https' : 'http')
      if (host && req.headers.host !== undefined) headers.push('x-forwarded-host', req.headers.host)
    },
  }
}
