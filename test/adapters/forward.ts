import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import t from 'tap'
import type { HttpLogEntry, LeaseSource } from '../../lib/adapters/types.js'
import { FixtureSource } from '../fixtures/lease-source.js'
import { delay, echo, listen, proxy, send, until, upstream } from '../fixtures/http.js'
import { blackhole, rawServer, refusedAddress, selfSignedCert } from '../fixtures/faults.js'

/** An upstream that counts requests by method and answers `status`. */
function counting(name: string, status: number, counts: Map<string, number>): http.RequestListener {
  return (req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      counts.set(`${name} ${req.method}`, (counts.get(`${name} ${req.method}`) ?? 0) + 1)
      res.writeHead(status, { 'x-server': name })
      res.end(`${name}:${body}`)
    })
  }
}

/** Logs collected from a proxy. */
function collector(): { logs: HttpLogEntry[]; log: (e: HttpLogEntry) => void } {
  const logs: HttpLogEntry[] = []
  return { logs, log: (e) => logs.push(e) }
}

t.test('request bodies are framed by switchyard: Content-Length, chunked, and a GET body', async (t) => {
  const requests: { method: string; headers: http.IncomingHttpHeaders; body: string }[] = []
  const a = await upstream(t, (req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      requests.push({ method: req.method!, headers: req.headers, body })
      res.end('ok')
    })
  })
  const p = await proxy(t, [a])
  await send(p.port, { method: 'POST', body: 'hello' })
  await send(p.port, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' }, body: 'chunked body' })
  // The smuggling case of docs/node-proxy-hazards.md finding 2: a chunked GET body whose payload is a request.
  await send(p.port, { method: 'GET', headers: { 'transfer-encoding': 'chunked' }, body: 'GET /admin-smuggled HTTP/1.1\r\nHost: a\r\n\r\n' })
  await until(() => requests.length === 3)
  await delay(20)
  t.equal(requests.length, 3, 'no smuggled request')
  t.match(requests[0], { method: 'POST', headers: { 'content-length': '5' }, body: 'hello' })
  t.match(requests[1], { method: 'PUT', headers: { 'transfer-encoding': 'chunked' }, body: 'chunked body' })
  t.match(requests[2], { method: 'GET', headers: { 'transfer-encoding': 'chunked' }, body: 'GET /admin-smuggled HTTP/1.1\r\nHost: a\r\n\r\n' })
})

t.test('large bodies stream both ways', async (t) => {
  const big = Buffer.alloc(3 * 1024 * 1024, 'x')
  const a = await upstream(t, (req, res) => {
    let n = 0
    req.on('data', (c: Buffer) => (n += c.length))
    req.on('end', () => {
      res.setHeader('x-received', String(n))
      res.end(big)
    })
  })
  const p = await proxy(t, [a])
  const reply = await send(p.port, { method: 'POST', body: big })
  t.equal(reply.headers['x-received'], String(big.length))
  t.equal(reply.body.length, big.length)
  t.same(p.source.releases, [{ server: 's1', outcome: 'ok', status: 200 }])
})

t.test('connection refused: retried on the same server after the turn-around delay, then 503 SC', async (t) => {
  const dead = await refusedAddress()
  const { logs, log } = collector()
  const p = await proxy(t, [dead], { retries: 2, timeouts: { connect: 40 } }, { log })
  const started = performance.now()
  const reply = await send(p.port, { method: 'POST', body: 'x' })
  const elapsed = performance.now() - started
  t.equal(reply.status, 503)
  t.match(reply.body, /503 Service Unavailable/)
  t.ok(elapsed >= 80, `two turn-around delays of min(1 s, timeout connect) = 40 ms (took ${elapsed.toFixed(0)} ms)`)
  t.same(p.source.releases, [{ server: 's1', outcome: 'connect-error', status: undefined }], 'one lease, released once')
  await until(() => logs.length === 1)
  t.match(logs[0], { termination: 'SC--', retries: 2, redispatched: false, server: 's1', status: 503, Tc: -1, Tr: -1 })
  t.ok(logs[0]!.Tw >= 75, `turn-around delays count in Tw (${logs[0]!.Tw})`)
})

