/**
 * One server's connection pool: an undici `Pool` of keep-alive HTTP/1.1
 * connections shared by every client (HAProxy `http-reuse`), with TLS, `source`
 * and a precise `timeout connect`.
 *
 * Why undici: `bench/transport.ts` measured its raw `dispatch()` API ahead of
 * node:http's keep-alive Agent (see docs/http.md), and it frames every request
 * body itself (node:http sends a GET body unframed: a smuggling hazard).
 */
import type { Socket } from 'node:net'
import { Pool, buildConnector } from 'undici'
import { SwitchyardError } from '../errors.js'
import type { ResolvedServerTransport } from './types.js'

/** Keep-alive hints from servers (`Keep-Alive: timeout=N`) are trusted minus this margin, ms. */
const KEEP_ALIVE_HINT_MARGIN = 1_000

/** Where a server address points: the origin to connect to and whether TLS is used. */
export interface ServerOrigin {
  /** `http://host:port` or `https://host:port`. */
  readonly origin: string
  readonly secure: boolean
}

/**
 * Parses a server address: `http://host:port`, `https://host:port` or `host:port`
 * (plain HTTP). `ssl` forces TLS.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for anything else (other schemes, paths, credentials).
 */
export function parseServerAddress(address: string, ssl: boolean): ServerOrigin {
  let url: URL | undefined
  try {
    url = new URL(address.includes('://') ? address : `http://${address}`)
  } catch {
    url = undefined
  }
  if (
    url === undefined ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected a server address like \`http://host:port\`, \`https://host:port\` or \`host:port\`, got \`${address}\``, {
      field: 'address',
      value: address,
    })
  }
  const secure = ssl || url.protocol === 'https:'
  return { origin: `${secure ? 'https' : 'http'}://${url.host}`, secure }
}

type Connector = buildConnector.connector

/**
 * Wraps a connector with an exact connect timeout (undici's own timers have a
 * 500 ms resolution): the socket is destroyed with `SWY_ERR_CONNECT_TIMEOUT`.
 */
function timedConnector(connector: Connector, timeout: number, address: string): Connector {
  return (options, callback) => {
    let timer: NodeJS.Timeout | undefined = undefined
    // undici's connector returns the socket it creates (its types say void).
    const socket = connector(options, (...args) => {
      clearTimeout(timer)
      callback(...args)
    }) as unknown as Socket
    timer = setTimeout(() => {
      socket.destroy(new SwitchyardError('SWY_ERR_CONNECT_TIMEOUT', undefined, { address, timeout }))
    }, timeout)
  }
}

/** Pool settings that come from the backend. */
export interface UpstreamSettings {
  readonly transport: ResolvedServerTransport
  /** `timeout connect`, ms, 0 = none. */
  readonly connectTimeout: number
  /** Idle time of pooled connections, ms; 0 disables reuse (one connection per request). */
  readonly idleTimeout: number
  /**
   * Most connections the pool opens at once (the server's `maxconn`); 0 = no bound.
   * Leases already bound concurrency to `maxconn`, but a lease released in `onComplete`
   * is granted to a queued request before undici marks that connection free again:
   * an unbounded pool would open a new connection for it (measured: maxconn 4, 8 connections).
   */
  readonly connections: number
}

/** The keep-alive pool of one server. */
export class Upstream {
  /** The server address this pool was built for. */
  readonly address: string
  /** The origin requests are sent to. */
  readonly origin: string
  /** The pool's connection bound (the server's `maxconn` it was built for); 0 = none. */
  readonly connections: number
  /** The undici pool. */
  readonly pool: Pool

  /** @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an invalid address. */
  constructor(address: string, settings: UpstreamSettings) {
    const { transport, connectTimeout, idleTimeout, connections } = settings
    const { origin, secure } = parseServerAddress(address, transport.ssl)
    this.address = address
    this.connections = connections
    this.origin = origin
    const connector = buildConnector(
      secure
        ? {
            timeout: 0,
            rejectUnauthorized: transport.verify === 'required',
            ...(transport.ca === undefined ? {} : { ca: transport.ca as string | Buffer | (string | Buffer)[] }),
            ...(transport.sni === undefined ? {} : { servername: transport.sni }),
          }
        : { timeout: 0 },
    )
    this.pool = new Pool(origin, {
      connect: connectTimeout > 0 ? timedConnector(connector, connectTimeout, address) : connector,
      // A request handed a lease by a completing one waits (microseconds) for its connection.
      connections: connections > 0 ? connections : null,
      // pipelining 0 makes undici send `connection: close`: no reuse at all.
      pipelining: idleTimeout > 0 ? 1 : 0,
      keepAliveTimeout: Math.max(idleTimeout, 1),
      keepAliveMaxTimeout: Math.max(idleTimeout, 1),
      keepAliveTimeoutThreshold: KEEP_ALIVE_HINT_MARGIN,
      // switchyard runs `timeout server` itself, with exact timers.
      headersTimeout: 0,
      bodyTimeout: 0,
      strictContentLength: true,
      ...(transport.source === undefined ? {} : { localAddress: transport.source }),
    })
  }

  /** Closes idle connections and lets in-flight requests finish. */
  close(): Promise<void> {
    return this.pool.close()
  }
}
