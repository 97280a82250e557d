/**
 * One client connection in layer-4 mode, from accept to close.
 *
 * Phases, each ending in the next or in {@link TcpSession.finish}:
 *
 * - **header** (`R`, `acceptProxy` only): bytes go to the PROXY header parser,
 *   bounded by `bufferSize` and `timeouts.acceptProxy`; a malformed, late or
 *   missing header closes the connection (`PR`, `cR`, `CR`), nothing forwarded.
 * - **queue** (`Q`): admission by the lease source; waits in a queue when the
 *   servers are full (`timeout queue` is the backend's). Client bytes are held
 *   (up to `bufferSize`, then the client is paused).
 * - **connect** (`C`): one attempt to the leased server under `timeout connect`;
 *   a failure is retried on the same server after the turn-around delay, or
 *   redispatched (the lease is released and admission runs again avoiding the
 *   server), until `retries` are spent (`SC`, `sC`).
 * - **data** (`D`): PROXY header (`sendProxy`), held bytes, then both
 *   directions piped with backpressure; a FIN is forwarded as a FIN, a reset
 *   as a reset; idle timeouts per side (`tunnel` replaces `client`/`server`,
 *   `clientFin`/`serverFin` apply once the matching side was half-closed).
 *
 * The session ends exactly once: timers cancelled, both sockets destroyed, the
 * lease released with the outcome its termination state implies, counters
 * and log updated.
 */
import { connect as netConnect, type Socket } from 'node:net'
import type { EventEmitter } from 'eventemitter3'
import type { ServerView } from '../balance/types.js'
import { isSwitchyardError } from '../errors.js'
import { encodeProxyV1, encodeProxyV2 } from '../proxy-protocol/encode.js'
import { parseProxyHeader } from '../proxy-protocol/parse.js'
import type { Lease, LeaseOutcome } from '../queue/types.js'
import type { Clock, Scheduler, Timer } from '../types.js'
import type { ResolvedTcpOptions } from './tcp-options.js'
import { shouldRedispatch } from './redispatch.js'
import type { TcpCounterSet, TcpStats } from './tcp-stats.js'
import type { TcpTarget } from './tcp-target.js'
import type { ProxyRejectReason, TcpEvents, TcpLeaseSource, TcpLogEntry, TcpLogger, TcpTermination } from './tcp-types.js'

/** What every session of one handler shares. */
export interface TcpContext {
  readonly source: TcpLeaseSource
  readonly options: ResolvedTcpOptions
  readonly clock: Clock
  readonly scheduler: Scheduler
  readonly stats: TcpStats
  readonly events: EventEmitter<TcpEvents>
  readonly log: TcpLogger | undefined
  /** Sessions in progress (for `close()`). */
  readonly sessions: Set<TcpSession>
  /** The connect target of a server, or `undefined` when its address is not a TCP address. */
  target(server: ServerView): TcpTarget | undefined
}

const HEADER = 0
const QUEUE = 1
const CONNECT = 2
const TURNAROUND = 3
const DATA = 4
const DONE = 5

/** Who ends a connection early: the client (`C`), its timeout (`c`), or `close()` (`K`). */
type Ender = 'C' | 'c' | 'K'
/** Who ends the data phase: either side, either side's timeout, or `close()`. */
type DataEnder = 'C' | 'c' | 'S' | 's' | 'K'

const IN_QUEUE: Readonly<Record<Ender, TcpTermination>> = { C: 'CQ', c: 'cQ', K: 'KQ' }
const IN_CONNECT: Readonly<Record<Ender, TcpTermination>> = { C: 'CC', c: 'cC', K: 'KC' }
const IN_DATA: Readonly<Record<DataEnder, TcpTermination>> = { C: 'CD', c: 'cD', S: 'SD', s: 'sD', K: 'KD' }

/** The lease outcome a termination state implies (fed to passive health and stats). */
export function leaseOutcomeOf(termination: TcpTermination): LeaseOutcome {
  switch (termination) {
    case '--':
      return 'ok'
    case 'SC':
      return 'connect-error'
    case 'sC':
      return 'connect-timeout'
    case 'SD':
      return 'bad-response'
    case 'sD':
      return 'response-timeout'
    default:
      return 'client-abort'
  }
}

