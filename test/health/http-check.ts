import t, { type Test } from 'tap'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { buildHttpRequest, createHttpProbe, decodeChunked, type HttpProbeOptions } from '../../lib/health/http-check.js'
import { close, closedPort, listen, probeContext, rawServer, selfSigned } from '../fixtures/net.js'

const BASE = { method: 'OPTIONS', path: '/', version: 'HTTP/1.0', headers: [] } as const

t.test('the request on the wire', (t) => {
  t.equal(buildHttpRequest(BASE).toString(), 'OPTIONS / HTTP/1.0\r\n\r\n', 'HAProxy default: no header at all')
  t.equal(buildHttpRequest({ ...BASE, method: 'GET', path: '/health' }).toString(), 'GET /health HTTP/1.0\r\n\r\n')
  t.equal(
    buildHttpRequest({ method: 'GET', path: '/health', version: 'HTTP/1.1', headers: [['Host', 'app']] }).toString(),
    'GET /health HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n',
    'HTTP/1.1: Connection: close unless configured',
  )
  t.equal(buildHttpRequest({ method: 'GET', path: '/', version: 'HTTP/1.1', headers: [['connection', 'keep-alive']] }).toString(), 'GET / HTTP/1.1\r\nconnection: keep-alive\r\n\r\n')
  t.equal(buildHttpRequest({ ...BASE, method: 'POST' }).toString(), 'POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n', 'a method with a body gets a length')
  t.equal(buildHttpRequest({ ...BASE, method: 'head' }).toString(), 'head / HTTP/1.0\r\n\r\n')
  t.equal(buildHttpRequest({ ...BASE, method: 'PUT', body: 'état' }).toString(), 'PUT / HTTP/1.0\r\nContent-Length: 5\r\n\r\nétat')
  t.equal(buildHttpRequest({ ...BASE, method: 'POST', body: 'x', headers: [['Content-Length', '1']] }).toString(), 'POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\nx')
  t.end()
})

t.test('chunked bodies', (t) => {
  const decode = (s: string) => {
    const r = decodeChunked(Buffer.from(s))
    return [r.body.toString(), r.complete]
  }
  t.same(decode('5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n'), ['hello world', true])
  t.same(decode('5\r\nhel'), ['hel', false])
  t.same(decode('5\r\nhello\r\n'), ['hello', false])
  t.same(decode('5'), ['', false])
  t.same(decode('zz\r\nhello'), ['', true], 'framing we cannot follow: judge what was read')
  t.end()
})

type Handler = (req: IncomingMessage, res: ServerResponse) => void

async function httpServer(t: Test, handler: Handler): Promise<{ port: number; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = []
  const server = createHttpServer((req, res) => {
    seen.push(req)
    handler(req, res)
  })
  const port = await listen(server)
  t.teardown(() => close(server))
  return { port, seen }
}

function probe(port: number, options: Partial<HttpProbeOptions> = {}) {
  return createHttpProbe({ target: { host: '127.0.0.1', port }, ...BASE, ...options })
}

t.test('status checks against node:http', async (t) => {
  const { port, seen } = await httpServer(t, (req, res) => {
    const code = Number(req.url!.slice(1)) || 200
    res.writeHead(code, { 'content-type': 'text/plain' })
    res.end('body')
  })
  const context = probeContext()
  t.same(await probe(port, { method: 'GET', path: '/204' })(context), { status: 'L7OK', code: 204, message: '204 No Content' })
  t.same(context.stages, ['response'])
  t.same([seen[0]!.method, seen[0]!.url, seen[0]!.httpVersion, seen[0]!.rawHeaders], ['GET', '/204', '1.0', []], 'exactly HAProxy’s request')
  t.same(await probe(port, { method: 'GET', path: '/503' })(probeContext()), { status: 'L7STS', code: 503, message: 'HTTP status check returned code 503 Service Unavailable' })
  t.same(await probe(port, { method: 'GET', path: '/404', disableOn404: true })(probeContext()), { status: 'L7OKC', code: 404, message: '404 Not Found (disable-on-404)' })
  t.equal((await probe(port, { method: 'GET', path: '/404', disableOn404: true })(probeContext(false))).status, 'L7STS', 'a DOWN server stays DOWN')
  t.equal((await probe(port, { expect: { type: 'status', codes: '200-299' } })(probeContext())).status, 'L7OK', 'OPTIONS /')
})

