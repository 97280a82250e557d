/**
 * Broken servers (issue 11, part 2): raw-socket upstreams sending malformed or
 * misbehaving responses behind a createProxy backend. Each is answered as
 * docs/hardening.md says — 502 with a termination state when nothing was sent
 * yet, the partial body and a cut client connection once the head went out —
 * and a broken server connection is never reused: the next request opens a new
 * one (counted by the fixture).
 */
import t, { type Test } from 'tap'
import type { AddressInfo, Socket } from 'node:net'
import { createProxy } from '../../lib/proxy.js'
import type { HttpLogEntry } from '../../lib/adapters/types.js'
import type { LeaseOutcome } from '../../lib/queue/types.js'
import { headerValues, rawRequest, type RawExchange } from '../fixtures/raw-client.js'
import { okResponse, rawResponseServer, type RawRequest, type RawResponseServer } from '../fixtures/raw-response-server.js'
import { until } from '../fixtures/http.js'

interface Setup {
  readonly port: number
  readonly server: RawResponseServer
  readonly logs: HttpLogEntry[]
  readonly releases: [LeaseOutcome, number | undefined][]
}

/** A proxy (retries off: one attempt per request) in front of a raw server; the first request gets `first`, later ones a good 200. */
async function setup(t: Test, first: (socket: Socket, request: RawRequest) => void, later: (socket: Socket, request: RawRequest) => void = (s) => s.write(okResponse('fine'))): Promise<Setup> {
  let n = 0
  const server = await rawResponseServer(t, (socket, request) => (++n === 1 ? first(socket, request) : later(socket, request)))
  const logs: HttpLogEntry[] = []
  const releases: [LeaseOutcome, number | undefined][] = []
  const proxy = createProxy({ log: (e) => logs.push(e) })
  const backend = proxy.addBackend('be', { retries: 0 })
  backend.addServer('s1', { address: server.address })
  backend.core.on('lease:release', (_lease, outcome, status) => releases.push([outcome, status]))
  const listening = await proxy.listen(0)
  t.teardown(() => proxy.close({ hardStopAfter: 0 }))
  return { port: (listening.address() as AddressInfo).port, server, logs, releases }
}

const GET = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'

function get(port: number, request = GET, head = false): Promise<RawExchange> {
  return rawRequest(port, request, { responses: 1, timeout: 2000, ...(head ? { head: () => true } : {}) })
}

/** The next request succeeds on a new server connection: the broken one was not pooled. */
async function nextUsesNewConnection(t: Test, s: Setup): Promise<void> {
  const before = s.server.accepted
  const res = await get(s.port)
  t.same(res.responses.map((r) => [r.status, r.body.toString()]), [[200, 'fine']], 'the next request succeeds')
  t.equal(s.server.accepted, before + 1, 'on a new server connection')
  t.equal(s.server.requests.at(-1)!.index, 1, 'as the first request of that connection')
}

async function logged(s: Setup, n: number): Promise<HttpLogEntry> {
  await until(() => s.logs.length >= n)
  return s.logs[n - 1]!
}

