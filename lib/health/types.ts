/**
 * Type-only vocabulary of health checking: the probe port (what an I/O
 * adapter must implement), check statuses with HAProxy's codes, and the
 * result of one check.
 *
 * A probe is one attempt: it opens whatever it needs, reports how far it got
 * through {@link ProbeContext.reached}, and settles with a {@link ProbeResult}.
 * The monitor owns all timing (interval, `timeout check`) and aborts the
 * probe's signal when a timer expires; a probe must then close its socket at
 * once and settle (its result is replaced by the timeout status).
 */

/**
 * A check status, as HAProxy shows it in stats (`check_status`, `agent_status`).
 *
 * - `UNK` unknown, `INI` initialising (no check completed yet)
 * - `SOCKERR` the probe failed before any network activity (or threw)
 * - `L4OK` / `L4TOUT` / `L4CON` — layer 4: connected / connect timeout / connection problem (refused, reset, unreachable)
 * - `L6OK` / `L6TOUT` / `L6RSP` — TLS: handshake or hello answered / timeout / invalid answer
 * - `L7OK` / `L7OKC` / `L7TOUT` / `L7RSP` / `L7STS` — layer 7: passed / conditionally passed
 *   (disable-on-404: the server goes NOLB) / timeout / invalid or unmatched response / wrong status
 * - `HANA` — passive health analysis (`observe`) counted a failed check
 * - `CHECKED` — an agent replied without a health word: no status change
 */
export type CheckStatus =
  | 'UNK'
  | 'INI'
  | 'SOCKERR'
  | 'L4OK'
  | 'L4TOUT'
  | 'L4CON'
  | 'L6OK'
  | 'L6TOUT'
  | 'L6RSP'
  | 'L7OK'
  | 'L7OKC'
  | 'L7TOUT'
  | 'L7RSP'
  | 'L7STS'
  | 'HANA'
  | 'CHECKED'

/**
 * How a check status counts for the health counter (HAProxy `CHK_RES_*`):
 * `passed` raises it, `failed` lowers it, `conditional` raises it but asks for
 * NOLB (stopping), `neutral` changes nothing.
 */
export type CheckOutcome = 'passed' | 'failed' | 'conditional' | 'neutral'

/**
 * How far a probe got, which decides what a timeout or an error means:
 * `connect` (TCP connect: L4TOUT / L4CON), `handshake` (TLS handshake or
 * SSL hello exchange: L6TOUT / L6RSP), `response` (waiting for the answer:
 * L7TOUT / L7RSP).
 */
export type ProbeStage = 'connect' | 'handshake' | 'response'

/** What the monitor hands a probe for one attempt. */
export interface ProbeContext {
  /** Aborted when `timeout check` (or the interval) expires, or checks stop. Close everything and settle. */
  readonly signal: AbortSignal
  /**
   * The same as listening to `signal`'s abort, for one listener, without
   * creating an AbortSignal (a measurable cost at thousands of checks per
   * second): `listener` runs once when the attempt is aborted, at once if it
   * already was. A later call replaces the listener.
   */
  onAbort(listener: () => void): void
  /**
   * True unless the server is DOWN. HTTP checks need it: a 404 with
   * `disableOn404` only means NOLB for a server that is up.
   */
  readonly running: boolean
  /**
   * Reports progress. Leaving `connect` switches the monitor from the connect
   * timeout to `timeout check` (§5.5); the stage also names the timeout status.
   */
  reached(stage: ProbeStage): void
}

/** What a probe settles with. */
export interface ProbeResult {
  /** The check status. */
  readonly status: CheckStatus
  /** HTTP status (HTTP checks), when a response was received. */
  readonly code?: number | undefined
  /** A short human-readable detail (HAProxy `check_desc`). */
  readonly message?: string | undefined
  /** Agent checks: the raw text received (parsed by the monitor). */
  readonly reply?: string | undefined
}

/**
 * The probe port: one attempt of one check. Returns its result, or a promise
 * of it that settles promptly once `context.signal` aborts (a rejection or a
 * throw counts as `SOCKERR`). A synchronous result is fine (tests, in-process
 * checks).
 */
export type Probe = (context: ProbeContext) => ProbeResult | Promise<ProbeResult>

/** A completed attempt as the monitor records it. */
export interface CheckResult {
  readonly status: CheckStatus
  /** HTTP status, when there was one. */
  readonly code: number | undefined
  /** Detail (HAProxy `check_desc` / `agent_desc`). */
  readonly message: string
  /** Milliseconds from the start of the attempt to its result. */
  readonly duration: number
  /** Agent checks: the text received. */
  readonly reply: string | undefined
}

/** Where a probe connects. */
export interface CheckTarget {
  /** Host name or IP address. */
  readonly host: string
  /** TCP port. */
  readonly port: number
}

/** TLS settings of a check connection (a subset of `tls.connect` options). */
export interface CheckTlsOptions {
  /** Verify the server certificate. @default true (Node's default) */
  readonly rejectUnauthorized?: boolean | undefined
  /** Trusted CA certificates (PEM). */
  readonly ca?: string | Buffer | readonly (string | Buffer)[] | undefined
  /** SNI name; default the target host when it is not an IP address. HAProxy: `check-sni`. */
  readonly servername?: string | undefined
}

/** What a running check may be used for: the regular check or the agent. */
export type CheckKind = 'check' | 'agent'

/**
 * What the health layer knows of a server, for the stats (HAProxy `show stat`
 * column names in brackets).
 */
export interface HealthStats {
  /** [status] `UP`, `UP 2/3`, `DOWN`, `DOWN 1/2`, `DOWN (agent)`, `NOLB`, `DRAIN`, `DRAIN (agent)`, `MAINT`, `no check`. */
  readonly status: string
  /** [check_status] Last regular check status (`INI` before the first); undefined without a check. */
  readonly checkStatus: CheckStatus | undefined
  /** A regular check is in flight (HAProxy prefixes the status with `* `). */
  readonly checkRunning: boolean
  /** [check_code] HTTP status of the last check. */
  readonly checkCode: number | undefined
  /** [check_duration] Milliseconds the last check took. */
  readonly checkDuration: number | undefined
  /** [check_desc] */
  readonly checkDescription: string
  /** [check_health] The §5.3 counter, 0..rise+fall−1. */
  readonly checkHealth: number
  /** [check_rise] */
  readonly checkRise: number
  /** [check_fall] */
  readonly checkFall: number
  /** [agent_status] Last agent status; undefined without an agent. */
  readonly agentStatus: CheckStatus | undefined
  /** [agent_code] */
  readonly agentCode: number | undefined
  /** [agent_duration] */
  readonly agentDuration: number | undefined
  /** [agent_desc] */
  readonly agentDescription: string
  /** [agent_health] 0 or 1 (agent rise = fall = 1). */
  readonly agentHealth: number
  /** [chkfail] Failed checks while the counter was above 0. */
  readonly chkfail: number
  /** [chkdown] Transitions to DOWN. */
  readonly chkdown: number
  /** [hanafail] Times `error-limit` was reached. */
  readonly hanafail: number
  /** [lastchg] Whole seconds since the last state change. */
  readonly lastChange: number
  /** [downtime] Whole seconds spent DOWN or in maintenance. */
  readonly downtime: number
  /** [throttle] Slow-start percentage while ramping, else undefined. */
  readonly throttle: number | undefined
}
