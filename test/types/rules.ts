/**
 * Compile-only checks (tsc, not tap): a node:http request fits the rules'
 * request view, and the option types refuse common mistakes.
 */
import type { IncomingMessage } from 'node:http'
import { RuleSet, type RequestRule, type RuleRequest } from '../../lib/index.js'

export function view(req: IncomingMessage, target: string): RuleRequest {
  // IncomingHttpHeaders is accepted as is: no copy.
  return { method: req.method ?? 'GET', url: target, headers: req.headers, source: req.socket.remoteAddress ?? '' }
}

export const ok: RequestRule[] = [
  { action: 'deny', status: 429, retryAfter: 10 },
  { action: 'redirect', type: 'scheme', value: 'https', code: 301 },
  { action: 'track', slot: 1, key: { header: 'x-api-key' }, table: 't' },
]

export const bad: RequestRule[] = [
  // @ts-expect-error redirect codes are 301, 302, 303, 307, 308
  { action: 'redirect', type: 'location', value: '/', code: 304 },
  // @ts-expect-error slots are 0, 1, 2
  { action: 'track', slot: 3, key: 'src' },
  // @ts-expect-error RegExp values only for regex matches
  { action: 'deny', if: { kind: 'path', match: { op: 'prefix', values: /x/ } } },
  // @ts-expect-error unknown action
  { action: 'auth' },
]

// @ts-expect-error response-only actions are not request actions
new RuleSet({ request: [{ action: 'set-status', status: 503 }] })
