import t from 'tap'
import { createServer as createTlsServer } from 'node:tls'
import { createTcpProbe } from '../../lib/health/tcp-check.js'
import { close, closedPort, listen, probeContext, rawServer, selfSigned } from '../fixtures/net.js'

t.test('L4OK once connected; the connection is closed', async (t) => {
  let closed!: () => void
  const gone = new Promise<void>((resolve) => (closed = resolve))
  const server = await rawServer((socket) => socket.on('close', closed))
  t.teardown(server.close)
  const context = probeContext()
  const result = await createTcpProbe({ target: { host: '127.0.0.1', port: server.port } })(context)
  t.same(result, { status: 'L4OK', message: 'Layer4 check passed' })
  t.same(context.stages, [], 'no exchange stage for a plain connect')
  await gone
})

t.test('L4CON when refused', async (t) => {
  const port = await closedPort()
  const result = await createTcpProbe({ target: { host: '127.0.0.1', port } })(probeContext())
  t.same(result, { status: 'L4CON', message: 'Connection refused' })
})

t.test('with TLS: L6OK after the handshake; L6RSP when the peer does not speak TLS', async (t) => {
  const { key, cert } = selfSigned()
  const tls = createTlsServer({ key, cert }, (socket) => socket.on('error', () => {}))
  const port = await listen(tls)
  t.teardown(() => close(tls))
  const context = probeContext()
  t.same(await createTcpProbe({ target: { host: '127.0.0.1', port }, tls: { ca: cert } })(context), { status: 'L6OK', message: 'Layer6 check passed' })
  t.same(context.stages, ['handshake'])
  const untrusted = await createTcpProbe({ target: { host: '127.0.0.1', port }, tls: {} })(probeContext())
  t.equal(untrusted.status, 'L6RSP', 'an untrusted certificate fails the handshake')
  t.equal(untrusted.message, 'self-signed certificate')
  t.same(await createTcpProbe({ target: { host: 'localhost', port }, tls: { rejectUnauthorized: false, servername: 'localhost' } })(probeContext()), { status: 'L6OK', message: 'Layer6 check passed' })

  const plain = await rawServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
  t.teardown(plain.close)
  const result = await createTcpProbe({ target: { host: '127.0.0.1', port: plain.port }, tls: { rejectUnauthorized: false } })(probeContext())
  t.equal(result.status, 'L6RSP')
})

t.test('an abort while connecting: the socket is destroyed at once', async (t) => {
  const server = await rawServer(() => {})
  t.teardown(server.close)
  const context = probeContext()
  const pending = createTcpProbe({ target: { host: '127.0.0.1', port: server.port } })(context)
  context.controller.abort()
  t.same(await pending, { status: 'L4TOUT', message: 'aborted' })
  const already = probeContext()
  already.controller.abort()
  t.same(await createTcpProbe({ target: { host: '127.0.0.1', port: server.port } })(already), { status: 'L4TOUT', message: 'aborted' })
})