t.test('redispatch moves to a healthy server immediately (several usable servers, roundrobin)', async (t) => {
  const dead = await refusedAddress()
  const counts = new Map<string, number>()
  const ok = await upstream(t, counting('ok', 200, counts))
  const { logs, log } = collector()
  const p = await proxy(t, [dead, ok], { redispatch: true, timeouts: { connect: 1000 } }, { log })
  p.source.everyRetry = true
  const started = performance.now()
  const reply = await send(p.port, { method: 'POST', body: 'payload' })
  t.equal(reply.status, 200)
  t.equal(reply.body, 'ok:payload', 'a POST is retried after a connection failure: nothing was sent')
  t.ok(performance.now() - started < 500, 'no turn-around delay on redispatch')
  t.same(p.source.releases, [
    { server: 's1', outcome: 'connect-error', status: undefined },
    { server: 's2', outcome: 'ok', status: 200 },
  ])
  t.equal(p.source.requests.at(-1)!.avoid?.name, 's1', 're-acquired avoiding the failed server')
  await until(() => logs.length === 1)
  t.match(logs[0], { retries: 1, redispatched: true, server: 's2', termination: '----' })
})

t.test('without redispatch a dead server is retried, with redispatch on the last retry only', async (t) => {
  const dead = await refusedAddress()
  const ok = await upstream(t, echo('ok'))
  const p = await proxy(t, [dead, ok], { retries: 2, redispatch: true, timeouts: { connect: 20 } })
  const reply = await send(p.port)
  t.equal(reply.status, 200)
  t.same(p.source.releases, [
    { server: 's1', outcome: 'connect-error', status: undefined },
    { server: 's2', outcome: 'ok', status: 200 },
  ])
  const noRedispatch = await proxy(t, [dead, ok], { retries: 1, timeouts: { connect: 20 } })
  t.equal((await send(noRedispatch.port)).status, 503)
})

t.test('connect timeout: exact, retried at once (no turn-around delay, as HAProxy 2.6), then 503 sC', async (t) => {
  const hole = await blackhole(t)
  const { logs, log } = collector()
  const p = await proxy(t, [hole], { retries: 1, timeouts: { connect: 60 } }, { log })
  const started = performance.now()
  const reply = await send(p.port)
  const elapsed = performance.now() - started
  t.equal(reply.status, 503)
  t.ok(elapsed >= 115 && elapsed < 900, `(retries + 1) × connect ≈ 120 ms, took ${elapsed.toFixed(0)} ms`)
  t.same(p.source.releases, [{ server: 's1', outcome: 'connect-timeout', status: undefined }])
  await until(() => logs.length === 1)
  t.match(logs[0], { termination: 'sC--', retries: 1 })
  // a turn-around delay would be 60 ms of Tw
  t.ok(logs[0]!.Tw < 40, `no turn-around delay in Tw (${logs[0]!.Tw})`)
})

t.test('timeout server: 504 sH, no retry by default; retry-on response-timeout moves on', async (t) => {
  const hung: http.ServerResponse[] = []
  const slow = await upstream(t, (_req, res) => hung.push(res))
  const fast = await upstream(t, echo('fast'))
  const { logs, log } = collector()
  const p = await proxy(t, [slow], { timeouts: { server: 80 } }, { log })
  const started = performance.now()
  const reply = await send(p.port)
  t.equal(reply.status, 504)
  t.match(reply.body, /504 Gateway Time-out/)
  t.ok(performance.now() - started >= 75)
  t.same(p.source.releases, [{ server: 's1', outcome: 'response-timeout', status: undefined }])
  await until(() => logs.length === 1)
  t.match(logs[0], { termination: 'sH--', status: 504 })
  const retrying = await proxy(t, [slow, fast], { timeouts: { server: 50 }, retryOn: ['response-timeout'], redispatch: true })
  retrying.source.everyRetry = true
  const ok = await send(retrying.port)
  t.equal(ok.headers['x-server'], 'fast')
  t.same(retrying.source.releases.map((r) => r.outcome), ['response-timeout', 'ok'])
  const post = await send(retrying.port, { method: 'POST', body: 'x' })
  t.equal(post.status, 504, 'a POST that may have reached the server is not sent twice')
  for (const res of hung) res.destroy()
})

