/**
 * HAProxy `monitor-uri`: a path answered by switchyard itself — 200 "Service
 * ready." while the monitored backends can take traffic, 503 otherwise
 * (HAProxy `monitor fail if { nbsrv(be) lt 1 }`). Not logged, like HAProxy.
 */
import type { ServerResponse } from 'node:http'
import { pathOf } from '../routing/router.js'
import { sendPage, type ErrorPageTable } from './error-pages.js'

/**
 * True when the request targets the monitor URI: the path equals `uri` when `uri`
 * starts with `/`, else the whole request target equals it (HAProxy's rule).
 */
export function isMonitorRequest(url: string | undefined, uri: string): boolean {
  return uri.startsWith('/') ? pathOf(url) === uri : url === uri
}

/** Answers a monitor request: the 200 page, or the 503 page when `failing`. */
export function answerMonitor(res: ServerResponse, pages: ErrorPageTable, failing: boolean): void {
  sendPage(res, failing ? pages[503] : pages[200], false)
}
