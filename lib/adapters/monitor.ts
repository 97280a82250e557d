/**
 * HAProxy `monitor-uri`: a path answered by switchyard itself — 200 "Service
 * ready." while the monitored backends can take traffic, 503 otherwise
 * (HAProxy `monitor fail if { nbsrv(be) lt 1 }`). Not logged, like HAProxy.
 */
import type { ServerResponse } from 'node:http'
import { sendPage, type ErrorPageTable } from './error-pages.js'

/**
 * True when the request targets the monitor URI: when `uri` starts with `/`, the
 * target's path *with its query string* equals it (for an absolute-form target,
 * scheme and authority are dropped first); else the whole request target equals
 * it. HAProxy 2.6 compares `http_parse_path()`, which keeps the query: verified
 * against haproxy 2.6 by the conformance suite (`/alive?x=1` is forwarded).
 */
export function isMonitorRequest(url: string | undefined, uri: string): boolean {
  if (url === undefined) return false
  return uri.startsWith('/') ? pathWithQuery(url) === uri : url === uri
}

function pathWithQuery(url: string): string {
  if (url.startsWith('/')) return url
  try {
    const u = new URL(url)
    return u.pathname + u.search
  } catch {
    return url
  }
}

/** Answers a monitor request: the 200 page, or the 503 page when `failing`. */
export function answerMonitor(res: ServerResponse, pages: ErrorPageTable, failing: boolean): void {
  sendPage(res, failing ? pages[503] : pages[200], false)
}
