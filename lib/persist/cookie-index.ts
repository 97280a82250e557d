/**
 * Server ↔ cookie value index of one backend: the lookup a persistence
 * decision needs ({@link CookieServerLookup}) and the value a response
 * inserts. Several servers may share a value (backups taking over for active
 * servers); they are kept in declaration order.
 */
import type { ServerView } from '../balance/types.js'
import { SwitchyardError } from '../errors.js'
import type { CookieServerLookup } from './types.js'

interface Entry {
  /** Declaration order: position of the first `set()` of this server. */
  readonly seq: number
  value: string | undefined
}

/**
 * RFC 6265 cookie-octets without `|` and `~`, which end the server part of a
 * cookie value (dates, prefix mode): a value holding them could never match.
 */
const VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7B\x7D]+$/

/** True when `value` can be a server's cookie value (non-empty cookie-octets, no `|` or `~`). */
export function isValidServerCookie(value: string): boolean {
  return VALUE.test(value)
}

/**
 * The cookie values of a backend's servers. Lookups are O(1) by value and
 * return the servers sharing it in declaration order (the order of their first
 * {@link set}).
 *
 * HAProxy: server `cookie <value>`
 */
export class CookieIndex implements CookieServerLookup {
  #byValue = new Map<string, ServerView[]>()
  #byServer = new Map<ServerView, Entry>()
  #seq = 0

  /**
   * Sets (or changes, or with `undefined` clears) the cookie value of
   * `server`, keeping its declaration position. Throws `SWY_ERR_INVALID_OPTION`
   * for a value that is empty or not made of cookie-octets, or holds `|` or `~`.
   */
  set(server: ServerView, value: string | undefined): void {
    if (value !== undefined && !isValidServerCookie(value)) {
      throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `server ${server.name}: invalid cookie value`, { field: 'cookie', server: server.name, value })
    }
    let entry = this.#byServer.get(server)
    if (entry === undefined) {
      entry = { seq: this.#seq++, value: undefined }
      this.#byServer.set(server, entry)
    } else if (entry.value === value) {
      return
    } else {
      this.#unlist(server, entry)
    }
    entry.value = value
    if (value === undefined) return
    const list = this.#byValue.get(value)
    if (list === undefined) {
      this.#byValue.set(value, [server])
      return
    }
    // Insert by declaration order; lists are short (a value and its backups).
    let at = list.length
    while (at > 0 && this.#byServer.get(list[at - 1]!)!.seq > entry.seq) at--
    list.splice(at, 0, server)
  }

  /** Forgets `server` (removed from the backend). */
  delete(server: ServerView): void {
    const entry = this.#byServer.get(server)
    if (entry === undefined) return
    this.#unlist(server, entry)
    this.#byServer.delete(server)
  }

  /** The cookie value of `server`, or `undefined` when it has none. */
  valueOf(server: ServerView): string | undefined {
    return this.#byServer.get(server)?.value
  }

  /** Servers whose value is exactly `value`, in declaration order. */
  serversFor(value: string): readonly ServerView[] | undefined {
    return this.#byValue.get(value)
  }

  /** Every server known to the index, in declaration order. */
  servers(): ServerView[] {
    // A Map iterates in insertion order, which is declaration order.
    return [...this.#byServer.keys()]
  }

  #unlist(server: ServerView, entry: Entry): void {
    if (entry.value === undefined) return
    const list = this.#byValue.get(entry.value)! // every listed value has its list
    list.splice(list.indexOf(server), 1)
    if (list.length === 0) this.#byValue.delete(entry.value)
  }
}
