/**
 * Client connection counts and limits over every listening server:
 * HAProxy's global `maxconn` and frontend `maxconn`. A connection over a limit
 * is closed as soon as it is accepted (HAProxy leaves it in the kernel's
 * backlog instead; Node cannot pause accepting).
 */
import type { Server, Socket } from 'node:net'

/** One frontend's connection count and limit. */
export class ConnectionGroup {
  /** Client connections open on this frontend. HAProxy: `feconn` (`%fc`). */
  connections = 0
  /** Frontend limit, undefined = none. HAProxy: frontend `maxconn`. */
  maxconn: number | undefined
  readonly #owner: ConnectionCounter

  constructor(owner: ConnectionCounter, maxconn: number | undefined) {
    this.#owner = owner
    this.maxconn = maxconn
  }

  /**
   * Counts the connections of `server`, closing at once those over this
   * frontend's or the global limit (before any other 'connection' listener
   * runs: they must skip destroyed sockets).
   */
  attach(server: Server): void {
    server.prependListener('connection', (socket: Socket) => {
      if (!this.#owner.admits(this)) {
        this.#owner.refused++
        socket.destroy()
        return
      }
      this.connections++
      this.#owner.connections++
      socket.once('close', () => {
        this.connections--
        this.#owner.connections--
      })
    })
  }
}

/** Every frontend's connections: the process-wide count and limit. */
export class ConnectionCounter {
  /** Client connections open on every frontend. HAProxy: `actconn` (`%ac`). */
  connections = 0
  /** Connections closed at accept because a limit was reached. */
  refused = 0
  /** Global limit, undefined = none. HAProxy: global `maxconn`. */
  maxconn: number | undefined

  constructor(maxconn: number | undefined) {
    this.maxconn = maxconn
  }

  /** A new frontend's group. */
  group(maxconn: number | undefined): ConnectionGroup {
    return new ConnectionGroup(this, maxconn)
  }

  /** True when a new connection of `group` stays within both limits. */
  admits(group: ConnectionGroup): boolean {
    return (this.maxconn === undefined || this.connections < this.maxconn) && (group.maxconn === undefined || group.connections < group.maxconn)
  }
}
