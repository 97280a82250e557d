/**
 * Layer-4 mode (HAProxy `mode tcp`): a `net.Server` 'connection' listener
 * that balances each connection onto a server of a backend and relays bytes
 * both ways. See `tcp-session.ts` for the life of one connection.
 *
 * @example
 * ```ts
 * const backend = new Backend('db', { balance: { algorithm: 'leastconn' }, timeoutQueue: 2000,
 *   servers: [{ name: 'pg1', address: 'tcp://10.0.0.1:5432', maxconn: 50 }] }, defaultDeps())
 * const handler = createTcpHandler(backend, { timeouts: { tunnel: 3_600_000 }, server: { sendProxy: 'v2' } })
 * const server = await listenTcp(handler, { port: 5432 })
 * ```
 */
import { createServer, type ListenOptions, type Server, type Socket } from 'node:net'
import { EventEmitter } from 'eventemitter3'
import type { ServerView } from '../balance/types.js'
import { defaultDeps } from '../runtime.js'
import { resolveTcpOptions, resolveTcpServer, type ResolvedTcpOptions, type ResolvedTcpServer } from './tcp-options.js'
import { TcpSession, type TcpContext } from './tcp-session.js'
import { TcpStats } from './tcp-stats.js'
import { createTcpTarget, type TcpTarget } from './tcp-target.js'
import type { TcpCounters, TcpEvents, TcpHandlerOptions, TcpLeaseSource, TcpServerOptions } from './tcp-types.js'

/** A `net.Server` 'connection' listener with its events, counters and controls. */
export interface TcpHandler {
  /** Handles one accepted connection. */
  (socket: Socket): void
  /** Typed events (see {@link TcpEvents}). */
  readonly events: EventEmitter<TcpEvents>
  /** The resolved options. */
  readonly options: ResolvedTcpOptions
  /** A snapshot of the handler's counters, totals and per server. HAProxy: stats `bin`, `bout`, `econ`, `eresp`, `wretr`, `wredis`… */
  counters(): TcpCounters
  /**
   * Sets one server's options (over the handler's `server` defaults); new
   * connections use them.
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION
   */
  setServerOptions(name: string, options: TcpServerOptions): void
  /**
   * Stops handling: connections accepted afterwards are closed at once, and
   * every connection in progress is ended (termination `K` + phase), releasing
   * its lease. The listening server is the caller's to close.
   */
  close(): void
}

/**
 * Creates the layer-4 handler for `source` (a `Backend`, or any
 * {@link TcpLeaseSource}). Each connection is admitted once (`maxconn`,
 * queues, backups and balancing are the backend's; the client address feeds
 * `balance source`), connected with retries and redispatch, then relayed with
 * backpressure, half-close and reset propagation, and idle timeouts.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an invalid option
 * HAProxy: `mode tcp`
 */
export function createTcpHandler(source: TcpLeaseSource, options: TcpHandlerOptions = {}): TcpHandler {
  const resolved = resolveTcpOptions(options)
  const deps = defaultDeps(options.deps)
  const events = new EventEmitter<TcpEvents>()
  const stats = new TcpStats()
  const sessions = new Set<TcpSession>()
  const serverOptions = new Map<string, ResolvedTcpServer>(resolved.servers)
  const targets = new Map<string, TcpTarget>()
  const monitor = resolved.monitorNet
  let closed = false

  function target(server: ServerView): TcpTarget | undefined {
    const cached = targets.get(server.name)
    if (cached !== undefined && cached.address === server.address) return cached
    const built = createTcpTarget(server.address, serverOptions.get(server.name) ?? resolved.server, resolved.noDelay)
    if (built !== undefined) targets.set(server.name, built)
    return built
  }

  const ctx: TcpContext = { source, options: resolved, clock: deps.clock, scheduler: deps.scheduler, stats, events, log: options.log, sessions, target }

  const handle = (socket: Socket): void => {
    if (closed) {
      socket.destroy()
      return
    }
    const address = socket.remoteAddress
    if (monitor !== undefined && address !== undefined && monitor.has(address)) {
      socket.destroy()
      events.emit('connection:monitor', address)
      return
    }
    new TcpSession(ctx, socket).start()
  }

  return Object.assign(handle, {
    events,
    options: resolved,
    counters: (): TcpCounters => stats.snapshot(),
    setServerOptions(name: string, spec: TcpServerOptions): void {
      serverOptions.set(name, resolveTcpServer(spec, resolved.server, `servers.${name}`))
      targets.delete(name)
    },
    close(): void {
      closed = true
      for (const session of [...sessions]) session.kill()
    },
  })
}

/**
 * Starts a `net.Server` (with `allowHalfOpen`, so half-closed clients are
 * relayed, and the handler's `noDelay`) that hands its connections to
 * `handler`, and resolves once it listens.
 */
export function listenTcp(handler: TcpHandler, options: ListenOptions): Promise<Server> {
  // noDelay here sets TCP_NODELAY at accept time; the handler's own setNoDelay then costs nothing.
  const server = createServer({ allowHalfOpen: true, noDelay: handler.options.noDelay }, handler)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options, () => {
      server.off('error', reject)
      // An unhandled 'error' on a listening server would end the process.
      server.on('error', (error) => handler.events.emit('listener:error', error))
      resolve(server)
    })
  })
}
