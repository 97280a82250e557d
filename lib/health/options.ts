/**
 * Health options of a server as a user writes them, their resolved form, and
 * the function that applies the defaults of `options/defaults.ts`. The public
 * boundary validates input (zod) before calling {@link resolveServerHealth};
 * here only the invariants the state machine relies on are guarded.
 */
import { SwitchyardError } from '../errors.js'
import {
  DEFAULT_AGENT_INTER,
  DEFAULT_CHECK_FALL,
  DEFAULT_CHECK_INTER,
  DEFAULT_CHECK_RISE,
  DEFAULT_ERROR_LIMIT,
  DEFAULT_HTTPCHK_METHOD,
  DEFAULT_HTTPCHK_PATH,
  DEFAULT_HTTPCHK_VERSION,
  DEFAULT_INITIAL_STATE,
  DEFAULT_ON_ERROR,
  DEFAULT_SLOWSTART,
} from '../options/defaults.js'
import type { HttpExpect } from './http-expect.js'
import type { CheckIntervals, InitialState, ObserveMode, OnErrorAction, RiseFall } from './state.js'
import type { CheckTlsOptions, Probe } from './types.js'

/** The built-in probes. HAProxy: `check` (tcp), `option httpchk` (http), `option ssl-hello-chk` (ssl-hello). */
export type CheckType = 'tcp' | 'http' | 'ssl-hello'

/** An HTTP check. HAProxy: `option httpchk`, `http-check send|expect|disable-on-404`. */
export interface HttpCheckOptions {
  /** @default 'OPTIONS' */
  readonly method?: string | undefined
  /** @default '/' */
  readonly path?: string | undefined
  /** @default 'HTTP/1.0' */
  readonly version?: string | undefined
  /** Adds a `Host` header (needed by most HTTP/1.1 servers). HAProxy 3.x: `option httpchk … <host>`. */
  readonly host?: string | undefined
  /** Extra request headers. HAProxy: `http-check send hdr <name> <value>`. @default none */
  readonly headers?: Readonly<Record<string, string>> | readonly (readonly [string, string])[] | undefined
  /** Request body. HAProxy: `http-check send body`. */
  readonly body?: string | undefined
  /** The success rule. @default status 200–399 */
  readonly expect?: HttpExpect | undefined
  /** A 404 from a running server means NOLB (no new balanced traffic). HAProxy: `http-check disable-on-404`. @default false */
  readonly disableOn404?: boolean | undefined
}

/** The regular (active) health check of a server. HAProxy: server `check` and its keywords. */
export interface CheckOptions {
  /** Built-in probe. @default 'http' when `http` is given, else 'tcp' */
  readonly type?: CheckType | undefined
  /** A probe of your own; replaces `type` (and `addr`/`port`/`tls`/`http`). */
  readonly probe?: Probe | undefined
  /** Milliseconds between checks of a fully UP server. HAProxy: `inter`. @default 2000 */
  readonly inter?: number | undefined
  /** Milliseconds between checks while the server is transitioning. HAProxy: `fastinter`. @default inter */
  readonly fastinter?: number | undefined
  /** Milliseconds between checks while the server is fully DOWN. HAProxy: `downinter`. @default inter */
  readonly downinter?: number | undefined
  /** HAProxy: `rise`. @default 2 */
  readonly rise?: number | undefined
  /** HAProxy: `fall`. @default 3 */
  readonly fall?: number | undefined
  /**
   * Milliseconds allowed for the exchange once connected; then the connection
   * itself gets `min(inter, connectTimeout)`. Unset: the whole check must end
   * within `inter`. HAProxy: `timeout check`. @default 0 (unset)
   */
  readonly timeout?: number | undefined
  /** Connect limit used with `timeout`. HAProxy: `timeout connect`. @default 0 (unset) */
  readonly connectTimeout?: number | undefined
  /** Check this host instead of the server's. HAProxy: `addr`. */
  readonly addr?: string | undefined
  /** Check this port instead of the server's. HAProxy: `port`. */
  readonly port?: number | undefined
  /**
   * TLS on the check connection: an `https://` server address implies it
   * unless `addr`/`port` redirect the check. HAProxy: `check-ssl`, `ssl`.
   * @default the server address's scheme
   */
  readonly tls?: boolean | CheckTlsOptions | undefined
  /** Makes it an HTTP check. */
  readonly http?: HttpCheckOptions | undefined
}

