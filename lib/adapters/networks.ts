/**
 * Address helpers for `forwardfor`/`originalto`: client addresses as HAProxy
 * prints them, and `except <network>` lists compiled to a `net.BlockList`.
 */
import { BlockList, isIP } from 'node:net'
import { SwitchyardError } from '../errors.js'

/**
 * The address as HAProxy writes it: an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`,
 * what a dual-stack listener reports) becomes dotted IPv4; `undefined` (a destroyed
 * socket) becomes the empty string.
 */
export function plainAddress(address: string | undefined): string {
  if (address === undefined) return ''
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

/**
 * Compiles networks (`10.0.0.0/8`, `::1`, `fd00::/8`; a bare address is a single host).
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming `field` for an entry that is not an address or CIDR.
 */
export function compileNetworks(networks: readonly string[], field: string): BlockList | undefined {
  if (networks.length === 0) return undefined
  const list = new BlockList()
  for (const entry of networks) {
    const slash = entry.indexOf('/')
    const address = slash < 0 ? entry : entry.slice(0, slash)
    const family = isIP(address)
    const max = family === 6 ? 128 : 32
    const prefix = slash < 0 ? max : Number(entry.slice(slash + 1))
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (slash >= 0 && entry.length === slash + 1)) {
      throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected \`${field}\` entries to be IP addresses or CIDR networks, got \`${entry}\``, {
        field,
        value: entry,
      })
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4')
  }
  return list
}

/** True when `address` (plain, see {@link plainAddress}) is in the compiled list. */
export function inNetworks(list: BlockList, address: string): boolean {
  const family = isIP(address)
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4')
}
