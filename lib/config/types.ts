/**
 * A whole load-balancer configuration as plain data: what `loadHaproxyConfig`
 * produces from a haproxy.cfg, what `switchyard --json` reads, and what
 * `startConfig` runs. One code path: every value here is an option object the
 * programmatic API (`createProxy`, `addBackend`, `addServer`, `createTcpHandler`)
 * takes as is.
 */
import type { TcpHandlerOptions } from '../adapters/tcp-types.js'
import type { BackendConfig } from '../ops/reconfigure.js'
import type { ProxyOptions } from '../proxy.js'

export type { BackendConfig }

/** Process-wide settings (HAProxy's `global` section and a few `defaults` keys). */
export interface GlobalConfig {
  /** Most concurrent client connections per process. HAProxy: global `maxconn`. @default unlimited */
  readonly maxconn?: number | undefined
  /** Longest a graceful stop waits for in-flight work, ms. HAProxy: `hard-stop-after`. @default 30000 */
  readonly hardStopAfter?: number | undefined
  /** Time listeners stay open after a stop was asked, ms. HAProxy: `grace`. @default 0 */
  readonly grace?: number | undefined
  /**
   * Jitter of health-check intervals, percent 0..50 (`createProxy({ spreadChecks })`).
   * HAProxy: `spread-checks`. @default 0
   */
  readonly spreadChecks?: number | undefined
}

/** One listening address. HAProxy: `bind <host>:<port> [accept-proxy]` or `listen <name> <host>:<port>`. */
export interface BindConfig {
  /** Address to listen on; `0.0.0.0`/`::` for every interface. HAProxy: `*` means every IPv4 interface. */
  readonly host: string
  /** TCP port; 0 lets the OS choose (tests). */
  readonly port: number
  /** Expect a PROXY protocol header. HAProxy: bind `accept-proxy`. @default false */
  readonly acceptProxy?: boolean | undefined
}

/** HAProxy's `stats enable` / `stats uri` on a frontend or listen section. */
export interface StatsPageConfig {
  /** Path of the stats page. HAProxy: `stats uri`. @default '/haproxy?stats' */
  readonly uri: string
  /** Page refresh, ms. HAProxy: `stats refresh`. */
  readonly refresh?: number | undefined
}

/** A frontend (or the front half of a `listen` section): where clients connect and where their requests go. */
export interface FrontendConfig {
  readonly name: string
  /** HAProxy: `mode http|tcp`. @default 'http' */
  readonly mode: 'http' | 'tcp'
  readonly bind: readonly BindConfig[]
  /** Backend for requests no rule routes. HAProxy: `default_backend`, or the listen section's own backend. */
  readonly defaultBackend?: string | undefined
  /** HTTP mode: the frontend's `createProxy` options (timeouts, monitor-uri, rules, …); no functions. */
  readonly http?: Omit<ProxyOptions, 'log'> | undefined
  /** TCP mode: `createTcpHandler` options (timeouts, retries, redispatch, send-proxy per server, …). */
  readonly tcp?: Omit<TcpHandlerOptions, 'log' | 'deps'> | undefined
  /** Most concurrent client connections on this frontend. HAProxy: frontend `maxconn`. */
  readonly maxconn?: number | undefined
  /** Log each request/connection. HAProxy: `option httplog` / `option tcplog` (`log` targets map to stdout). */
  readonly log?: 'http' | 'tcp' | undefined
  /** A stats page served by this frontend. HAProxy: `stats enable`, `stats uri`. */
  readonly stats?: StatsPageConfig | undefined
}

/** A whole configuration. */
export interface SwitchyardConfig {
  readonly global?: GlobalConfig | undefined
  readonly frontends: readonly FrontendConfig[]
  /** Backends by name: their options and servers, exactly as `addBackend`/`addServer` take them. */
  readonly backends: Readonly<Record<string, BackendConfig>>
}

/** A keyword accepted but without effect in Node (user, chroot, daemon, log targets, nbproc, …). */
export interface ConfigWarning {
  readonly file: string
  readonly line: number
  readonly keyword: string
  readonly message: string
}

/** What `loadHaproxyConfig` returns. */
export interface LoadedConfig {
  readonly config: SwitchyardConfig
  readonly warnings: readonly ConfigWarning[]
}
