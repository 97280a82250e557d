/**
 * HAProxy addresses: `host:port`, `:port`, `*:port`, `[v6]:port`, `v6:port`
 * (the last colon separates the port), the `ipv4@`/`ipv6@` prefixes, and
 * port ranges `low-high` on `bind`.
 */
import type { BindConfig } from '../types.js'
import { configError, type CfgLocation } from './errors.js'

/** Most ports one `bind` range may open. */
export const MAX_BIND_RANGE = 1024

interface HostPort {
  readonly host: string
  /** Port text as written (may be a range, or absent). */
  readonly port: string | undefined
}

function split(text: string): HostPort {
  const rest = text.replace(/^(ipv4|ipv6|tcp|tcp4|tcp6)@/, '')
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']')
    if (close > 0 && (close === rest.length - 1 || rest[close + 1] === ':')) return { host: rest.slice(1, close), port: close === rest.length - 1 ? undefined : rest.slice(close + 2) }
    return { host: rest, port: undefined }
  }
  const colon = rest.lastIndexOf(':')
  if (colon < 0) return { host: rest, port: undefined }
  return { host: rest.slice(0, colon), port: rest.slice(colon + 1) }
}

function port(text: string, at: CfgLocation, keyword: string, allowZero: boolean): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN
  if (!(n <= 65535) || (n === 0 && !allowZero)) throw configError(at, keyword, `invalid port \`${text}\` (expected 1..65535)`)
  return n
}

function hostText(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

/**
 * A server address as the programmatic API takes it (`host:port`, `[v6]:port`).
 * @throws {SwitchyardError} SWY_ERR_CONFIG for a missing or relative port (the
 *   client's destination port, which switchyard cannot forward to).
 */
export function serverAddress(text: string, at: CfgLocation, keyword: string): string {
  const { host, port: portText } = split(text)
  if (host === '' || host === '*') throw configError(at, keyword, `missing host in address \`${text}\``)
  if (portText === undefined || portText === '') {
    throw configError(at, keyword, `address \`${text}\` has no port: forwarding to the port the client connected to is not supported, give the server's port`)
  }
  if (/^[+-]/.test(portText)) throw configError(at, keyword, `address \`${text}\`: port offsets (\`+N\`/\`-N\`) are not supported`)
  return `${hostText(host)}:${port(portText, at, keyword, false)}`
}

/**
 * The listening addresses of one `bind` address list (`a:1,b:2`, `*:80`,
 * `:8000-8003`). `*`, empty or `0.0.0.0` mean every IPv4 interface, `::`
 * every interface.
 * @throws {SwitchyardError} SWY_ERR_CONFIG naming the bad address.
 */
export function bindAddresses(list: string, at: CfgLocation, keyword: string): BindConfig[] {
  const out: BindConfig[] = []
  for (const item of list.split(',')) {
    const { host, port: portText } = split(item)
    if (portText === undefined || portText === '') throw configError(at, keyword, `address \`${item}\` has no port`)
    if (host.startsWith('/') || host.startsWith('unix@') || host.startsWith('abns@') || host.startsWith('fd@')) {
      throw configError(at, keyword, `address \`${item}\`: only TCP addresses are supported`)
    }
    const bindHost = host === '' || host === '*' ? '0.0.0.0' : host
    const range = /^(\d+)-(\d+)$/.exec(portText)
    if (range === null) {
      out.push({ host: bindHost, port: port(portText, at, keyword, true) })
      continue
    }
    const low = port(range[1]!, at, keyword, false)
    const high = port(range[2]!, at, keyword, false)
    if (high < low || high - low + 1 > MAX_BIND_RANGE) throw configError(at, keyword, `port range \`${portText}\` must be ascending and hold at most ${MAX_BIND_RANGE} ports`)
    for (let p = low; p <= high; p++) out.push({ host: bindHost, port: p })
  }
  return out
}
