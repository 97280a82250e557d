/**
 * The stats endpoint: HTML (default), `?format=json`, `;csv` or `?format=csv`,
 * `?format=prometheus` (or an `Accept: application/openmetrics-text` /
 * `text/plain; version=0.0.4` request, as Prometheus sends).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { toCsv } from './csv.js'
import { toJson } from './json.js'
import { renderPage } from './page.js'
import { toPrometheus } from './prometheus.js'
import type { ProxyStats } from './types.js'

/** Options of the stats handler. */
export interface StatsHandlerOptions {
  /** Refresh period of the HTML page in ms, 0 = never. HAProxy: `stats refresh`. @default 5000 */
  readonly refresh?: number | undefined
}

/** The formats the handler serves. */
export type StatsFormat = 'html' | 'json' | 'csv' | 'prometheus'

/** Picks the format from the URL and the Accept header. */
export function statsFormat(url: string, accept: string | undefined): StatsFormat {
  const query = url.indexOf('?')
  const path = query < 0 ? url : url.slice(0, query)
  // HAProxy's default `stats uri` has a query: its CSV is `/haproxy?stats;csv`.
  if (path.endsWith(';csv') || url.endsWith(';csv')) return 'csv'
  const format = query < 0 ? null : new URLSearchParams(url.slice(query + 1)).get('format')
  if (format === 'json' || format === 'csv' || format === 'prometheus') return format
  if (path.endsWith(';json') || url.endsWith(';json')) return 'json'
  if (accept !== undefined && (accept.includes('text/plain; version=0.0.4') || accept.includes('application/openmetrics-text'))) return 'prometheus'
  return 'html'
}

const TYPES: Readonly<Record<StatsFormat, string>> = {
  html: 'text/html; charset=utf-8',
  json: 'application/json',
  csv: 'text/plain; charset=utf-8',
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
}

/** Creates a `(req, res)` stats handler reading a fresh snapshot per request. */
export function createStatsHandler(snapshot: () => ProxyStats, options: StatsHandlerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const refresh = options.refresh ?? 5000
  return (req, res) => {
    const format = statsFormat(req.url!, req.headers.accept) // node:http always sets url on server requests
    const stats = snapshot()
    const body = format === 'json' ? toJson(stats) : format === 'csv' ? toCsv(stats) : format === 'prometheus' ? toPrometheus(stats) : renderPage(stats, refresh)
    res.writeHead(200, { 'content-type': TYPES[format], 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(body) })
    res.end(req.method === 'HEAD' ? undefined : body)
  }
}
