/**
 * Prometheus text exposition (format 0.0.4) with the HAProxy exporter's
 * metric names (§10.2): `haproxy_frontend_*`, `haproxy_backend_*`,
 * `haproxy_server_*`, labels `proxy`, `server`, `code`, `state`; counters end
 * in `_total`, durations are seconds. Fields that do not apply are not exported.
 */
import type { ProxyStats, StatsRow } from './types.js'

type Scope = 'frontend' | 'backend' | 'server'
type Source = (row: StatsRow) => number | null

interface Metric {
  readonly name: string
  readonly type: 'counter' | 'gauge'
  readonly help: string
  readonly value: Source
  readonly scopes: readonly Scope[]
}

const ALL: readonly Scope[] = ['frontend', 'backend', 'server']
const BS: readonly Scope[] = ['backend', 'server']
const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000)

/** Single-series metrics, in the exporter's order. */
const METRICS: readonly Metric[] = [
  { name: 'current_queue', type: 'gauge', help: 'Number of current queued connections.', value: (r) => r.qcur, scopes: BS },
  { name: 'max_queue', type: 'gauge', help: 'Highest value of queued connections encountered since process started.', value: (r) => r.qmax, scopes: BS },
  { name: 'current_sessions', type: 'gauge', help: 'Number of current sessions on the frontend, backend or server.', value: (r) => r.scur, scopes: ALL },
  { name: 'max_sessions', type: 'gauge', help: 'Highest value of current sessions encountered since process started.', value: (r) => r.smax, scopes: BS },
  { name: 'limit_sessions', type: 'gauge', help: 'Frontend/listener/server\'s maxconn, backend\'s fullconn.', value: (r) => r.slim, scopes: BS },
  { name: 'sessions_total', type: 'counter', help: 'Total number of sessions since process started.', value: (r) => r.stot, scopes: ALL },
  { name: 'bytes_in_total', type: 'counter', help: 'Total number of request bytes since process started.', value: (r) => r.bin, scopes: ALL },
  { name: 'bytes_out_total', type: 'counter', help: 'Total number of response bytes since process started.', value: (r) => r.bout, scopes: ALL },
  { name: 'request_errors_total', type: 'counter', help: 'Total number of invalid requests since process started.', value: (r) => r.ereq, scopes: ['frontend'] },
  { name: 'connection_errors_total', type: 'counter', help: 'Total number of failed connections to server since the worker process started.', value: (r) => r.econ, scopes: BS },
  { name: 'response_errors_total', type: 'counter', help: 'Total number of invalid responses since the worker process started.', value: (r) => r.eresp, scopes: BS },
  { name: 'retry_warnings_total', type: 'counter', help: 'Total number of server connection retries since the worker process started.', value: (r) => r.wretr, scopes: BS },
  { name: 'redispatch_warnings_total', type: 'counter', help: 'Total number of server redispatches due to connection failures since the worker process started.', value: (r) => r.wredis, scopes: BS },
  { name: 'weight', type: 'gauge', help: 'Server\'s effective weight, or sum of active servers\' effective weights for a backend.', value: (r) => r.weight, scopes: BS },
  { name: 'uweight', type: 'gauge', help: 'Server\'s user weight, or sum of active servers\' user weights for a backend.', value: (r) => r.uweight, scopes: BS },
  { name: 'active_servers', type: 'gauge', help: 'Total number of active UP servers with a non-zero weight.', value: (r) => r.act, scopes: ['backend'] },
  { name: 'backup_servers', type: 'gauge', help: 'Total number of backup UP servers with a non-zero weight.', value: (r) => r.bck, scopes: ['backend'] },
  { name: 'check_failures_total', type: 'counter', help: 'Total number of failed individual health checks per server/backend, since the worker process started.', value: (r) => r.chkfail, scopes: ['server'] },
  { name: 'check_up_down_total', type: 'counter', help: 'Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started.', value: (r) => r.chkdown, scopes: BS },
  { name: 'check_last_change_seconds', type: 'gauge', help: 'How long ago the last server state changed, in seconds.', value: (r) => r.lastchg, scopes: BS },
  { name: 'downtime_seconds_total', type: 'counter', help: 'Total downtime (in seconds) for the service.', value: (r) => r.downtime, scopes: BS },
  { name: 'queue_limit', type: 'gauge', help: 'Configured maxqueue for the server (0 meaning no limit).', value: (r) => r.qlimit ?? 0, scopes: ['server'] },
  { name: 'current_throttle', type: 'gauge', help: 'Current throttle percentage for the server, when slowstart is active, or no value if not in slowstart.', value: (r) => r.throttle, scopes: ['server'] },
  { name: 'loadbalanced_total', type: 'counter', help: 'Total number of times a service was selected, either for new sessions, or when redispatching.', value: (r) => r.lbtot, scopes: BS },
  { name: 'max_session_rate', type: 'gauge', help: 'Highest value of sessions per second observed since the worker process started.', value: (r) => r.rate_max, scopes: ALL },
  { name: 'current_session_rate', type: 'gauge', help: 'Current number of sessions per second over last elapsed second.', value: (r) => r.rate, scopes: ALL },
  { name: 'check_duration_seconds', type: 'gauge', help: 'Total duration of the latest server health check, in seconds.', value: (r) => seconds(r.check_duration), scopes: ['server'] },
  { name: 'http_requests_total', type: 'counter', help: 'Total number of HTTP requests received.', value: (r) => r.req_tot, scopes: ['frontend', 'backend'] },
  { name: 'client_aborts_total', type: 'counter', help: 'Total number of data transfers aborted by the client since the worker process started.', value: (r) => r.cli_abrt, scopes: BS },
  { name: 'server_aborts_total', type: 'counter', help: 'Total number of data transfers aborted by the server since the worker process started.', value: (r) => r.srv_abrt, scopes: BS },
  { name: 'last_session_seconds', type: 'gauge', help: 'How long ago some traffic was seen on this object on this worker process, in seconds.', value: (r) => r.lastsess, scopes: BS },
  { name: 'queue_time_average_seconds', type: 'gauge', help: 'Avg. queue time for last 1024 successful connections.', value: (r) => seconds(r.qtime), scopes: BS },
  { name: 'connect_time_average_seconds', type: 'gauge', help: 'Avg. connect time for last 1024 successful connections.', value: (r) => seconds(r.ctime), scopes: BS },
  { name: 'response_time_average_seconds', type: 'gauge', help: 'Avg. response time for last 1024 successful connections.', value: (r) => seconds(r.rtime), scopes: BS },
  { name: 'total_time_average_seconds', type: 'gauge', help: 'Avg. total time for last 1024 successful connections.', value: (r) => seconds(r.ttime), scopes: BS },
]