t.test('body checks: content-length, chunked, close-delimited', async (t) => {
  const { port } = await httpServer(t, (req, res) => {
    if (req.url === '/length') res.end('state: ready')
    else {
      res.write('state: ')
      setImmediate(() => res.end('ready'))
    }
  })
  const ready = { type: 'string', text: 'ready' } as const
  t.equal((await probe(port, { path: '/length', expect: ready })(probeContext())).status, 'L7OK')
  t.equal((await probe(port, { path: '/chunked', version: 'HTTP/1.1', headers: [['Host', 'x']], expect: ready })(probeContext())).status, 'L7OK', 'HTTP/1.1 response is chunked')
  t.equal((await probe(port, { path: '/close', expect: ready })(probeContext())).status, 'L7OK', 'HTTP/1.0 response ends with the close')
  t.same(await probe(port, { path: '/length', expect: { type: 'string', text: 'busy' } })(probeContext()), { status: 'L7RSP', code: 200, message: 'HTTP content check did not match' })
})

t.test('only the first 16 KiB are read', async (t) => {
  const big = `${'x'.repeat(20_000)}MARK`
  const { port } = await httpServer(t, (_req, res) => {
    res.writeHead(200, { 'content-length': Buffer.byteLength(big) })
    res.end(big)
  })
  t.equal((await probe(port, { expect: { type: 'string', text: 'MARK' } })(probeContext())).status, 'L7RSP')
  t.equal((await probe(port, { expect: { type: 'string', text: 'xxx' } })(probeContext())).status, 'L7OK')
  t.equal((await probe(port, { expect: { type: 'string', text: 'MARK' }, maxResponse: 30_000 })(probeContext())).status, 'L7OK')
})

t.test('raw responses: early decision, partial bodies, garbage', async (t) => {
  const responses: Record<string, (socket: import('node:net').Socket) => void> = {
    '/hang-after-headers': (s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npart'),
    '/partial': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nstate: ready'),
    '/garbage': (s) => s.end('NOPE\r\n\r\n'),
    '/early-close': (s) => s.end('HTTP/1.1 200 OK\r\nContent-'),
    '/split': (s) => {
      s.write('HTTP/1.0 2')
      setImmediate(() => s.end('00\r\nX-A: b\r\n\r\n'))
    },
    '/no-reason': (s) => s.end('HTTP/1.1 200\r\nweird-line-without-colon\r\n\r\n'),
    '/huge-headers': (s) => s.end(`HTTP/1.1 200 OK\r\nx: ${'y'.repeat(20_000)}\r\n\r\n`),
    '/chunked-partial': (s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nready\r\n'),
  }
  const server = await rawServer((socket) => {
    socket.once('data', (chunk) => {
      const path = chunk.toString().split(' ')[1]!
      responses[path]!(socket)
    })
  })
  t.teardown(server.close)
  const run = (path: string, options: Partial<HttpProbeOptions> = {}) => probe(server.port, { path, ...options })(probeContext())
  t.same(await run('/hang-after-headers'), { status: 'L7OK', code: 200, message: '200 OK' }, 'a status rule decides on the headers')
  t.same(await run('/partial', { expect: { type: 'string', text: 'ready' } }), { status: 'L7OK', code: 200, message: '200 OK' }, 'closed before content-length: judged on what came')
  t.same(await run('/garbage'), { status: 'L7RSP', message: 'Invalid HTTP response' })
  t.same(await run('/early-close'), { status: 'L7RSP', message: 'Connection closed before a complete response' })
  t.same(await run('/split'), { status: 'L7OK', code: 200, message: '200' })
  t.same(await run('/no-reason'), { status: 'L7OK', code: 200, message: '200' })
  t.same(await run('/huge-headers'), { status: 'L7RSP', message: 'Response headers too large' })
  t.same(await run('/chunked-partial', { expect: { type: 'string', text: 'ready' } }), { status: 'L7OK', code: 200, message: '200 OK' })
  t.same(String(Buffer.concat(server.received)).split('\r\n')[0], 'OPTIONS /hang-after-headers HTTP/1.0')
})

t.test('https checks', async (t) => {
  const { key, cert } = selfSigned()
  const server = createHttpsServer({ key, cert }, (req, res) => {
    res.writeHead(req.url === '/ok' ? 200 : 500)
    res.end()
  })
  const port = await listen(server)
  t.teardown(() => close(server))
  const context = probeContext()
  t.same(await probe(port, { path: '/ok', tls: { ca: cert } })(context), { status: 'L7OK', code: 200, message: '200 OK' })
  t.same(context.stages, ['handshake', 'response'])
  t.equal((await probe(port, { path: '/fail', tls: { ca: cert } })(probeContext())).status, 'L7STS')
  t.equal((await probe(port, { path: '/ok', tls: {} })(probeContext())).status, 'L6RSP', 'untrusted certificate')
})

t.test('refused, and a server that never answers (aborted by the monitor)', async (t) => {
  const port = await closedPort()
  t.same(await probe(port)(probeContext()), { status: 'L4CON', message: 'Connection refused' })
  const silent = await rawServer(() => {})
  t.teardown(silent.close)
  const context = probeContext()
  const pending = probe(silent.port)(context)
  await new Promise((resolve) => setTimeout(resolve, 20))
  context.controller.abort()
  t.same(await pending, { status: 'L7TOUT', message: 'aborted' })
})
