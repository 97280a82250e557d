/**
 * HAProxy's log lines: `option httplog` and `option tcplog`, formatted from the
 * log hooks' entries. Pure (no I/O, no clock): the caller gives the accept date
 * and the connection counts.
 */
import type { HttpLogEntry } from '../adapters/types.js'
import type { TcpLogEntry } from '../adapters/tcp-types.js'

/** What a log line says besides the entry: where and when, and the load at logging time. */
export interface LogLineContext {
  /** Frontend name. HAProxy: `%ft`. */
  readonly frontend: string
  /** When the connection (tcplog) or the request (httplog) was accepted. HAProxy: `%t` / `%tr`. */
  readonly acceptDate: Date
  /** Client connections of the process. HAProxy: `%ac`. @default 0 */
  readonly actconn?: number | undefined
  /** Client connections of the frontend. HAProxy: `%fc`. @default 0 */
  readonly feconn?: number | undefined
  /** Requests/connections in service on the backend. HAProxy: `%bc`. @default 0 */
  readonly beconn?: number | undefined
  /** Requests/connections in service on the server. HAProxy: `%sc`. @default 0 */
  readonly srvConn?: number | undefined
  /** Requests waiting in the server's queue. HAProxy: `%sq`. @default 0 */
  readonly srvQueue?: number | undefined
  /** Requests waiting in the backend's queue. HAProxy: `%bq`. @default 0 */
  readonly backendQueue?: number | undefined
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/**
 * A date as HAProxy logs it, in local time: `06/Feb/2009:12:14:14.655`.
 * HAProxy: `%t`, `%tr` (`%d/%b/%Y:%H:%M:%S.%ms`).
 */
export function formatLogDate(date: Date): string {
  // getMonth() is 0..11.
  const month = MONTHS[date.getMonth()]!
  return `${pad(date.getDate())}/${month}/${date.getFullYear()}:${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
}

/**
 * The request line as HAProxy's `%{+Q}r` logs it: quoted, with `"`, `#` and
 * non-printable characters written `#XX` (HAProxy's URL log encoding).
 */
export function formatRequestLine(method: string, uri: string, httpVersion: string): string {
  const line = `${method} ${uri} HTTP/${httpVersion}`
  let out = '"'
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i)
    if (code < 32 || code >= 127 || code === 0x22 || code === 0x23) out += `#${(code & 0xff).toString(16).toUpperCase().padStart(2, '0')}`
    else out += line[i]
  }
  return `${out}"`
}

/** Whole milliseconds, as HAProxy logs timers (the entries carry fractions; −1 stays −1). */
function ms(value: number): number {
  return Math.floor(value)
}

/** `%ac/%fc/%bc/%sc/%rc %sq/%bq`: the counts, retries prefixed with `+` after a redispatch. */
function counts(ctx: LogLineContext, retries: number, redispatched: boolean): string {
  return `${ctx.actconn ?? 0}/${ctx.feconn ?? 0}/${ctx.beconn ?? 0}/${ctx.srvConn ?? 0}/${redispatched ? '+' : ''}${retries} ${ctx.srvQueue ?? 0}/${ctx.backendQueue ?? 0}`
}

/**
 * One request as HAProxy's `option httplog` writes it:
 * `%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}r`.
 * Differences: `%TR` is the entry's `Tq` (Node parsed the headers before switchyard saw
 * them), `%B` counts response body bytes only (HAProxy counts headers too), captured
 * cookies `%CC`/`%CS` are always `-` and captured headers `%hr`/`%hs` are absent (no
 * `capture` support), as HAProxy prints them without captures. Without a backend
 * (`<NOBACKEND>`), `%b` is the frontend's name, as in HAProxy.
 * HAProxy: `option httplog`
 */
export function formatHttpLog(entry: HttpLogEntry, ctx: LogLineContext): string {
  const e = entry
  // HAProxy names the frontend when no backend was selected.
  const backend = e.backend === '<NOBACKEND>' ? ctx.frontend : e.backend
  return `${e.clientAddress}:${e.clientPort} [${formatLogDate(ctx.acceptDate)}] ${ctx.frontend} ${backend}/${e.server} ${ms(e.Tq)}/${ms(e.Tw)}/${ms(e.Tc)}/${ms(e.Tr)}/${ms(e.Tt)} ${e.status} ${e.bytesOut} - - ${e.termination} ${counts(ctx, e.retries, e.redispatched)} ${formatRequestLine(e.method, e.uri, e.httpVersion)}`
}

/**
 * One connection as HAProxy's `option tcplog` writes it:
 * `%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq`.
 * HAProxy: `option tcplog`
 */
export function formatTcpLog(entry: TcpLogEntry, ctx: LogLineContext): string {
  const e = entry
  return `${e.clientAddress}:${e.clientPort} [${formatLogDate(ctx.acceptDate)}] ${ctx.frontend} ${e.backend}/${e.server} ${ms(e.Tw)}/${ms(e.Tc)}/${ms(e.Tt)} ${e.bytesOut} ${e.termination} ${counts(ctx, e.retries, e.redispatched)}`
}