/** The agent check (§5.10). HAProxy: `agent-check`. */
export interface AgentOptions {
  /** The agent's port (required unless `probe` is given). HAProxy: `agent-port`. */
  readonly port?: number | undefined
  /** The agent's host; default the server's. HAProxy: `agent-addr`. */
  readonly addr?: string | undefined
  /** Sent verbatim once connected. HAProxy: `agent-send`. */
  readonly send?: string | undefined
  /** Milliseconds between agent checks; also their time limit without `timeout`. HAProxy: `agent-inter`. @default 2000 */
  readonly inter?: number | undefined
  /** As {@link CheckOptions.timeout}. HAProxy: `timeout check`. @default 0 (unset) */
  readonly timeout?: number | undefined
  /** As {@link CheckOptions.connectTimeout}. @default 0 (unset) */
  readonly connectTimeout?: number | undefined
  /** A probe of your own returning the agent's text in `reply`. */
  readonly probe?: Probe | undefined
}

/** Passive health (§5.8). HAProxy: `observe`, `error-limit`, `on-error`. */
export interface ObserveOptions {
  /** What counts as an error. HAProxy: `observe layer4|layer7`. */
  readonly mode: ObserveMode
  /** Consecutive errors that trigger `onError`. HAProxy: `error-limit`. @default 10 */
  readonly errorLimit?: number | undefined
  /** HAProxy: `on-error`. @default 'fail-check' */
  readonly onError?: OnErrorAction | undefined
}

/** Everything about a server's health. Without `check` and `agent` the server is never checked. */
export interface ServerHealthOptions {
  /** The regular check; `true` = a TCP check with the defaults. HAProxy: `check`. */
  readonly check?: boolean | CheckOptions | undefined
  /** The agent check. HAProxy: `agent-check`. */
  readonly agent?: AgentOptions | undefined
  /** Passive health; needs `check`. HAProxy: `observe`. */
  readonly observe?: ObserveMode | ObserveOptions | undefined
  /** Milliseconds of weight and maxconn ramp after coming back UP. HAProxy: `slowstart`. @default 0 (off) */
  readonly slowstart?: number | undefined
  /** Where the health counter starts. HAProxy 3.1+: `init-state`. @default 'up' */
  readonly initialState?: InitialState | undefined
  /** Emit `server:shutdown-sessions` when the server goes DOWN. HAProxy: `on-marked-down shutdown-sessions`. @default false */
  readonly shutdownOnDown?: boolean | undefined
  /** Emit `server:shutdown-sessions` for the backups when this active server comes UP. HAProxy: `on-marked-up shutdown-backup-sessions`. @default false */
  readonly shutdownBackupsOnUp?: boolean | undefined
}

/** A resolved HTTP check. */
export interface ResolvedHttpCheck {
  readonly method: string
  readonly path: string
  readonly version: string
  readonly headers: readonly (readonly [string, string])[]
  readonly body: string | undefined
  readonly expect: HttpExpect | undefined
  readonly disableOn404: boolean
}

/** A resolved regular check. */
export interface ResolvedCheck {
  readonly type: CheckType
  readonly probe: Probe | undefined
  readonly policy: RiseFall
  readonly intervals: CheckIntervals
  /** `timeout check`, 0 = unset. */
  readonly timeout: number
  /** `timeout connect`, 0 = unset. */
  readonly connectTimeout: number
  readonly addr: string | undefined
  readonly port: number | undefined
  /** `undefined`: follow the server address's scheme. */
  readonly tls: boolean | CheckTlsOptions | undefined
  readonly http: ResolvedHttpCheck | undefined
}

/** A resolved agent check. */
export interface ResolvedAgent {
  readonly port: number | undefined
  readonly addr: string | undefined
  readonly send: string | undefined
  readonly inter: number
  readonly timeout: number
  readonly connectTimeout: number
  readonly probe: Probe | undefined
}

/** Resolved passive health. */
export interface ResolvedObserve {
  readonly mode: ObserveMode
  readonly errorLimit: number
  readonly onError: OnErrorAction
}