t.test('timeout server mid-body: the response is cut, sD', async (t) => {
  const a = await upstream(t, (_req, res) => {
    res.writeHead(200, { 'content-length': '100' })
    res.write('partial')
  })
  const { logs, log } = collector()
  const p = await proxy(t, [a], { timeouts: { server: 60 } }, { log })
  await t.rejects(send(p.port), /aborted|socket hang up|ECONNRESET/)
  await until(() => logs.length === 1)
  t.match(logs[0], { termination: 'sD--', status: 200 })
  t.same(p.source.releases, [{ server: 's1', outcome: 'response-timeout', status: 200 }])
})

t.test('a server resetting mid-response: the client sees the truncation, SD, no retry', async (t) => {
  let hits = 0
  const a = await rawServer(t, (socket) => {
    hits++
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial', () => setTimeout(() => socket.resetAndDestroy(), 10))
  })
  const { logs, log } = collector()
  const p = await proxy(t, [a], {}, { log })
  await t.rejects(send(p.port), /aborted|socket hang up|ECONNRESET/)
  await until(() => logs.length === 1)
  t.match(logs[0], { termination: 'SD--', status: 200, bytesOut: 7 })
  t.same(p.source.releases, [{ server: 's1', outcome: 'bad-response', status: 200 }])
  t.equal(hits, 1)
  t.equal(p.source.inflight('s1'), 0)
})

t.test('empty response: an idempotent request is retried (keep-alive race), a POST is never sent twice', async (t) => {
  const methods: string[] = []
  const closer = await rawServer(t, (socket, data) => {
    methods.push(data.toString().split(' ')[0]!)
    socket.destroy()
  })
  const counts = new Map<string, number>()
  const ok = await upstream(t, counting('ok', 200, counts))
  const { logs, log } = collector()
  const p = await proxy(t, [closer, ok], { redispatch: true }, { log })
  p.source.everyRetry = true
  const get = await send(p.port)
  t.equal(get.status, 200)
  t.same(p.source.releases.map((r) => r.outcome), ['bad-response', 'ok'])
  const post = await send(p.port, { method: 'POST', body: 'pay' })
  t.equal(post.status, 502, 'POST: 502, not replayed')
  t.same(methods, ['GET', 'POST'])
  t.equal(counts.get('ok POST'), undefined, 'the POST never reached the second server')
  await until(() => logs.length === 2)
  t.match(logs[1], { termination: 'SH--', status: 502, retries: 0 })
  const optIn = await proxy(t, [closer, ok], { redispatch: true, retryOn: ['empty-response'], retryNonIdempotent: true })
  optIn.source.everyRetry = true
  t.equal((await send(optIn.port, { method: 'POST', body: 'again' })).body, 'ok:again', 'opted in: replayed with its body')
})

t.test('junk responses: 502 PH, retried with retry-on junk-response', async (t) => {
  const junk = await rawServer(t, (socket) => socket.end('HELLO WORLD\r\n\r\n'))
  const ok = await upstream(t, echo('ok'))
  const { logs, log } = collector()
  const p = await proxy(t, [junk], {}, { log })
  const reply = await send(p.port)
  t.equal(reply.status, 502)
  t.match(reply.body, /502 Bad Gateway/)
  await until(() => logs.length === 1)
  t.match(logs[0], { termination: 'PH--' })
  t.same(p.source.releases, [{ server: 's1', outcome: 'bad-response', status: undefined }])
  const retrying = await proxy(t, [junk, ok], { retryOn: ['junk-response'], redispatch: 1 })
  t.equal((await send(retrying.port)).status, 200)
})

