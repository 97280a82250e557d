import t from 'tap'
import { PassThrough } from 'node:stream'
import { BUILTIN_ERROR_PAGES } from '../../lib/adapters/error-pages.js'
import { ruleReply, writeRawRuleReply } from '../../lib/adapters/rule-reply.js'
import type { RequestVerdict } from '../../lib/rules/types.js'

function verdict(fields: Partial<RequestVerdict>): RequestVerdict {
  return { action: 'deny', status: 403, body: undefined, contentType: undefined, replyHeaders: undefined, ...fields } as RequestVerdict
}

t.test('reply for each kind of verdict', (t) => {
  const page = ruleReply(verdict({ replyHeaders: ['x-a', '1'] }), BUILTIN_ERROR_PAGES)
  t.same([page.status, page.reason, page.body.toString()], [403, 'Forbidden', BUILTIN_ERROR_PAGES[403].body.toString()])
  t.same(page.headers, [...BUILTIN_ERROR_PAGES[403].headers, 'x-a', '1'])
  t.same(BUILTIN_ERROR_PAGES[403].headers.length, 6, 'the shared page is not modified')
  const redirect = ruleReply(verdict({ action: 'redirect', status: 302, replyHeaders: ['location', '/x'] }), BUILTIN_ERROR_PAGES)
  t.same([redirect.reason, redirect.headers, redirect.body.length], ['Found', ['content-length', '0', 'location', '/x'], 0])
  const body = ruleReply(verdict({ action: 'return', status: 200, body: 'hé' }), BUILTIN_ERROR_PAGES)
  t.same([body.reason, body.headers, body.body.toString()], ['OK', ['content-length', '3', 'cache-control', 'no-cache', 'content-type', 'text/plain'], 'hé'])
  const typed = ruleReply(verdict({ action: 'return', status: 200, body: '{}', contentType: 'application/json' }), BUILTIN_ERROR_PAGES)
  t.equal(typed.headers[5], 'application/json')
  const unknown = ruleReply(verdict({ status: 599 }), BUILTIN_ERROR_PAGES)
  t.same([unknown.reason, unknown.body.toString()], ['', '<html><body><h1>599 </h1>\n</body></html>\n'])
  const limited = ruleReply(verdict({ status: 429 }), BUILTIN_ERROR_PAGES)
  t.same([limited.reason, limited.headers[5]], ['Too Many Requests', 'text/html'])
  t.match(limited.body.toString(), /^<html><body><h1>429 Too Many Requests<\/h1>/)
  t.end()
})

t.test('raw replies on an upgrade socket drop header lines that would split the head', async (t) => {
  const socket = new PassThrough()
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  const ended = new Promise((resolve) => socket.on('end', resolve))
  writeRawRuleReply(socket, { status: 429, reason: 'Too Many Requests', headers: ['retry-after', '3', 'x-evil', 'a\r\nset-cookie: x=1'], body: Buffer.from('no') })
  await ended
  t.equal(Buffer.concat(chunks).toString('latin1'), 'HTTP/1.1 429 Too Many Requests\r\nretry-after: 3\r\nconnection: close\r\n\r\nno')
})
