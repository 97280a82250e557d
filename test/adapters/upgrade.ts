import http from 'node:http'
import net from 'node:net'
import t from 'tap'
import WebSocket, { WebSocketServer } from 'ws'
import { createHttpBackend } from '../../lib/adapters/http-backend.js'
import { createHttpHandler } from '../../lib/adapters/node-http.js'
import type { HttpLogEntry } from '../../lib/adapters/types.js'
import { checkUpgrade } from '../../lib/adapters/upgrade.js'
import { createRouter } from '../../lib/routing/router.js'
import { refusedAddress, rawServer } from '../fixtures/faults.js'
import { delay, listen, proxy, until } from '../fixtures/http.js'
import { FixtureSource } from '../fixtures/lease-source.js'

/** A WebSocket echo upstream answering `name:<message>`. */
async function wsEcho(t: Parameters<typeof listen>[0], name: string): Promise<string> {
  const server = http.createServer((_req, res) => res.writeHead(426).end('upgrade required'))
  const wss = new WebSocketServer({ server })
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`${name}:${String(data)}`)))
  t.teardown(() => wss.close())
  return `http://127.0.0.1:${await listen(t, server)}`
}

/** Opens a WebSocket through the proxy and exchanges one message. */
async function roundTrip(port: number, message: string): Promise<{ ws: WebSocket; reply: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`)
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))))
  ws.send(message)
  return { ws, reply: await reply }
}

/** Writes raw bytes; resolves with everything received until close. */
function raw(port: number, bytes: string, onData?: (socket: net.Socket, text: string) => void): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let text = ''
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1')
      onData?.(socket, text)
    })
    socket.on('close', () => resolve(text))
    socket.on('error', () => {})
    socket.write(bytes)
  })
}

const WS_HEAD = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'

t.test('checkUpgrade', async (t) => {
  const req = (rawHeaders: string[]): http.IncomingMessage => {
    const headers: Record<string, string> = {}
    for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i]!.toLowerCase()] = rawHeaders[i + 1]!
    return { rawHeaders, headers } as unknown as http.IncomingMessage
  }
  t.equal(checkUpgrade(req(['Upgrade', ' websocket ', 'Sec-WebSocket-Key', 'k'])), 'websocket')
  t.equal(checkUpgrade(req(['Upgrade', 'foo/1'])), 'foo/1')
  t.equal(checkUpgrade(req(['Upgrade', 'websocket'])), undefined, 'no key')
  t.equal(checkUpgrade(req(['Upgrade', 'h2c'])), undefined)
  t.equal(checkUpgrade(req(['Upgrade', 'foo, H2C'])), undefined)
  t.equal(checkUpgrade(req(['Upgrade', 'a', 'upgrade', 'b'])), undefined, 'several Upgrade headers')
  t.equal(checkUpgrade(req([])), undefined)
})

t.test('WebSocket echo through the proxy; balanced like any request; the lease is held while the tunnel lives', async (t) => {
  const a = await wsEcho(t, 'a')
  const b = await wsEcho(t, 'b')
  const logs: HttpLogEntry[] = []
  const p = await proxy(t, [a, b], { forwardFor: true }, { log: (e) => logs.push(e) })
  const first = await roundTrip(p.port, 'hello')
  t.equal(first.reply, 'a:hello')
  const second = await roundTrip(p.port, 'world')
  t.equal(second.reply, 'b:world')
  t.equal(p.source.inflight('s1'), 1, 'slot held by the tunnel')
  first.ws.close()
  second.ws.terminate()
  await until(() => logs.length === 2)
  t.same([...p.source.releases].sort((x, y) => x.server.localeCompare(y.server)), [
    { server: 's1', outcome: 'ok', status: 101 },
    { server: 's2', outcome: 'ok', status: 101 },
  ])
  t.match(logs.find((e) => e.server === 's1'), { status: 101, termination: '----', method: 'GET', uri: '/chat' })
  t.ok(logs.every((e) => e.bytesOut > 0))
  t.equal(p.source.inflight('s1') + p.source.inflight('s2'), 0)
})

t.test('refused upgrades: h2c, missing key, body, bad request, no backend, duplicate Host, a throwing route', async (t) => {
  const a = await wsEcho(t, 'a')
  const logs: HttpLogEntry[] = []
  const p = await proxy(t, [a], {}, { log: (e) => logs.push(e), maxHeaders: 20 })
  t.match(await raw(p.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n'), /^HTTP\/1\.1 400 Bad request\r\n[^]*connection: close\r\n/)
  t.match(await raw(p.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'), /^HTTP\/1\.1 400 /)
  t.match(await raw(p.port, `POST / HTTP/1.1\r\nHost: a\r\n${WS_HEAD}Content-Length: 3\r\n\r\nabc`), /^HTTP\/1\.1 400 /)
  t.match(await raw(p.port, `GET /#x HTTP/1.1\r\nHost: a\r\n${WS_HEAD}\r\n`), /^HTTP\/1\.1 400 /)
  t.match(await raw(p.port, `GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n${WS_HEAD}\r\n`), /^HTTP\/1\.1 400 /)
  t.equal(p.source.releases.length, 0)
  await until(() => logs.length === 5)
  t.match(logs[0], { termination: 'PR--', status: 400, backend: '<NOBACKEND>' })
  t.match(logs[4], { termination: 'PR--', status: 400, backend: 'be' })

  const backend = createHttpBackend(new FixtureSource('be', [a]))
  t.teardown(() => backend.close())
  const handler = createHttpHandler({
    router: createRouter({ rules: [{ backend, if: { pathPrefix: '/ws', predicate: (r) => (r.url === '/ws/boom' ? (() => { throw new Error('x') })() : true) } }] }),
  })
  const server = http.createServer(handler)
  server.on('upgrade', handler.upgrade)
  const port = await listen(t, server)
  t.match(await raw(port, `GET /other HTTP/1.1\r\nHost: a\r\n${WS_HEAD}\r\n`), /^HTTP\/1\.1 503 /)
  t.match(await raw(port, `GET /ws/boom HTTP/1.1\r\nHost: a\r\n${WS_HEAD}\r\n`), /^HTTP\/1\.1 500 /)
})