t.test('layer-7 retries on status codes', async (t) => {
  const counts = new Map<string, number>()
  const busy = await upstream(t, counting('busy', 503, counts))
  const ok = await upstream(t, counting('ok', 200, counts))
  const p = await proxy(t, [busy, ok], { retryOn: ['conn-failure', 503], redispatch: true })
  p.source.everyRetry = true
  const reply = await send(p.port)
  t.equal(reply.status, 200)
  t.same(p.source.releases, [
    { server: 's1', outcome: 'ok', status: 503 },
    { server: 's2', outcome: 'ok', status: 200 },
  ])
  // Exhausted: the last server response is forwarded.
  const only = await proxy(t, [busy], { retries: 2, retryOn: [503] })
  counts.clear()
  const last = await send(only.port)
  t.equal(last.status, 503)
  t.equal(last.body, 'busy:')
  t.equal(counts.get('busy GET'), 3, 'retries + 1 attempts')
  t.same(only.source.releases, [{ server: 's1', outcome: 'ok', status: 503 }])
  // Non-idempotent: forwarded as is unless opted in.
  counts.clear()
  t.equal((await send(only.port, { method: 'POST', body: 'b' })).status, 503)
  t.equal(counts.get('busy POST'), 1, 'a POST is not replayed by default')
  const optIn = await proxy(t, [busy, ok], { retryOn: [503], retryNonIdempotent: true, redispatch: 1 })
  t.equal((await send(optIn.port, { method: 'POST', body: 'replayed' })).body, 'ok:replayed', 'the kept body is replayed')
})

t.test('bodies larger than bufferSize are never replayed', async (t) => {
  const counts = new Map<string, number>()
  const busy = await upstream(t, counting('busy', 503, counts))
  const ok = await upstream(t, counting('ok', 200, counts))
  const p = await proxy(t, [busy, ok], { retryOn: [503], retryNonIdempotent: true, redispatch: 1, bufferSize: 8 })
  const small = await send(p.port, { method: 'PUT', body: '12345678' })
  t.equal(small.body, 'ok:12345678', 'exactly bufferSize: replayed')
  const large = await send(p.port, { method: 'PUT', body: '123456789' })
  t.equal(large.status, 503, 'over bufferSize: the first answer is forwarded')
  t.equal(large.body, 'busy:123456789')
})

t.test('a client aborting mid-upload: the server request is aborted, the lease released once', async (t) => {
  let serverSawAbort = false
  let received = 0
  const a = await upstream(t, (req) => {
    req.on('data', (c: Buffer) => (received += c.length))
    req.on('close', () => (serverSawAbort = !req.complete))
  })
  const { logs, log } = collector()
  const p = await proxy(t, [a], {}, { log })
  const socket = net.connect(p.port, '127.0.0.1')
  socket.on('error', () => {})
  socket.write('POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n' + 'x'.repeat(1000))
  await until(() => received === 1000)
  socket.destroy()
  await until(() => serverSawAbort)
  await until(() => logs.length === 1)
  t.same(p.source.releases, [{ server: 's1', outcome: 'client-abort', status: undefined }])
  t.match(logs[0], { termination: /^C[HD]--$/, bytesIn: 1000 })
  t.equal(p.source.inflight('s1'), 0)
})

t.test('a client closing while waiting for the response aborts the server request (CH)', async (t) => {
  let closed = false
  const a = await upstream(t, (req) => req.on('close', () => (closed = true)))
  const { logs, log } = collector()
  const p = await proxy(t, [a], {}, { log })
  const req = http.get({ host: '127.0.0.1', port: p.port, agent: false })
  req.on('error', () => {})
  await until(() => p.source.inflight('s1') === 1)
  await delay(10)
  req.destroy()
  await until(() => closed && logs.length === 1)
  t.match(logs[0], { termination: 'CH--', status: -1 })
  t.same(p.source.releases, [{ server: 's1', outcome: 'client-abort', status: undefined }])
})