/** A server's health options with every default applied. */
export interface ResolvedServerHealth {
  readonly check: ResolvedCheck | undefined
  readonly agent: ResolvedAgent | undefined
  readonly observe: ResolvedObserve | undefined
  readonly slowstart: number
  readonly initialState: InitialState
  readonly shutdownOnDown: boolean
  readonly shutdownBackupsOnUp: boolean
}

function invalid(field: string, value: unknown, expected: string): never {
  throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected \`${field}\` to be ${expected}, got \`${String(value)}\``, { field, value })
}

function positive(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) invalid(field, value, 'a positive integer')
  return value
}

function nonNegative(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) invalid(field, value, 'a non-negative integer')
  return value
}

function resolveHttp(http: HttpCheckOptions): ResolvedHttpCheck {
  const given = http.headers === undefined ? [] : Array.isArray(http.headers) ? (http.headers as readonly (readonly [string, string])[]) : Object.entries(http.headers)
  const hasHost = given.some(([name]) => name.toLowerCase() === 'host')
  const headers = http.host === undefined || hasHost ? given : [['Host', http.host] as const, ...given]
  return {
    method: http.method ?? DEFAULT_HTTPCHK_METHOD,
    path: http.path ?? DEFAULT_HTTPCHK_PATH,
    version: http.version ?? DEFAULT_HTTPCHK_VERSION,
    headers,
    body: http.body,
    expect: http.expect,
    disableOn404: http.disableOn404 ?? false,
  }
}

function resolveCheck(check: CheckOptions): ResolvedCheck {
  const inter = positive('check.inter', check.inter ?? DEFAULT_CHECK_INTER)
  return {
    type: check.type ?? (check.http === undefined ? 'tcp' : 'http'),
    probe: check.probe,
    policy: { rise: positive('check.rise', check.rise ?? DEFAULT_CHECK_RISE), fall: positive('check.fall', check.fall ?? DEFAULT_CHECK_FALL) },
    intervals: {
      inter,
      fastinter: positive('check.fastinter', check.fastinter ?? inter),
      downinter: positive('check.downinter', check.downinter ?? inter),
    },
    timeout: nonNegative('check.timeout', check.timeout ?? 0),
    connectTimeout: nonNegative('check.connectTimeout', check.connectTimeout ?? 0),
    addr: check.addr,
    port: check.port,
    tls: check.tls,
    http: check.http === undefined && check.type !== 'http' ? undefined : resolveHttp(check.http ?? {}),
  }
}

function resolveAgent(agent: AgentOptions): ResolvedAgent {
  if (agent.probe === undefined && agent.port === undefined) invalid('agent.port', undefined, 'a port (HAProxy `agent-port` is mandatory)')
  return {
    port: agent.port,
    addr: agent.addr,
    send: agent.send,
    inter: positive('agent.inter', agent.inter ?? DEFAULT_AGENT_INTER),
    timeout: nonNegative('agent.timeout', agent.timeout ?? 0),
    connectTimeout: nonNegative('agent.connectTimeout', agent.connectTimeout ?? 0),
    probe: agent.probe,
  }
}

/**
 * Applies the defaults (HAProxy's, see options/defaults.ts) to a server's
 * health options.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for a non-positive rise, fall or
 *   interval, a negative timeout or slowstart, an agent without port, or `observe` without `check`
 */
export function resolveServerHealth(options: ServerHealthOptions): ResolvedServerHealth {
  const check = options.check === undefined || options.check === false ? undefined : resolveCheck(options.check === true ? {} : options.check)
  const observe = typeof options.observe === 'string' ? { mode: options.observe } : options.observe
  if (observe !== undefined && check === undefined) invalid('observe', observe.mode, 'used together with `check` (HAProxy: observe requires check)')
  return {
    check,
    agent: options.agent === undefined ? undefined : resolveAgent(options.agent),
    observe:
      observe === undefined
        ? undefined
        : { mode: observe.mode, errorLimit: positive('observe.errorLimit', observe.errorLimit ?? DEFAULT_ERROR_LIMIT), onError: observe.onError ?? DEFAULT_ON_ERROR },
    slowstart: nonNegative('slowstart', options.slowstart ?? DEFAULT_SLOWSTART),
    initialState: options.initialState ?? DEFAULT_INITIAL_STATE,
    shutdownOnDown: options.shutdownOnDown ?? false,
    shutdownBackupsOnUp: options.shutdownBackupsOnUp ?? false,
  }
}