const MALFORMED: readonly [string, string][] = [
  ['bad status line', 'HTTP/1.1 2000 OK\r\ncontent-length: 0\r\n\r\n'],
  ['not HTTP at all', 'SSH-2.0-OpenSSH_9.2\r\n\r\n'],
  ['status line without a code', 'HTTP/1.1 OK\r\ncontent-length: 0\r\n\r\n'],
  ['header with a space before the colon', 'HTTP/1.1 200 OK\r\nx-a : 1\r\ncontent-length: 0\r\n\r\n'],
  ['header with NUL', 'HTTP/1.1 200 OK\r\nx-a: 1\x002\r\ncontent-length: 0\r\n\r\n'],
  ['header line without a colon', 'HTTP/1.1 200 OK\r\nx-a 1\r\ncontent-length: 0\r\n\r\n'],
  ['obs-fold', 'HTTP/1.1 200 OK\r\nx-a: 1\r\n 2\r\ncontent-length: 0\r\n\r\n'],
  ['bare LF line ends', 'HTTP/1.1 200 OK\nx-a: 1\ncontent-length: 0\n\n'],
  ['duplicate Content-Length (equal)', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 2\r\n\r\nok'],
  ['conflicting Content-Length', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 5\r\n\r\nokabc'],
  ['Content-Length list', 'HTTP/1.1 200 OK\r\ncontent-length: 2, 2\r\n\r\nok'],
  ['negative Content-Length', 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\nok'],
  ['CL + TE', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'],
  ['invalid chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n'],
  ['response header block over 16 KiB', `HTTP/1.1 200 OK\r\nx-big: ${'v'.repeat(20_000)}\r\ncontent-length: 0\r\n\r\n`],
  ['status 099', 'HTTP/1.1 099 Weird\r\ncontent-length: 0\r\n\r\n'],
  ['control byte in the reason phrase', 'HTTP/1.1 200 O\x01K\r\ncontent-length: 0\r\n\r\n'],
  ['101 to a plain request', 'HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n'],
  ['header name with a space', 'HTTP/1.1 200 OK\r\nx a: 1\r\ncontent-length: 0\r\n\r\n'],
  ['Transfer-Encoding gzip (not chunked)', 'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\nabc'],
]

t.test('malformed responses: 502 PH, bad-response, the connection dropped', async (t) => {
  for (const [name, bytes] of MALFORMED) {
    await t.test(name, async (t) => {
      const s = await setup(t, (socket) => socket.write(bytes))
      const res = await get(s.port)
      // An invalid chunk size is only seen once the head was handed to Node (which sends it with
      // the first body byte): the client connection is closed without an answer.
      if (name === 'invalid chunk size') {
        t.same(res.responses, [], 'no answer')
        t.equal(res.closed, true, 'client connection cut')
        t.match(await logged(s, 1), { status: 200, termination: 'SD--' })
      } else {
        t.same(res.responses.map((r) => r.status), [502])
        t.match(await logged(s, 1), { status: 502, termination: 'PH--', server: 's1' })
      }
      t.same(s.releases[0]?.[0], 'bad-response', 'lease released as a bad response')
      await nextUsesNewConnection(t, s)
    })
  }
})

t.test('closed or reset before the head: 502 SH', async (t) => {
  for (const [name, act] of [
    ['closed without a byte', (socket: Socket) => socket.end()],
    ['reset without a byte', (socket: Socket) => socket.resetAndDestroy()],
    ['closed mid-head', (socket: Socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-le')],
  ] as const) {
    await t.test(name, async (t) => {
      const s = await setup(t, act)
      const res = await get(s.port)
      t.same(res.responses.map((r) => r.status), [502])
      t.match(await logged(s, 1), { status: 502, termination: 'SH--' })
      t.same(s.releases[0]?.[0], 'bad-response')
      await nextUsesNewConnection(t, s)
    })
  }
})

t.test('truncated and reset bodies: the partial body, then the client connection cut (SD)', async (t) => {
  for (const [name, act] of [
    ['Content-Length 10, 2 bytes, FIN', (socket: Socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nok')],
    ['Content-Length 10, 2 bytes, RST', (socket: Socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nok', () => setTimeout(() => socket.resetAndDestroy(), 20))],
    ['chunked without the last chunk, FIN', (socket: Socket) => socket.end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n')],
    ['chunked, RST mid-chunk', (socket: Socket) => socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nok', () => setTimeout(() => socket.resetAndDestroy(), 20))],
  ] as const) {
    await t.test(name, async (t) => {
      const s = await setup(t, act)
      const res = await get(s.port)
      t.equal(res.responses.length, 1)
      t.equal(res.responses[0]?.status, 200, 'the head was forwarded')
      t.equal(res.responses[0]?.body.toString(), 'ok', 'then the partial body')
      t.equal(res.responses[0]?.complete, false, 'never completed')
      t.equal(res.closed, true, 'the client connection is cut')
      t.match(await logged(s, 1), { status: 200, termination: 'SD--', bytesOut: 2 })
      t.same(s.releases[0], ['bad-response', 200])
      await nextUsesNewConnection(t, s)
    })
  }
})

t.test('stray body bytes after 204, 304 and a HEAD answer: delivered without a body, the connection dropped', async (t) => {
  for (const [name, bytes, request, status] of [
    ['204 with 5 bytes', 'HTTP/1.1 204 No Content\r\n\r\nhello', GET, 204],
    ['304 with 5 bytes', 'HTTP/1.1 304 Not Modified\r\n\r\nhello', GET, 304],
    ['HEAD answered with its body', 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello', 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n', 200],
  ] as const) {
    await t.test(name, async (t) => {
      const s = await setup(t, (socket) => socket.write(bytes))
      const res = await get(s.port, request, request.startsWith('HEAD'))
      t.same(res.responses.map((r) => [r.status, r.body.length]), [[status, 0]])
      if (status === 200) t.same(headerValues(res.responses[0]!, 'content-length'), ['5'], 'HEAD keeps the Content-Length as sent')
      t.notMatch(res.raw.toString('latin1'), /hello/, 'the stray bytes never reach the client')
      t.match(await logged(s, 1), { status, termination: '----' })
      t.same(s.releases[0], ['ok', status])
      await nextUsesNewConnection(t, s)
    })
  }
})

t.test('50 Set-Cookie lines are forwarded as 50 lines, byte for byte', async (t) => {
  const cookies = Array.from({ length: 50 }, (_, i) => `c${i}=v${i}; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/`)
  const s = await setup(t, (socket) => socket.write(okResponse('ok', cookies.map((c) => `Set-Cookie: ${c}\r\n`).join(''))))
  const res = await get(s.port)
  t.same(headerValues(res.responses[0]!, 'set-cookie'), cookies)
  await get(s.port)
  t.equal(s.server.accepted, 1, 'a good connection is reused')
})

t.test('an HTTP/2.0 status line is accepted by undici as HTTP/1.x (documented): forwarded, not reused', async (t) => {
  const s = await setup(t, (socket) => socket.write('HTTP/2.0 200 OK\r\ncontent-length: 2\r\n\r\nok'))
  const res = await get(s.port)
  t.same(res.responses.map((r) => [r.status, r.body.toString()]), [[200, 'ok']])
  await nextUsesNewConnection(t, s)
})

t.test('a status outside 100..599 but of three digits (600) is forwarded as sent, the connection kept', async (t) => {
  const s = await setup(t, (socket) => socket.write('HTTP/1.1 600 Weird\r\ncontent-length: 2\r\n\r\nok'))
  const res = await get(s.port)
  t.same(res.responses.map((r) => [r.statusLine, r.body.toString()]), [['HTTP/1.1 600 Weird', 'ok']])
  await get(s.port)
  t.equal(s.server.accepted, 1)
})

t.test('an unsolicited 100 Continue: undici refuses it (switchyard never sends Expect upstream): 502 PH, not reused', async (t) => {
  const s = await setup(t, (socket) => socket.write(`HTTP/1.1 100 Continue\r\n\r\n${okResponse('final')}`))
  const res = await get(s.port)
  t.same(res.responses.map((r) => r.status), [502])
  t.match(await logged(s, 1), { status: 502, termination: 'PH--' })
  t.same(s.releases[0]?.[0], 'bad-response')
  await nextUsesNewConnection(t, s)
})

t.test('1xx other than 100 before the final answer: dropped, the final answer forwarded, the connection kept', async (t) => {
  for (const [name, interim] of [
    ['103 Early Hints', 'HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n'],
    ['two 103', 'HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </b.js>; rel=preload\r\n\r\n'],
    ['102 Processing', 'HTTP/1.1 102 Processing\r\n\r\n'],
  ] as const) {
    await t.test(name, async (t) => {
      const s = await setup(t, (socket) => socket.write(interim + okResponse('final')))
      const res = await get(s.port)
      t.same(res.responses.map((r) => [r.status, r.body.toString()]), [[200, 'final']], 'interim answers are dropped (documented)')
      await get(s.port)
      t.equal(s.server.accepted, 1, 'the connection is reused')
    })
  }
})

t.test('response trailers: the body complete, trailers dropped, the connection kept', async (t) => {
  const s = await setup(t, (socket) => socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: x-t\r\n\r\n4\r\nbody\r\n0\r\nx-t: 1\r\n\r\n'))
  const res = await get(s.port, 'GET / HTTP/1.1\r\nHost: a\r\nTE: trailers\r\n\r\n')
  t.same(res.responses.map((r) => [r.status, r.body.toString(), r.complete]), [[200, 'body', true]])
  t.notMatch(res.raw.toString('latin1'), /x-t: 1/)
  t.same(headerValues(res.responses[0]!, 'trailer'), [], 'Trailer is hop-by-hop')
  await get(s.port)
  t.equal(s.server.accepted, 1)
})

t.test('a close-delimited body is forwarded completely, re-framed', async (t) => {
  const body = 'x'.repeat(100_000)
  const s = await setup(t, (socket) => socket.end(`HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n${body}`))
  const res = await get(s.port)
  t.equal(res.responses[0]?.status, 200)
  t.equal(res.responses[0]?.complete, true)
  t.equal(res.responses[0]?.body.length, body.length)
  t.same(headerValues(res.responses[0]!, 'transfer-encoding'), ['chunked'], 'framed for the client')
  t.match(await logged(s, 1), { status: 200, termination: '----', bytesOut: body.length })
  t.same(s.releases[0], ['ok', 200])
  await nextUsesNewConnection(t, s)
})

t.test('Content-Length 0 with extra bytes: the answer delivered, the connection dropped', async (t) => {
  const s = await setup(t, (socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nforged'))
  const res = await get(s.port)
  t.same(res.responses.map((r) => [r.status, r.body.toString()]), [[200, '']])
  t.match(await logged(s, 1), { status: 200, termination: '----' })
  // The forged second answer must not be taken as the answer to the next request.
  await nextUsesNewConnection(t, s)
})