t.test('a client closing while connecting or during the turn-around delay (CC)', async (t) => {
  const hole = await blackhole(t)
  const dead = await refusedAddress()
  for (const [address, connect] of [[hole, 80], [dead, 200]] as const) {
    const { logs, log } = collector()
    const p = await proxy(t, [address], { timeouts: { connect } }, { log })
    const req = http.get({ host: '127.0.0.1', port: p.port, agent: false })
    req.on('error', () => {})
    await until(() => p.source.inflight('s1') === 1)
    await delay(20)
    req.destroy()
    await until(() => logs.length === 1)
    t.match(logs[0], { termination: 'CC--' })
    t.same(p.source.releases, [{ server: 's1', outcome: 'client-abort', status: undefined }])
  }
})

t.test('a client leaving during redispatch (between two leases) ends the exchange', async (t) => {
  const dead = await refusedAddress()
  const hung: http.ServerResponse[] = []
  const slow = await upstream(t, (_req, res) => hung.push(res))
  const { logs, log } = collector()
  const p = await proxy(t, [dead, slow], { redispatch: 1 }, { log })
  const req = http.get({ host: '127.0.0.1', port: p.port, agent: false })
  req.on('error', () => {})
  await until(() => hung.length === 1)
  req.destroy()
  await until(() => logs.length === 1)
  t.match(logs[0], { termination: 'CH--', retries: 1, redispatched: true })
  t.same(p.source.releases.map((r) => r.outcome), ['connect-error', 'client-abort'])
})

t.test('timeout client: a stalled upload gets 408 cR; a client not reading is cut (cD)', async (t) => {
  const a = await upstream(t, (req, res) => {
    req.resume()
    req.on('end', () => res.end(Buffer.alloc(8 * 1024 * 1024)))
  })
  const { logs, log } = collector()
  const p = await proxy(t, [a], {}, { log, timeouts: { client: 80 } })
  const stalled = await new Promise<string>((resolve) => {
    const socket = net.connect(p.port, '127.0.0.1')
    let text = ''
    socket.on('data', (d: Buffer) => (text += d.toString()))
    socket.on('close', () => resolve(text))
    socket.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345')
  })
  t.match(stalled, /^HTTP\/1\.1 408 Request Time-out\r\n[^]*connection: close/)
  await until(() => logs.length === 1)
  t.match(logs[0], { termination: 'cR--', status: 408 })
  t.same(p.source.releases, [{ server: 's1', outcome: 'client-abort', status: undefined }])

  const socket = net.connect(p.port, '127.0.0.1')
  socket.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n')
  socket.on('error', () => {})
  socket.once('data', () => socket.pause())
  await until(() => logs.length === 2)
  t.match(logs[1], { termination: 'cD--', status: 200 })
  // A paused socket notices the cut only when it reads again.
  const closed = new Promise((resolve) => socket.on('close', resolve))
  socket.resume()
  await closed
  t.equal(p.source.releases[1]!.outcome, 'client-abort')
})

t.test('HEAD, 204 and 304 carry no body; an early answer to an upload closes the connection', async (t) => {
  const a = await upstream(t, (req, res) => {
    if (req.url === '/204') res.writeHead(204).end()
    else if (req.url === '/304') res.writeHead(304, { etag: '"x"' }).end()
    else if (req.url === '/early') res.writeHead(413, { 'content-length': '4' }).end('nope')
    else res.writeHead(200, { 'content-length': '5' }).end(req.method === 'HEAD' ? undefined : 'hello')
  })
  const p = await proxy(t, [a])
  const head = await send(p.port, { method: 'HEAD' })
  t.equal(head.headers['content-length'], '5')
  t.equal(head.body, '')
  t.equal((await send(p.port, { path: '/204' })).status, 204)
  const notModified = await send(p.port, { path: '/304' })
  t.equal(notModified.status, 304)
  t.equal(notModified.headers.etag, '"x"')
  const early = await new Promise<string>((resolve) => {
    const socket = net.connect(p.port, '127.0.0.1')
    let text = ''
    socket.on('data', (d: Buffer) => (text += d.toString()))
    socket.on('close', () => resolve(text))
    socket.on('error', () => {})
    socket.write('POST /early HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n' + 'x'.repeat(100))
  })
  t.match(early, /^HTTP\/1\.1 413 Payload Too Large\r\n[^]*connection: close\r\n[^]*nope$/)
})