t.test('a non-101 answer is relayed and the connection closed', async (t) => {
  const a = await upstream426(t)
  const p = await proxy(t, [a])
  const text = await raw(p.port, `GET / HTTP/1.1\r\nHost: a\r\n${WS_HEAD}\r\n`)
  t.match(text, /^HTTP\/1\.1 426 Upgrade Required\r\n/)
  t.match(text, /connection: close\r\n\r\nupgrade required$/)
  t.same(p.source.releases, [{ server: 's1', outcome: 'ok', status: 426 }])
  const odd = await rawServer(t, (socket) => socket.end('HTTP/1.1 299\r\nContent-Length: 0\r\n\r\n'))
  const q = await proxy(t, [odd])
  t.match(await raw(q.port, `GET / HTTP/1.1\r\nHost: a\r\n${WS_HEAD}\r\n`), /^HTTP\/1\.1 299 \r\ncontent-length: 0\r\nconnection: close\r\n\r\n$/, 'unknown status, no reason phrase')
})

async function upstream426(t: Parameters<typeof listen>[0]): Promise<string> {
  const server = http.createServer((_req, res) => res.writeHead(426, { 'content-length': '16' }).end('upgrade required'))
  return `http://127.0.0.1:${await listen(t, server)}`
}

t.test('a large non-101 answer respects the client backpressure', async (t) => {
  // Large enough to overflow the loopback socket buffers while the client is paused,
  // even on a loaded machine, so the proxy's write must report backpressure.
  const big = 'x'.repeat(24 * 1024 * 1024)
  const a = await rawServer(t, (socket) => socket.end(`HTTP/1.1 403\r\nContent-Length: ${big.length}\r\n\r\n${big}`))
  const p = await proxy(t, [a])
  let paused = false
  const text = await raw(p.port, `GET / HTTP/1.1\r\nHost: a\r\n${WS_HEAD}\r\n`, (socket) => {
    if (paused) return
    paused = true
    socket.pause()
    setTimeout(() => socket.resume(), 300)
  })
  t.match(text, /^HTTP\/1\.1 403 Forbidden\r\n/)
  t.equal(text.length - text.indexOf('\r\n\r\n') - 4, big.length)
})

