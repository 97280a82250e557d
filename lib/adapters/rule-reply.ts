/**
 * Local answers decided by request rules (`deny`, `tarpit`, `redirect`,
 * `return`): the status, the verdict's reply headers, and its body — or the
 * error page of that status when the rule gave none (an empty body for a
 * redirect). Built once per denied request, off the forwarding path.
 * HAProxy: `http-request deny|tarpit|return|redirect`.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { RequestVerdict } from '../rules/types.js'
import { ERROR_REASONS, type ErrorPageTable } from './error-pages.js'
import type { ErrorStatus } from './types.js'

/** HAProxy 2.6's texts for statuses rules commonly answer that have no switchyard error page. */
const RULE_BODIES: Readonly<Record<number, string>> = {
  401: '<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n',
  405: '<html><body><h1>405 Method Not Allowed</h1>\nA request was made of a resource using a request method not supported by that resource\n</body></html>\n',
  410: '<html><body><h1>410 Gone</h1>\nThe resource is no longer available and will not be available again.\n</body></html>\n',
  429: '<html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n',
}

/** A local reply ready to write. */
export interface RuleReply {
  readonly status: number
  readonly reason: string
  /** Flat `[name, value, …]`, lower-case names. */
  readonly headers: string[]
  readonly body: Buffer
}

/** The reply for a verdict whose action is not `continue`. */
export function ruleReply(verdict: RequestVerdict, pages: ErrorPageTable): RuleReply {
  const status = verdict.status
  const page = (pages as Partial<Record<number, ErrorPageTable[ErrorStatus]>>)[status]
  const reason = page !== undefined ? ERROR_REASONS[page.status] : (STATUS_CODES[status] ?? '')
  let headers: string[]
  let body: Buffer
  if (verdict.body !== undefined) {
    body = Buffer.from(verdict.body)
    headers = ['content-length', String(body.length), 'cache-control', 'no-cache', 'content-type', verdict.contentType ?? 'text/plain']
  } else if (verdict.action === 'redirect') {
    body = Buffer.alloc(0)
    headers = ['content-length', '0']
  } else if (page !== undefined) {
    body = page.body
    headers = [...page.headers]
  } else {
    body = Buffer.from(RULE_BODIES[status] ?? `<html><body><h1>${status} ${reason}</h1>\n</body></html>\n`)
    headers = ['content-length', String(body.length), 'cache-control', 'no-cache', 'content-type', 'text/html']
  }
  const extra = verdict.replyHeaders
  if (extra !== undefined) for (let i = 0; i < extra.length; i++) headers.push(extra[i]!)
  return { status, reason, headers, body }
}

/**
 * Writes `reply` on a `ServerResponse` (false when Node refuses a header a
 * rule built, e.g. a control character from a `%[hdr(…)]` sample).
 */
export function sendRuleReply(res: ServerResponse, reply: RuleReply): boolean {
  try {
    res.writeHead(reply.status, reply.reason, reply.headers)
  } catch {
    return false
  }
  res.end(reply.body)
  return true
}

/** Writes `reply` as raw HTTP/1.1 bytes on an upgrade socket, then closes it. */
export function writeRawRuleReply(socket: Duplex, reply: RuleReply): void {
  let head = `HTTP/1.1 ${reply.status} ${reply.reason}\r\n`
  // Raw bytes bypass Node's header checks: drop lines that would split the head.
  for (let i = 0; i < reply.headers.length; i += 2) {
    const line = `${reply.headers[i]}: ${reply.headers[i + 1]}`
    if (!/[\r\n]/.test(line)) head += `${line}\r\n`
  }
  head += 'connection: close\r\n\r\n'
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), reply.body]))
}
