/**
 * Type-only vocabulary of layer-4 mode (HAProxy `mode tcp`): the port a
 * backend offers the TCP handler, its options, the per-connection log entry,
 * the counters and the events.
 */
import type { ServerView } from '../balance/types.js'
import type { AcquireRequest, Admission, Lease, LeaseOutcome } from '../queue/types.js'
import type { Deps } from '../types.js'

/**
 * What the TCP handler needs from a backend: admission of one connection onto
 * one server. The real `Backend` implements it.
 */
export interface TcpLeaseSource {
  /** Backend name, used in logs. */
  readonly name: string
  /**
   * Admits a connection, possibly after waiting in a queue. Rejects with a
   * `SwitchyardError` (`SWY_ERR_NO_SERVER`, `SWY_ERR_QUEUE_FULL`,
   * `SWY_ERR_QUEUE_TIMEOUT`, `SWY_ERR_CLOSED`) or `request.signal.reason`.
   */
  acquire(request: AcquireRequest): Promise<Lease>
  /**
   * Optional synchronous fast path (`Backend.tryAcquire`): `ok` holds a lease,
   * `queued` reserves nothing (the handler then waits with {@link acquire}),
   * `full`/`nosrv`/`closed` are final.
   */
  tryAcquire?(request: AcquireRequest): Admission
  /**
   * Optional: true when a retry should always move to another server (several
   * usable active servers and an algorithm that does not hash). HAProxy
   * `stream_choose_redispatch`, last rule. Absent = false.
   */
  redispatchEveryRetry?(): boolean
}

/** Which PROXY protocol header to send to a server before the client's bytes. */
export type SendProxy = 'v1' | 'v2'

/** Per-server connection options (backend-level values act like HAProxy `default-server`). */
export interface TcpServerOptions {
  /**
   * Send a PROXY protocol header first, carrying the client's address.
   * HAProxy: server `send-proxy` (`'v1'`), `send-proxy-v2` (`'v2'`).
   * @default false
   */
  readonly sendProxy?: SendProxy | false | undefined
  /**
   * Local IP address outgoing connections bind to (port chosen by the OS),
   * e.g. to spread ephemeral ports over several addresses.
   * HAProxy: `source <addr>` (backend or server).
   * @default the OS choice
   */
  readonly source?: string | undefined
}

/** Timeouts in milliseconds; 0 disables one. */
export interface TcpTimeouts {
  /** One connection attempt to a server. HAProxy: `timeout connect`. @default 5000 */
  readonly connect?: number | undefined
  /** Client-side inactivity (reads and writes). HAProxy: `timeout client`. @default 50000 */
  readonly client?: number | undefined
  /** Server-side inactivity once connected. HAProxy: `timeout server`. @default 50000 */
  readonly server?: number | undefined
  /**
   * Inactivity on both sides once the server connection is established;
   * replaces `client` and `server` then. HAProxy: `timeout tunnel`.
   * @default 0 (unset: `client` and `server` apply, as in HAProxy)
   */
  readonly tunnel?: number | undefined
  /**
   * Client-side inactivity once the server's FIN was forwarded to the client
   * (overrides `tunnel` and `client`). HAProxy: `timeout client-fin`. @default 0 (unset)
   */
  readonly clientFin?: number | undefined
  /**
   * Server-side inactivity once the client's FIN was forwarded to the server
   * (overrides `tunnel` and `server`). HAProxy: `timeout server-fin`. @default 0 (unset)
   */
  readonly serverFin?: number | undefined
  /**
   * Time allowed for a complete PROXY header with `acceptProxy`.
   * HAProxy: `timeout client` bounds the handshake (3.x: `timeout client-hs`).
   * @default the `client` timeout
   */
  readonly acceptProxy?: number | undefined
}

/** Options of `createTcpHandler`. */
export interface TcpHandlerOptions {
  /** Timeouts; see {@link TcpTimeouts} for defaults. */
  readonly timeouts?: TcpTimeouts | undefined
  /** Additional connection attempts after a failed one. HAProxy: `retries`. @default 3 */
  readonly retries?: number | undefined
  /**
   * Move to another server on a connection retry. `true` = on the last retry
   * (HAProxy `option redispatch`); a number P > 0 = every P-th retry; N < 0 =
   * every (retries + 1 + N)-th; `false`/0 = never (keep retrying the same
   * server after the turn-around delay).
   * HAProxy: `option redispatch [<interval>]`
   * @default false
   */
  readonly redispatch?: boolean | number | undefined
  /**
   * Expect a PROXY protocol header (v1 or v2) at the start of every connection
   * and use its addresses as the client's. Malformed or late headers close the
   * connection; nothing is forwarded. HAProxy: bind `accept-proxy`.
   * @default false
   */
  readonly acceptProxy?: boolean | undefined
  /**
   * Networks (CIDR or single addresses, IPv4/IPv6) whose connections are closed
   * at once: neither forwarded, nor logged, nor counted — for monitoring probes.
   * Matched against the peer address of the socket. HAProxy: `monitor-net` (≤ 2.2).
   * @default []
   */
  readonly monitorNet?: string | readonly string[] | undefined
  /**
   * Bytes held per connection before the server connection is ready (the client
   * is paused beyond) and the longest PROXY v2 header accepted.
   * HAProxy: `tune.bufsize`.
   * @default 16384
   */
  readonly bufferSize?: number | undefined
  /** Disable Nagle's algorithm on both sockets (HAProxy does on server connections). @default true */
  readonly noDelay?: boolean | undefined
  /** Defaults for every server. */
  readonly server?: TcpServerOptions | undefined
  /** Per-server options by server name, over `server`. */
  readonly servers?: Readonly<Record<string, TcpServerOptions>> | undefined
  /** Called once per connection after it ended; must not throw (exceptions are swallowed). */
  readonly log?: TcpLogger | undefined
  /** Clock and scheduler for timeouts and log timings. @default `defaultDeps()` */
  readonly deps?: Partial<Pick<Deps, 'clock' | 'scheduler'>> | undefined
}