t.test('a WebSocket 101 without Sec-WebSocket-Accept is refused with 502', async (t) => {
  const a = await rawServer(t, (socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'))
  const logs: HttpLogEntry[] = []
  const p = await proxy(t, [a], {}, { log: (e) => logs.push(e) })
  t.match(await raw(p.port, `GET / HTTP/1.1\r\nHost: a\r\n${WS_HEAD}\r\n`), /^HTTP\/1\.1 502 Bad Gateway\r\n/)
  await until(() => logs.length === 1)
  t.match(logs[0], { termination: 'PH--', status: 502 })
  t.same(p.source.releases, [{ server: 's1', outcome: 'bad-response', status: 101 }])
})

t.test('an upgrade pipelined behind a request waits for its answer: answers in order', async (t) => {
  const server = http.createServer((req, res) => {
    if (req.url === '/cut') {
      res.writeHead(200, { 'content-length': '10' }).write('ab')
      setTimeout(() => res.socket!.destroy(), 20)
      return
    }
    setTimeout(() => res.writeHead(200, { 'content-length': String(req.url!.length) }).end(req.url), req.url === '/first' ? 80 : 1)
  })
  const a = `http://127.0.0.1:${await listen(t, server)}`
  const p = await proxy(t, [a])
  const text = await raw(p.port, 'GET /first HTTP/1.1\r\nHost: a\r\n\r\nGET /up HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n')
  t.match(text, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\/firstHTTP\/1\.1 200 OK\r\n[^]*connection: close\r\n\r\n\/up$/)
  // The earlier answer is cut (the client connection destroyed): the upgrade never starts.
  const cut = await raw(p.port, 'GET /cut HTTP/1.1\r\nHost: a\r\n\r\nGET /up HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n')
  t.match(cut, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nab$/)
  await delay(50)
  t.same(p.source.releases.map((r) => r.outcome), ['ok', 'ok', 'bad-response'], 'the upgrade behind the cut answer never ran')
})

t.test('a transfer coding other than chunked in the answer to an upgrade: 502', async (t) => {
  for (const answer of [
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: x\r\nTransfer-Encoding: gzip\r\n\r\n',
    'HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: gzip\r\n\r\nabc',
  ]) {
    const a = await rawServer(t, (socket) => socket.write(answer))
    const logs: HttpLogEntry[] = []
    const p = await proxy(t, [a], {}, { log: (e) => logs.push(e) })
    t.match(await raw(p.port, `GET / HTTP/1.1\r\nHost: a\r\n${WS_HEAD}\r\n`), /^HTTP\/1\.1 502 Bad Gateway\r\n/)
    await until(() => logs.length === 1)
    t.match(logs[0], { termination: 'PH--', status: 502 })
  }
})

t.test('other protocols: bytes flow both ways, early client bytes reach the server, server close ends the tunnel', async (t) => {
  const a = await rawServer(t, (socket, data) => {
    const head = data.toString('latin1')
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: Foo/2\r\nX-Head: ${/x-forwarded-for/i.test(head) ? 'xff' : 'none'}\r\n\r\n`)
    socket.on('data', (d: Buffer) => {
      if (d.toString() === 'bye') socket.end('closing')
      else socket.write(`echo:${d.toString()}`)
    })
  })
  const logs: HttpLogEntry[] = []
  const p = await proxy(t, [a], { forwardFor: true }, { log: (e) => logs.push(e) })
  let step = 0
  const text = await raw(p.port, 'GET /foo HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: foo/2\r\n\r\nEARLY', (socket, all) => {
    if (step === 0 && all.endsWith('echo:EARLY')) {
      step = 1
      socket.write('ping')
    } else if (step === 1 && all.endsWith('echo:ping')) {
      step = 2
      socket.write('bye')
    }
  })
  t.match(text, /^HTTP\/1\.1 101 Switching Protocols\r\nx-head: xff\r\nconnection: upgrade\r\nupgrade: Foo\/2\r\n\r\necho:EARLYecho:pingclosing$/)
  await until(() => logs.length === 1)
  t.match(logs[0], { termination: '----', status: 101 })
})

t.test('timeout tunnel closes an idle tunnel on both sides', async (t) => {
  const a = await wsEcho(t, 'a')
  const logs: HttpLogEntry[] = []
  const p = await proxy(t, [a], { timeouts: { tunnel: 80 } }, { log: (e) => logs.push(e) })
  const { ws } = await roundTrip(p.port, 'x')
  const started = performance.now()
  await new Promise((resolve) => ws.once('close', resolve))
  t.ok(performance.now() - started < 1000)
  await until(() => logs.length === 1)
  t.match(logs[0]!.termination, /^[cs]D--$/)
  t.same(p.source.releases, [{ server: 's1', outcome: 'ok', status: 101 }])
  const server = await proxy(t, [a], { timeouts: { tunnel: 0 } })
  const open = await roundTrip(server.port, 'still')
  await delay(30)
  t.equal(open.ws.readyState, WebSocket.OPEN, 'no tunnel timeout when 0')
  open.ws.close()
})

t.test('upgrade failures: refused server 503, client leaving while waiting for the 101 (CH)', async (t) => {
  const dead = await refusedAddress()
  const p = await proxy(t, [dead], { retries: 0 })
  t.match(await raw(p.port, `GET / HTTP/1.1\r\nHost: a\r\n${WS_HEAD}\r\n`), /^HTTP\/1\.1 503 Service Unavailable\r\n/)
  let closed = false
  const silent = await rawServer(t, (socket) => socket.on('close', () => (closed = true)))
  const logs: HttpLogEntry[] = []
  const q = await proxy(t, [silent], {}, { log: (e) => logs.push(e) })
  const socket = net.connect(q.port, '127.0.0.1')
  socket.write(`GET / HTTP/1.1\r\nHost: a\r\n${WS_HEAD}\r\n`)
  socket.on('error', () => {})
  await until(() => q.source.inflight('s1') === 1)
  await delay(20)
  socket.resetAndDestroy()
  await until(() => closed && logs.length === 1)
  t.match(logs[0], { termination: 'CH--' })
  t.same(q.source.releases, [{ server: 's1', outcome: 'client-abort', status: undefined }])
})

t.test('client bytes sent before the 101 are kept (the socket paused past bufferSize) and forwarded after it', async (t) => {
  const a = await rawServer(t, (socket) => {
    setTimeout(() => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n')
      socket.on('data', (d: Buffer) => socket.write(d))
    }, 60)
  })
  for (const bufferSize of [16384, 1]) {
    const p = await proxy(t, [a], { bufferSize })
    const text = await new Promise<string>((resolve) => {
      const socket = net.connect(p.port, '127.0.0.1')
      let all = ''
      socket.on('data', (d: Buffer) => {
        all += d.toString('latin1')
        if (all.endsWith('ABC')) socket.end()
      })
      socket.on('close', () => resolve(all))
      socket.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\nA')
      setTimeout(() => socket.write('B'), 10)
      setTimeout(() => socket.write('C'), 20)
    })
    t.match(text, /^HTTP\/1\.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: foo\r\n\r\nABC$/, `bufferSize ${bufferSize}`)
  }
})

t.test('a client half-closing before the 101 is gone (CH)', async (t) => {
  const silent = await rawServer(t, () => {})
  const logs: HttpLogEntry[] = []
  const p = await proxy(t, [silent], {}, { log: (e) => logs.push(e) })
  const socket = net.connect(p.port, '127.0.0.1')
  socket.on('error', () => {})
  socket.write(`GET / HTTP/1.1\r\nHost: a\r\n${WS_HEAD}\r\n`)
  await until(() => p.source.inflight('s1') === 1)
  await delay(10)
  socket.end()
  await until(() => logs.length === 1)
  t.match(logs[0], { termination: 'CH--' })
  t.same(p.source.releases, [{ server: 's1', outcome: 'client-abort', status: undefined }])
})

t.test('a server failing mid-answer or mid-tunnel: the client connection is cut', async (t) => {
  const cutting = await rawServer(t, (socket) => {
    socket.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 100\r\n\r\npartial', () => setTimeout(() => socket.resetAndDestroy(), 10))
  })
  const logs: HttpLogEntry[] = []
  const p = await proxy(t, [cutting], {}, { log: (e) => logs.push(e) })
  t.match(await raw(p.port, `GET / HTTP/1.1\r\nHost: a\r\n${WS_HEAD}\r\n`), /^HTTP\/1\.1 403 Forbidden\r\n[^]*\r\n\r\npartial$/)
  await until(() => logs.length === 1)
  t.match(logs[0], { termination: 'SD--', status: 403 })
  const resetting = await rawServer(t, (socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n', () => setTimeout(() => socket.resetAndDestroy(), 10))
  })
  const q = await proxy(t, [resetting])
  t.match(await raw(q.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n'), /^HTTP\/1\.1 101 /)
  await until(() => q.source.releases.length === 1)
  t.same(q.source.releases, [{ server: 's1', outcome: 'ok', status: 101 }])
})

t.test('timeout tunnel: the side idle longest is reported (cD when the client was last heard from first)', async (t) => {
  const a = await rawServer(t, (socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n'))
  const logs: HttpLogEntry[] = []
  const p = await proxy(t, [a], { timeouts: { tunnel: 60 } }, { log: (e) => logs.push(e) })
  await raw(p.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n', (socket, all) => {
    if (all.endsWith('\r\n\r\n')) socket.write('X')
  })
  await until(() => logs.length === 1)
  t.equal(logs[0]!.termination, 'cD--')
})
