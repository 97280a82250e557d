/**
 * Where a check connects: the server's address, unless `addr`/`port`
 * redirect the check elsewhere (HAProxy `addr`, `port`).
 */
import { SwitchyardError } from '../errors.js'
import type { CheckTarget } from './types.js'

/** A check destination and whether the server's own address asks for TLS. */
export interface ResolvedTarget extends CheckTarget {
  /** The server address uses `https://`: checks use TLS too unless redirected (HAProxy `ssl` vs `check-ssl`). */
  readonly secure: boolean
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 }

/**
 * The check destination of a server whose traffic goes to `address`
 * (`http://host:port`, `https://host:port`, `tcp://host:port` or `host:port`;
 * IPv6 in brackets), with `addr` and `port` overriding the host and the port.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION when no host or port can be found
 */
export function resolveTarget(address: string, addr?: string, port?: number): ResolvedTarget {
  let url: URL | undefined
  try {
    url = new URL(address.includes('://') ? address : `tcp://${address}`)
  } catch {
    url = undefined
  }
  const host = addr ?? url?.hostname.replace(/^\[(.*)\]$/, '$1')
  const own = url === undefined ? undefined : url.port === '' ? DEFAULT_PORTS[url.protocol] : Number(url.port)
  const target = port ?? own
  if (host === undefined || host === '' || target === undefined) {
    throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Cannot check server address \`${address}\`: expected \`host:port\` or an http(s) URL, or give \`addr\` and \`port\``, {
      field: 'address',
      value: address,
    })
  }
  return { host, port: target, secure: url?.protocol === 'https:' }
}
