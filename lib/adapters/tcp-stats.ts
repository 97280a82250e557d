/**
 * Live counters of a TCP handler: one set for the whole handler and one per
 * server, updated in place on the connection path (no allocation per chunk)
 * and copied by {@link TcpStats.snapshot}.
 */
import type { TcpCounters, TcpServerCounters } from './tcp-types.js'

/** One mutable set of counters (a server's, or the handler's totals). */
export class TcpCounterSet {
  connections = 0
  active = 0
  bytesIn = 0
  bytesOut = 0
  connectErrors = 0
  responseErrors = 0
  retries = 0
  redispatches = 0
  clientAborts = 0
  serverAborts = 0

  /** A copy of the values. */
  snapshot(): Omit<TcpServerCounters, 'name'> {
    return {
      connections: this.connections,
      active: this.active,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      connectErrors: this.connectErrors,
      responseErrors: this.responseErrors,
      retries: this.retries,
      redispatches: this.redispatches,
      clientAborts: this.clientAborts,
      serverAborts: this.serverAborts,
    }
  }
}

/** The handler's counters. */
export class TcpStats {
  /** Totals over every connection. */
  readonly total = new TcpCounterSet()
  /** Connections refused for their PROXY header (malformed or late). */
  invalidProxy = 0
  readonly #servers = new Map<string, TcpCounterSet>()

  /** The counters of the server named `name`, created on first use. */
  server(name: string): TcpCounterSet {
    let set = this.#servers.get(name)
    if (set === undefined) {
      set = new TcpCounterSet()
      this.#servers.set(name, set)
    }
    return set
  }

  /** A snapshot of every counter. */
  snapshot(): TcpCounters {
    const servers: TcpServerCounters[] = []
    for (const [name, set] of this.#servers) servers.push({ name, ...set.snapshot() })
    return { ...this.total.snapshot(), invalidProxy: this.invalidProxy, servers }
  }
}