const SERVER_STATES = ['DOWN', 'UP', 'MAINT', 'DRAIN', 'NOLB'] as const
const BACKEND_STATES = ['DOWN', 'UP'] as const
const CODES = [['1xx', 'hrsp_1xx'], ['2xx', 'hrsp_2xx'], ['3xx', 'hrsp_3xx'], ['4xx', 'hrsp_4xx'], ['5xx', 'hrsp_5xx'], ['other', 'hrsp_other']] as const

/** Escapes a label value (backslash, double quote, newline). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function labels(scope: Scope, row: StatsRow): string {
  const proxy = `proxy="${escapeLabel(row.pxname)}"`
  return scope === 'server' ? `${proxy},server="${escapeLabel(row.svname)}"` : proxy
}

/** The §6.2 status reduced to the exporter's state label. */
export function serverState(status: string): (typeof SERVER_STATES)[number] {
  if (status.startsWith('MAINT')) return 'MAINT'
  if (status.startsWith('DRAIN')) return 'DRAIN'
  if (status.startsWith('NOLB')) return 'NOLB'
  if (status.startsWith('DOWN')) return 'DOWN'
  return 'UP'
}

function family(out: string[], name: string, type: string, help: string, lines: readonly string[]): void {
  if (lines.length === 0) return
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines)
}

/** Serializes a snapshot in the Prometheus text format. */
export function toPrometheus(stats: ProxyStats): string {
  const rows: Record<Scope, readonly StatsRow[]> = {
    frontend: [stats.frontend],
    backend: stats.backends,
    server: stats.backends.flatMap((b) => b.servers),
  }
  const out: string[] = []
  for (const scope of ALL) {
    const prefix = `haproxy_${scope}_`
    const list = rows[scope]
    if (scope !== 'frontend') {
      const states = scope === 'server' ? SERVER_STATES : BACKEND_STATES
      const lines: string[] = []
      for (const row of list) {
        const current = scope === 'server' ? serverState(row.status) : row.status
        for (const state of states) lines.push(`${prefix}status{${labels(scope, row)},state="${state}"} ${current === state ? 1 : 0}`)
      }
      family(out, `${prefix}status`, 'gauge', scope === 'server' ? 'Current status of the server.' : 'Current status of the service.', lines)
    }
    for (const metric of METRICS) {
      if (!metric.scopes.includes(scope)) continue
      const lines: string[] = []
      for (const row of list) {
        const value = metric.value(row)
        if (value !== null) lines.push(`${prefix}${metric.name}{${labels(scope, row)}} ${value}`)
      }
      family(out, `${prefix}${metric.name}`, metric.type, metric.help, lines)
    }
    const lines: string[] = []
    for (const row of list) for (const [code, field] of CODES) lines.push(`${prefix}http_responses_total{${labels(scope, row)},code="${code}"} ${row[field]}`)
    family(out, `${prefix}http_responses_total`, 'counter', 'Total number of HTTP responses.', lines)
  }
  return `${out.join('\n')}\n`
}