t.test('an unusable server address is a connection failure', async (t) => {
  const p = await proxy(t, ['ftp://127.0.0.1:1'], { retries: 1, timeouts: { connect: 10 } })
  t.equal((await send(p.port)).status, 503)
  t.same(p.source.releases, [{ server: 's1', outcome: 'connect-error', status: undefined }])
})

t.test('a response head that cannot be forwarded is a junk response (502)', async (t) => {
  const a = await upstream(t, echo('a'))
  class Refusing extends http.ServerResponse {
    override writeHead(statusCode: number, ...rest: unknown[]): this {
      if (statusCode === 200) throw new Error('refused')
      return (super.writeHead as (...args: unknown[]) => this)(statusCode, ...rest)
    }
  }
  const p = await proxy(t, [a])
  const server = http.createServer({ ServerResponse: Refusing as typeof http.ServerResponse }, p.handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const reply = await send((server.address() as net.AddressInfo).port)
  t.equal(reply.status, 502)
  t.same(p.source.releases, [{ server: 's1', outcome: 'bad-response', status: undefined }])
})

t.test('a status line without reason phrase, and 1xx interim answers dropped', async (t) => {
  const a = await rawServer(t, (socket) => socket.end('HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 299\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'))
  const p = await proxy(t, [a])
  const reply = await send(p.port)
  t.equal(reply.status, 299)
  t.equal(reply.body, 'ok')
})

t.test('a client leaving while the server connection is still being set up: aborted when it completes, never sent (CC)', async (t) => {
  const { key, cert } = selfSignedCert()
  let requests = 0
  const tlsPort = await listen(t, https.createServer({ key, cert }, (_req, res) => {
    requests++
    res.end()
  }) as unknown as http.Server)
  // A TCP relay holding each connection 150 ms: the TLS handshake (part of connecting) completes late.
  const sockets: net.Socket[] = []
  const relay = net.createServer((client) => {
    sockets.push(client)
    client.on('error', () => {})
    setTimeout(() => {
      const up = net.connect(tlsPort, '127.0.0.1')
      sockets.push(up)
      up.on('error', () => {})
      client.pipe(up)
      up.pipe(client)
    }, 150)
  })
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    relay.close()
  })
  const relayPort = (relay.address() as net.AddressInfo).port
  const { logs, log } = collector()
  const p = await proxy(t, [`https://127.0.0.1:${relayPort}`], { server: { verify: 'none' } }, { log })
  const req = http.get({ host: '127.0.0.1', port: p.port, agent: false })
  req.on('error', () => {})
  await until(() => p.source.inflight('s1') === 1)
  await delay(30)
  req.destroy()
  await until(() => logs.length === 1)
  t.match(logs[0], { termination: 'CC--' })
  t.ok(logs[0]!.Tc >= 100, 'the connection did complete')
  t.same(p.source.releases, [{ server: 's1', outcome: 'client-abort', status: undefined }])
  await delay(30)
  t.equal(requests, 0, 'the request was never sent')
})

t.test('a lease source without the optional fast path and redispatch hint; no timeouts; no retries', async (t) => {
  const dead = await refusedAddress()
  const a = await upstream(t, (req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => setTimeout(() => res.end(`a:${body}`), 20))
  })
  const fixture = new FixtureSource('be', [dead, a])
  const plain: LeaseSource = { name: 'plain', acquire: (r) => fixture.acquire(r), hasUsableServer: () => true }
  const p = await proxy(t, [], { redispatch: 1, timeouts: { server: 0, connect: 0 } }, { timeouts: { client: 0 } }, plain as FixtureSource)
  t.equal((await send(p.port, { method: 'POST', body: 'b' })).body, 'a:b', 'redispatched after the refused connection')
  t.same(fixture.releases.map((r) => r.outcome), ['connect-error', 'ok'])
  const once = await proxy(t, [a], { retries: 0 })
  t.equal((await send(once.port, { method: 'PUT', body: 'no retries, nothing kept' })).body, 'a:no retries, nothing kept')
})
