/**
 * The stats snapshot: one row per frontend, backend and server, keyed by
 * HAProxy's `show stat` field names; `null` where a field does not apply
 * (an empty CSV field).
 */

/** Row type. HAProxy: `type` field, 0 frontend, 1 backend, 2 server. */
export type StatsRowType = 0 | 1 | 2

/** One stats row (HAProxy §10.1 names). Times are milliseconds, `lastchg`/`downtime`/`lastsess` seconds. */
export interface StatsRow {
  /** Proxy (backend) name, `switchyard` for the frontend. */
  readonly pxname: string
  /** `FRONTEND`, `BACKEND` or the server name. */
  readonly svname: string
  readonly qcur: number | null
  readonly qmax: number | null
  readonly scur: number
  readonly smax: number | null
  readonly slim: number | null
  readonly stot: number
  readonly bin: number
  readonly bout: number
  readonly ereq: number | null
  readonly econ: number | null
  readonly eresp: number | null
  readonly wretr: number | null
  readonly wredis: number | null
  /** `OPEN`/`STOP` (frontend), `UP`/`DOWN` (backend), §6.2 strings (server). */
  readonly status: string
  readonly weight: number | null
  readonly act: number | null
  readonly bck: number | null
  readonly chkfail: number | null
  readonly chkdown: number | null
  readonly lastchg: number | null
  readonly downtime: number | null
  readonly qlimit: number | null
  /** Proxy id: 1 for the frontend, 2.. for backends in order. */
  readonly iid: number
  /** Server id (0 for frontend and backend rows). */
  readonly sid: number
  readonly throttle: number | null
  readonly lbtot: number | null
  readonly type: StatsRowType
  readonly rate: number
  readonly rate_max: number
  readonly check_status: string | null
  readonly check_code: number | null
  readonly check_duration: number | null
  readonly hrsp_1xx: number
  readonly hrsp_2xx: number
  readonly hrsp_3xx: number
  readonly hrsp_4xx: number
  readonly hrsp_5xx: number
  readonly hrsp_other: number
  readonly req_tot: number | null
  readonly cli_abrt: number | null
  readonly srv_abrt: number | null
  readonly lastsess: number | null
  readonly qtime: number | null
  readonly ctime: number | null
  readonly rtime: number | null
  readonly ttime: number | null
  readonly check_desc: string | null
  readonly addr: string | null
  /** Cookie value of the server; persistence is not wired into the stats yet. */
  readonly cookie: string | null
  readonly mode: string
  readonly algo: string | null
  readonly uweight: number | null
}

/** A backend row with its servers' rows, in declaration order. */
export interface BackendStatsRow extends StatsRow {
  readonly servers: readonly StatsRow[]
}

/** What {@link Proxy.stats} returns. */
export interface ProxyStats {
  readonly frontend: StatsRow
  readonly backends: readonly BackendStatsRow[]
}
