import { PassThrough } from 'node:stream'
import t from 'tap'
import {
  BUILTIN_ERROR_BODIES,
  BUILTIN_ERROR_PAGES,
  ERROR_REASONS,
  ERROR_STATUSES,
  compileErrorPages,
  compileOwnPages,
  writeRawPage,
} from '../../lib/adapters/error-pages.js'
import { isSwitchyardError } from '../../lib/errors.js'

t.test('built-in pages are HAProxy 2.6 pages', async (t) => {
  // haproxy-semantics §6.4: the 503 page is 107 bytes; §9.6: the monitor page is 58 bytes.
  t.equal(BUILTIN_ERROR_PAGES[503].body.length, 107)
  t.equal(BUILTIN_ERROR_PAGES[200].body.toString(), '<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n')
  t.equal(BUILTIN_ERROR_PAGES[200].body.length, 58)
  t.same(BUILTIN_ERROR_PAGES[503].headers, ['content-length', '107', 'cache-control', 'no-cache', 'content-type', 'text/html'])
  t.equal(ERROR_REASONS[504], 'Gateway Time-out')
  for (const status of ERROR_STATUSES) {
    t.equal(BUILTIN_ERROR_PAGES[status].status, status)
    t.equal(BUILTIN_ERROR_PAGES[status].body.toString(), BUILTIN_ERROR_BODIES[status])
    t.match(BUILTIN_ERROR_BODIES[status], new RegExp(`^<html><body><h1>${status} `))
  }
})

t.test('layers: first definition wins, then the built-in page', async (t) => {
  const table = compileErrorPages({ 503: 'front 503' }, { 503: 'back 503', 502: { body: Buffer.from('{"e":502}'), contentType: 'application/json', headers: { 'Retry-After': '1' } } })
  t.equal(table[503].body.toString(), 'front 503')
  t.same(table[503].headers, ['content-length', '9', 'cache-control', 'no-cache', 'content-type', 'text/html'])
  t.same(table[502].headers, ['content-length', '9', 'cache-control', 'no-cache', 'content-type', 'application/json', 'retry-after', '1'])
  t.equal(table[504], table[504])
  t.equal(table[504].body.toString(), BUILTIN_ERROR_BODIES[504])
})

t.test('own pages compile only what is given', async (t) => {
  const own = compileOwnPages({ 408: 'slow' })
  t.same(Object.keys(own), ['408'])
  t.equal(own[408]!.body.toString(), 'slow')
})

t.test('invalid headers are refused at compile time', async (t) => {
  let err: unknown
  try {
    compileErrorPages({ 503: { body: 'x', headers: { 'x-bad': 'a\r\nb' } } })
  } catch (e) {
    err = e
  }
  t.ok(isSwitchyardError(err))
  t.match(err, { code: 'SWY_ERR_INVALID_OPTION', details: { status: 503, header: 'x-bad' } })
})

t.test('raw pages end the socket with connection: close', async (t) => {
  const socket = new PassThrough()
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  writeRawPage(socket, BUILTIN_ERROR_PAGES[400])
  await new Promise((r) => socket.on('end', r))
  const text = Buffer.concat(chunks).toString()
  t.equal(
    text,
    'HTTP/1.1 400 Bad request\r\ncontent-length: 90\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n' + BUILTIN_ERROR_BODIES[400],
  )
  t.equal(Buffer.byteLength(BUILTIN_ERROR_BODIES[400]), 90)
})