/**
 * Termination state, two characters as in HAProxy's TCP logs (§8.3): what
 * ended the connection (`-` normal, `C`/`c` client abort/timeout, `S`/`s`
 * server abort/timeout, `P` proxy decision, `K` killed by `close()`), then
 * where (`R` reading the PROXY header, `Q` queued, `C` connecting, `D` data).
 */
export type TcpTermination = '--' | 'CR' | 'cR' | 'PR' | 'KR' | 'CQ' | 'cQ' | 'sQ' | 'SQ' | 'KQ' | 'CC' | 'cC' | 'SC' | 'sC' | 'KC' | 'CD' | 'cD' | 'SD' | 'sD' | 'KD'

/** One connection, for the log hook: HAProxy's TCP log fields. */
export interface TcpLogEntry {
  /** Client address: the socket's peer, or the one a PROXY header advertised; '' when not IP. */
  readonly clientAddress: string
  readonly clientPort: number
  /** Address the client connected to (or the advertised destination); '' when not IP. */
  readonly frontendAddress: string
  readonly frontendPort: number
  /** Backend name. */
  readonly backend: string
  /** Server name, `<NOSRV>` when none was assigned. */
  readonly server: string
  /** Time waiting in queues plus turn-around delays, ms; −1 when the connection never reached admission. */
  readonly Tw: number
  /** Time to establish the server connection (last attempt), ms; −1 when never established. */
  readonly Tc: number
  /** Total time from accept to close, ms. */
  readonly Tt: number
  /** Bytes received from the client (PROXY header excluded). */
  readonly bytesIn: number
  /** Bytes sent to the client. */
  readonly bytesOut: number
  /** HAProxy termination state. */
  readonly termination: TcpTermination
  /** Connection retries performed. */
  readonly retries: number
  /** True when a retry moved to another server (HAProxy logs `+retries`). */
  readonly redispatched: boolean
  /** Why a PROXY header was refused (`PR` only). */
  readonly reason?: string | undefined
}

/** The per-connection log hook. */
export type TcpLogger = (entry: TcpLogEntry) => void

/** Counters of one server as seen by one TCP handler (HAProxy stats names in brackets). */
export interface TcpServerCounters {
  readonly name: string
  /** Connections that took a slot on this server [stot]. */
  readonly connections: number
  /** Connections holding a slot now [scur]. */
  readonly active: number
  /** Bytes from clients [bin]. */
  readonly bytesIn: number
  /** Bytes to clients [bout]. */
  readonly bytesOut: number
  /** Connections that failed to connect after all retries [econ]. */
  readonly connectErrors: number
  /** Server errors in the data phase (resets) [eresp]. */
  readonly responseErrors: number
  /** Retries on this server [wretr]. */
  readonly retries: number
  /** Times this server was abandoned for another one [wredis]. */
  readonly redispatches: number
  /** Data transfers ended by a client abort or client timeout [cli_abrt]. */
  readonly clientAborts: number
  /** Data transfers ended by a server abort or server timeout [srv_abrt]. */
  readonly serverAborts: number
}

/**
 * Counters of a TCP handler: totals plus per server. At this level
 * `connections` counts every connection handled (monitor-net probes excluded,
 * refused ones included) [fe stot] and `active` those in progress [scur]; the
 * other fields are the sums over the servers.
 */
export interface TcpCounters extends Omit<TcpServerCounters, 'name'> {
  /** Connections refused for a malformed, late or missing PROXY header [ereq]. */
  readonly invalidProxy: number
  /** Per server, in order of first use. */
  readonly servers: readonly TcpServerCounters[]
}

/** Why a connection was refused while reading its PROXY header. */
export type ProxyRejectReason = 'invalid' | 'timeout' | 'closed'

/** Events of a TCP handler (`handler.events`). Names are `noun:verb`; listeners must not throw. */
export interface TcpEvents {
  /** A monitor-net connection was closed at once (not counted). */
  'connection:monitor': [address: string]
  /** A connection was refused while reading its PROXY header; `detail` says why. */
  'connection:reject': [address: string, reason: ProxyRejectReason, detail: string]
  /** A connection ended; the same entry as the log hook. */
  'connection:end': [entry: TcpLogEntry]
  /** A connection attempt to `server` starts (`attempt` 0 is the first). */
  'server:connect': [server: ServerView, attempt: number]
  /** A failed attempt will be retried on the same server after the turn-around delay. */
  'server:retry': [server: ServerView, retry: number, outcome: LeaseOutcome]
  /** A failed attempt makes the connection leave `server` for another one. */
  'server:redispatch': [server: ServerView, retry: number, outcome: LeaseOutcome]
  /**
   * The server started by `listenTcp` reported an error after it started (a
   * failed accept); it keeps listening.
   */
  'listener:error': [error: Error]
}
