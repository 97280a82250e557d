/**
 * Counts every finished request into the frontend, backend and server
 * {@link Tally} it concerns: two map lookups and integer increments per
 * request, no allocation.
 */
import type { ServerView } from '../balance/types.js'
import type { ExchangeObserver } from './hook.js'
import { Tally } from './tally.js'

/** The tallies of one backend and its servers. */
export interface BackendTally {
  readonly tally: Tally
  /** Keyed by the server object: a server removed and added again under its name starts afresh. */
  readonly servers: Map<ServerView, Tally>
}

/** The proxy's stats counters, fed by the HTTP handler. */
export class StatsCollector implements ExchangeObserver {
  /** The frontend row: every request the handler received. */
  readonly frontend = new Tally()
  readonly #backends = new Map<string, BackendTally>()
  readonly #now: () => number

  /** @param now clock in milliseconds */
  constructor(now: () => number) {
    this.#now = now
  }

  /** The tallies of `backend`, created on first use. */
  backend(backend: string): BackendTally {
    let entry = this.#backends.get(backend)
    if (entry === undefined) {
      entry = { tally: new Tally(), servers: new Map() }
      this.#backends.set(backend, entry)
    }
    return entry
  }

  /** The tally of `server`, created on first use. */
  server(backend: string, server: ServerView): Tally {
    const servers = this.backend(backend).servers
    let tally = servers.get(server)
    if (tally === undefined) {
      tally = new Tally()
      servers.set(server, tally)
    }
    return tally
  }

  /** Forgets a removed server's counters. */
  forget(backend: string, server: ServerView): void {
    this.#backends.get(backend)?.servers.delete(server)
  }

  exchange(backend: string, server: ServerView | undefined, status: number, bytesIn: number, bytesOut: number, tw: number, tc: number, tr: number, tt: number, termination: string, retries: number, redispatched: boolean): void {
    const now = this.#now()
    this.frontend.count(now, status, bytesIn, bytesOut, tw, tc, tr, tt, termination, 0, false)
    const entry = this.#backends.get(backend)
    if (entry === undefined) return
    entry.tally.count(now, status, bytesIn, bytesOut, tw, tc, tr, tt, termination, retries, redispatched)
    if (server === undefined) return
    // A server removed while the request ran has no row any more: only the backend counts it.
    entry.servers.get(server)?.count(now, status, bytesIn, bytesOut, tw, tc, tr, tt, termination, retries, redispatched)
  }

  local(status: number, bytesOut: number): void {
    const f = this.frontend
    f.count(this.#now(), status, 0, bytesOut, -1, -1, -1, 0, '----', 0, false)
    if (status < 500) f.ereq++
  }
}