/** Sends a TCP reset when the socket allows it (a TCP handle), else closes it. */
function reset(socket: Socket): void {
  try {
    socket.resetAndDestroy()
  } catch {
    // Not a TCP handle (a UNIX socket): no reset to send.
    socket.destroy()
  }
}

/* c8 ignore next -- a destroyed attempt emits no further error; the listener only guards against one. */
function ignore(): void {}

/** Detaches a failed connection attempt and closes it. */
function discard(socket: Socket): void {
  socket.removeAllListeners()
  socket.on('error', ignore)
  socket.destroy()
}

/** One client connection (see the file comment for the phases). */
export class TcpSession {
  readonly #ctx: TcpContext
  readonly #client: Socket
  readonly #t0: number
  #phase = QUEUE
  /** Read from the socket on first use (each read is a system call), or set by a PROXY header. */
  #clientAddress: string | undefined = undefined
  #clientPort = 0
  #frontendAddress: string | undefined = undefined
  #frontendPort = 0
  /** PROXY header bytes received so far, while incomplete. */
  #header: Buffer | undefined = undefined
  /** Client bytes received before the server connection was ready. */
  #early: Buffer[] | undefined = undefined
  #earlyBytes = 0
  #lease: Lease | undefined = undefined
  #counters: TcpCounterSet | undefined = undefined
  #abort: AbortController | undefined = undefined
  #abortCode: TcpTermination = 'CQ'
  #server: Socket | undefined = undefined
  #target: TcpTarget | undefined = undefined
  /** Start of the current wait (queue or turn-around), for Tw. */
  #since = 0
  #connectStart = 0
  #tw = -1
  #tc = -1
  #attempts = 0
  #retries = 0
  #redispatched = false
  /** The server a redispatch left. */
  #avoid: ServerView | undefined = undefined
  #step: Timer | undefined = undefined
  #idle: Timer | undefined = undefined
  /** When the idle timer fires. */
  #idleAt = 0
  /** Side whose timeout the idle timer stands for. */
  #idleSide: 'c' | 's' = 'c'
  /** Last activity on either socket. */
  #last: number
  #clientEnded = false
  #serverEnded = false
  #finToServer = false
  #finToClient = false
  #clientClosed = false
  #serverClosed = false
  #clientError = false
  #serverError = false
  #bytesIn = 0
  #bytesOut = 0
  #reason: string | undefined = undefined

  constructor(ctx: TcpContext, client: Socket) {
    this.#ctx = ctx
    this.#client = client
    this.#t0 = ctx.clock.now()
    this.#last = this.#t0
  }

  /** The client's address ('' when not IP): the socket's peer unless a PROXY header said otherwise. */
  #peer(): string {
    if (this.#clientAddress === undefined) {
      this.#clientAddress = this.#client.remoteAddress ?? ''
      this.#clientPort = this.#client.remotePort ?? 0
    }
    return this.#clientAddress
  }

  /** The address the client connected to ('' when not IP). */
  #local(): string {
    if (this.#frontendAddress === undefined) {
      this.#frontendAddress = this.#client.localAddress ?? ''
      this.#frontendPort = this.#client.localPort ?? 0
    }
    return this.#frontendAddress
  }

  /** Starts handling the connection. */
  start(): void {
    const ctx = this.#ctx
    const client = this.#client
    // A FIN from the client is forwarded, not answered with ours (the embedding server may not set it).
    client.allowHalfOpen = true
    if (ctx.options.noDelay) client.setNoDelay(true)
    client.on('data', this.#onClientData)
    client.on('end', this.#onClientEnd)
    client.on('error', this.#onClientError)
    client.on('close', this.#onClientClose)
    client.on('drain', this.#onClientDrain)
    ctx.stats.total.connections++
    ctx.stats.total.active++
    ctx.sessions.add(this)
    // The log needs the addresses, and a socket forgets them once closed: read them now.
    // Without a log they are read only if used (balance source, send-proxy).
    if (ctx.log !== undefined || ctx.events.listenerCount('connection:end') > 0) {
      this.#peer()
      this.#local()
    }
    if (!ctx.options.acceptProxy) {
      this.#admit()
      return
    }
    this.#phase = HEADER
    const limit = ctx.options.timeouts.acceptProxy
    if (limit > 0) this.#step = ctx.scheduler.schedule(limit, this.#onHeaderTimeout)
  }

  /** Ends the connection now (`K` + phase), releasing its lease. Does nothing once ended. */
  kill(): void {
    if (this.#phase === DONE) return
    if (this.#phase === DATA) this.#endData('K')
    else this.#endEarly('K')
  }

  // --- client side ------------------------------------------------------------------------

  readonly #onClientData = (chunk: Buffer): void => {
    if (this.#phase === DATA) {
      const n = chunk.length
      this.#bytesIn += n
      this.#ctx.stats.total.bytesIn += n
      this.#counters!.bytesIn += n
      this.#last = this.#ctx.clock.now()
      // DATA always has a server socket.
      if (!this.#server!.write(chunk)) this.#client.pause()
      return
    }
    if (this.#phase === HEADER) this.#readHeader(chunk)
    else this.#hold(chunk)
  }

  /** Keeps client bytes until the server connection is ready; pauses the client beyond `bufferSize`. */
  #hold(chunk: Buffer): void {
    const n = chunk.length
    this.#bytesIn += n
    this.#ctx.stats.total.bytesIn += n
    this.#last = this.#ctx.clock.now()
    if (this.#early === undefined) this.#early = [chunk]
    else this.#early.push(chunk)
    this.#earlyBytes += n
    if (this.#earlyBytes >= this.#ctx.options.bufferSize) this.#client.pause()
  }

  readonly #onClientEnd = (): void => {
    this.#clientEnded = true
    if (this.#phase === DATA) {
      this.#finToServer = true
      this.#server!.end()
      this.#armIdle()
    } else if (this.#phase === HEADER) {
      this.#reject('closed', 'client closed before a complete PROXY header')
    }
    // Queued or connecting: the FIN follows the held bytes once connected.
  }

  readonly #onClientError = (): void => {
    this.#clientError = true
  }

  readonly #onClientDrain = (): void => {
    this.#last = this.#ctx.clock.now()
    this.#server?.resume()
  }

  readonly #onClientClose = (): void => {
    const phase = this.#phase
    if (phase === DONE) return
    if (phase !== DATA) {
      this.#endEarly('C')
      return
    }
    if (!this.#clientError && this.#clientEnded && this.#client.writableFinished) {
      // Both directions of the client side ended cleanly.
      this.#clientClosed = true
      if (this.#serverClosed) this.#finish('--')
      return
    }
    this.#endData('C')
  }

  // --- PROXY header -------------------------------------------------------------------------

  #readHeader(chunk: Buffer): void {
    const pending = this.#header
    const buf = pending === undefined ? chunk : Buffer.concat([pending, chunk])
    const result = parseProxyHeader(buf, this.#ctx.options.bufferSize)
    if (result.status === 'incomplete') {
      this.#header = buf
      return
    }
    this.#header = undefined
    if (result.status === 'invalid') {
      this.#reject('invalid', result.reason)
      return
    }
    this.#step?.cancel()
    this.#step = undefined
    const { source, destination } = result.header
    // LOCAL / UNKNOWN / other families: the connection's own addresses stay.
    if (source !== undefined && destination !== undefined) {
      this.#clientAddress = source.address
      this.#clientPort = source.port
      this.#frontendAddress = destination.address
      this.#frontendPort = destination.port
    }
    if (result.length < buf.length) this.#hold(buf.subarray(result.length))
    this.#admit()
  }

  readonly #onHeaderTimeout = (): void => {
    this.#step = undefined
    this.#reject('timeout', 'no complete PROXY header within timeout')
  }

  #reject(reason: ProxyRejectReason, detail: string): void {
    const ctx = this.#ctx
    // A connection closed before sending anything (a probe) is no error.
    if (reason !== 'closed') ctx.stats.invalidProxy++
    this.#reason = detail
    ctx.events.emit('connection:reject', this.#peer(), reason, detail)
    this.#finish(reason === 'invalid' ? 'PR' : reason === 'timeout' ? 'cR' : 'CR')
  }

  // --- admission ------------------------------------------------------------------------------

  #admit(): void {
    this.#phase = QUEUE
    this.#since = this.#ctx.clock.now()
    if (this.#tw < 0) this.#tw = 0
    this.#armIdle()
    const source = this.#ctx.source
    // Only `balance source` reads the address: a getter spares the others the system call.
    const self = this
    const request: { readonly source: string | undefined; readonly avoid: ServerView | undefined; signal: AbortSignal | undefined } = {
      get source(): string | undefined {
        return self.#peer() || undefined
      },
      avoid: this.#avoid,
      signal: undefined,
    }
    if (source.tryAcquire !== undefined) {
      const admission = source.tryAcquire(request)
      if (admission.status === 'ok') {
        this.#leased(admission.lease)
        return
      }
      if (admission.status !== 'queued') {
        this.#finish(admission.status === 'full' ? 'SQ' : 'SC')
        return
      }
    }
    const abort = new AbortController()
    this.#abort = abort
    this.#abortCode = 'CQ'
    request.signal = abort.signal
    source.acquire(request).then(this.#onLease, this.#onRefused)
  }

  readonly #onLease = (lease: Lease): void => {
    // Set by #admit for as long as the acquisition is pending.
    const aborted = this.#abort!.signal.aborted
    this.#abort = undefined
    if (aborted) {
      // The slot was granted just before the abort: give it back.
      lease.release('client-abort')
      this.#tw += this.#ctx.clock.now() - this.#since
      this.#finish(this.#abortCode)
      return
    }
    this.#leased(lease)
  }

  readonly #onRefused = (error: unknown): void => {
    const aborted = this.#abort!.signal.aborted
    this.#abort = undefined
    this.#tw += this.#ctx.clock.now() - this.#since
    if (aborted) {
      this.#finish(this.#abortCode)
      return
    }
    const code = isSwitchyardError(error) ? error.code : undefined
    this.#finish(code === 'SWY_ERR_QUEUE_TIMEOUT' ? 'sQ' : code === 'SWY_ERR_QUEUE_FULL' ? 'SQ' : 'SC')
  }

  #leased(lease: Lease): void {
    const ctx = this.#ctx
    this.#tw += ctx.clock.now() - this.#since
    this.#lease = lease
    const counters = ctx.stats.server(lease.server.name)
    counters.connections++
    counters.active++
    this.#counters = counters
    // A redispatch that found no other server retries the same one: it waits like a retry.
    if (lease.server === this.#avoid) this.#turnaround()
    else this.#connect()
  }

  // --- connection attempts ----------------------------------------------------------------------

  #connect(): void {
    const ctx = this.#ctx
    this.#phase = CONNECT
    // Connecting always follows a lease.
    const server = this.#lease!.server
    const target = ctx.target(server)
    ctx.events.emit('server:connect', server, this.#attempts++)
    this.#target = target
    if (target === undefined) {
      this.#connectFailed('connect-error')
      return
    }
    this.#connectStart = ctx.clock.now()
    const socket = netConnect(target.connect)
    this.#server = socket
    socket.on('connect', this.#onServerConnect)
    socket.on('data', this.#onServerData)
    socket.on('end', this.#onServerEnd)
    socket.on('error', this.#onServerError)
    socket.on('close', this.#onServerClose)
    socket.on('drain', this.#onServerDrain)
    const limit = ctx.options.timeouts.connect
    if (limit > 0) this.#step = ctx.scheduler.schedule(limit, this.#onConnectTimeout)
  }

  readonly #onConnectTimeout = (): void => {
    this.#step = undefined
    this.#connectFailed('connect-timeout')
  }

  #connectFailed(outcome: LeaseOutcome): void {
    const ctx = this.#ctx
    this.#step?.cancel()
    this.#step = undefined
    const socket = this.#server
    if (socket !== undefined) {
      this.#server = undefined
      discard(socket)
    }
    // A connection attempt always holds a lease and its server's counters.
    const lease = this.#lease!
    const counters = this.#counters!
    const server = lease.server
    const total = ctx.stats.total
    const options = ctx.options
    if (this.#retries >= options.retries) {
      counters.connectErrors++
      total.connectErrors++
      this.#finish(outcome === 'connect-timeout' ? 'sC' : 'SC')
      return
    }
    const retry = ++this.#retries
    const everyRetry = ctx.source.redispatchEveryRetry?.() ?? false
    if (shouldRedispatch(options.redispatch, options.retries, retry, server, everyRetry)) {
      this.#redispatched = true
      counters.redispatches++
      total.redispatches++
      counters.active--
      this.#counters = undefined
      this.#lease = undefined
      this.#avoid = server
      lease.release(outcome)
      ctx.events.emit('server:redispatch', server, retry, outcome)
      this.#admit()
      return
    }
    counters.retries++
    total.retries++
    // The turn-around delay follows a connection error only: HAProxy 2.6 retries at once after
    // `timeout connect` (checked against haproxy by the conformance suite, tcp-connect-timeout-retries).
    // (the turn-around is scheduled before the event, which listeners may answer by advancing a clock)
    const now = outcome === 'connect-timeout'
    if (!now) this.#turnaround()
    ctx.events.emit('server:retry', server, retry, outcome)
    if (now) this.#connect()
  }

  /** Waits min(1 s, `timeout connect`) before trying the same server again (part of Tw). */
  #turnaround(): void {
    const ctx = this.#ctx
    this.#phase = TURNAROUND
    this.#since = ctx.clock.now()
    this.#step = ctx.scheduler.schedule(ctx.options.turnaround, this.#onTurnaround)
  }

  readonly #onTurnaround = (): void => {
    this.#step = undefined
    this.#tw += this.#ctx.clock.now() - this.#since
    this.#connect()
  }

  // --- server side ----------------------------------------------------------------------------

  readonly #onServerConnect = (): void => {
    const ctx = this.#ctx
    this.#step?.cancel()
    this.#step = undefined
    const now = ctx.clock.now()
    this.#tc = now - this.#connectStart
    this.#phase = DATA
    this.#last = now
    // 'connect' comes from the socket of the current attempt, to a known target.
    const socket = this.#server!
    const target = this.#target!
    let flowing = true
    socket.cork()
    if (target.sendProxy !== false) {
      const source = { address: this.#peer(), port: this.#clientPort }
      const destination = { address: this.#local(), port: this.#frontendPort }
      flowing = socket.write(target.sendProxy === 'v1' ? encodeProxyV1(source, destination) : encodeProxyV2(source, destination))
    }
    const early = this.#early
    if (early !== undefined) {
      this.#early = undefined
      this.#earlyBytes = 0
      this.#counters!.bytesIn += this.#bytesIn
      for (const chunk of early) flowing = socket.write(chunk)
    }
    socket.uncork()
    if (this.#clientEnded) {
      this.#finToServer = true
      socket.end()
    } else if (flowing && this.#client.isPaused()) {
      this.#client.resume()
    }
    this.#armIdle()
  }

  readonly #onServerData = (chunk: Buffer): void => {
    const n = chunk.length
    this.#bytesOut += n
    this.#ctx.stats.total.bytesOut += n
    this.#counters!.bytesOut += n
    this.#last = this.#ctx.clock.now()
    if (!this.#client.write(chunk)) this.#server!.pause()
  }

  readonly #onServerEnd = (): void => {
    this.#serverEnded = true
    this.#finToClient = true
    this.#client.end()
    this.#armIdle()
  }

  readonly #onServerDrain = (): void => {
    this.#last = this.#ctx.clock.now()
    this.#client.resume()
  }

  readonly #onServerError = (): void => {
    if (this.#phase === CONNECT) this.#connectFailed('connect-error')
    else this.#serverError = true
  }

  readonly #onServerClose = (): void => {
    // Failed attempts are discarded before they close; after the end nothing matters.
    if (this.#phase !== DATA) return
    const server = this.#server!
    if (!this.#serverError && this.#serverEnded && server.writableFinished) {
      this.#serverClosed = true
      if (this.#clientClosed) this.#finish('--')
      return
    }
    this.#endData('S')
  }

  // --- endings ----------------------------------------------------------------------------------

  /** Ends the connection before the data phase: client gone (`C`), client timeout (`c`) or `close()` (`K`). */
  #endEarly(who: Ender): void {
    switch (this.#phase) {
      case HEADER:
        if (who === 'K') this.#finish('KR')
        else this.#reject('closed', 'client closed before a complete PROXY header')
        return
      case QUEUE:
        // Waiting in acquire(): the rejection (or a late lease) finishes the session.
        this.#abortCode = IN_QUEUE[who]
        this.#abort!.abort()
        return
      default:
        // CONNECT or TURNAROUND; #finish closes the attempt.
        this.#finish(IN_CONNECT[who])
    }
  }

  /** Ends the data phase: a reset or abort is passed on as a reset, a timeout or `close()` closes both sides. */
  #endData(who: DataEnder): void {
    // The data phase always has a server socket.
    const server = this.#server!
    if (who === 'C') {
      if (this.#clientError) reset(server)
    } else if (who === 'S') {
      if (this.#serverError) reset(this.#client)
    }
    this.#finish(IN_DATA[who])
  }

  /**
   * Arms the idle timer for the current phase and half-close state (called on
   * every change). A timer already due no later than the new deadline is kept:
   * when it fires, {@link #onIdle} waits for the remainder.
   */
  #armIdle(): void {
    const limit = this.#idleLimit()
    // Once a limit applies, none of the later phases drops it to "none": no timer to cancel here.
    if (limit === 0) return
    const idle = this.#idle
    const at = this.#last + limit
    if (idle !== undefined) {
      if (this.#idleAt <= at) return
      idle.cancel()
    }
    this.#schedule(at)
  }

  #schedule(at: number): void {
    const ctx = this.#ctx
    this.#idleAt = at
    this.#idle = ctx.scheduler.schedule(Math.max(0, at - ctx.clock.now()), this.#onIdle)
  }

  /**
   * The idle limit now, 0 = none; sets the side it belongs to. Before the data
   * phase only the client can be idle. In it, each side has its own limit
   * (`*Fin` once that side was sent our FIN, else `tunnel`, else its own
   * timeout) over the shared last activity — data read on one side is written
   * on the other, which refreshes both (HAProxy without `independent-streams`);
   * the smaller limit wins, the client on a tie.
   */
  #idleLimit(): number {
    const t = this.#ctx.options.timeouts
    if (this.#phase !== DATA) {
      this.#idleSide = 'c'
      return t.client
    }
    const c = this.#finToClient && t.clientFin > 0 ? t.clientFin : t.tunnel > 0 ? t.tunnel : t.client
    const s = this.#finToServer && t.serverFin > 0 ? t.serverFin : t.tunnel > 0 ? t.tunnel : t.server
    if (s === 0 || (c !== 0 && c <= s)) {
      this.#idleSide = 'c'
      return c
    }
    this.#idleSide = 's'
    return s
  }

  readonly #onIdle = (): void => {
    this.#idle = undefined
    const limit = this.#idleLimit()
    const idle = this.#ctx.clock.now() - this.#last
    // The limit is not 0: it was not when the timer was armed, and it never drops to 0.
    if (idle < limit) {
      this.#schedule(this.#last + limit)
      return
    }
    if (this.#phase === DATA) this.#endData(this.#idleSide)
    else this.#endEarly('c')
  }

  /** The end, exactly once: timers, sockets, lease, counters, log, event. */
  #finish(termination: TcpTermination): void {
    const ctx = this.#ctx
    const log = ctx.log
    const events = ctx.events
    const logging = log !== undefined || events.listenerCount('connection:end') > 0
    // A listener added since the start: the addresses are still there unless the client closed cleanly.
    if (logging) {
      this.#peer()
      this.#local()
    }
    this.#phase = DONE
    this.#step?.cancel()
    this.#idle?.cancel()
    this.#step = undefined
    this.#idle = undefined
    this.#early = undefined
    this.#header = undefined
    this.#client.destroy()
    this.#server?.destroy()
    const total = ctx.stats.total
    const counters = this.#counters
    const lease = this.#lease
    if (lease !== undefined) {
      this.#lease = undefined
      // A lease always comes with its server's counters.
      counters!.active--
      lease.release(leaseOutcomeOf(termination))
    }
    if (termination === 'CD' || termination === 'cD') {
      total.clientAborts++
      if (counters !== undefined) counters.clientAborts++
    } else if (termination === 'SD' || termination === 'sD') {
      total.serverAborts++
      counters!.serverAborts++
      if (termination === 'SD') {
        total.responseErrors++
        counters!.responseErrors++
      }
    }
    total.active--
    ctx.sessions.delete(this)
    if (!logging) return
    const entry: TcpLogEntry = {
      // Both read above.
      clientAddress: this.#clientAddress!,
      clientPort: this.#clientPort,
      frontendAddress: this.#frontendAddress!,
      frontendPort: this.#frontendPort,
      backend: ctx.source.name,
      server: lease?.server.name ?? '<NOSRV>',
      Tw: this.#tw,
      Tc: this.#tc,
      Tt: ctx.clock.now() - this.#t0,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      termination,
      retries: this.#retries,
      redispatched: this.#redispatched,
      reason: this.#reason,
    }
    if (log !== undefined) {
      try {
        log(entry)
      } catch {
        // A logger must not take the proxy down.
      }
    }
    events.emit('connection:end', entry)
  }
}
