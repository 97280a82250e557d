import t from 'tap'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createTlsServer } from 'node:tls'
import { CLIENT_HELLO, createSslHelloProbe } from '../../lib/health/ssl-hello-check.js'
import { close, listen, probeContext, rawServer, selfSigned } from '../fixtures/net.js'

t.test('the ClientHello is a well-formed TLS 1.2 handshake record', (t) => {
  t.equal(CLIENT_HELLO[0], 0x16, 'handshake record')
  t.equal(CLIENT_HELLO.readUInt16BE(3), CLIENT_HELLO.length - 5, 'record length')
  t.equal(CLIENT_HELLO[5], 0x01, 'ClientHello')
  t.equal(CLIENT_HELLO.readUIntBE(6, 3), CLIENT_HELLO.length - 9, 'handshake length')
  t.same([CLIENT_HELLO[9], CLIENT_HELLO[10]], [3, 3], 'client version TLS 1.2')
  t.end()
})

t.test('a TLS server answers with a ServerHello: L6OK', async (t) => {
  const { key, cert } = selfSigned()
  const server = createTlsServer({ key, cert }, () => {})
  server.on('tlsClientError', () => {})
  const port = await listen(server)
  t.teardown(() => close(server))
  const context = probeContext()
  t.same(await createSslHelloProbe({ target: { host: '127.0.0.1', port } })(context), { status: 'L6OK', message: 'ServerHello received' })
  t.same(context.stages, ['handshake'])
})

t.test('HAProxy’s acceptance rule: a handshake or alert record of at least 5 bytes', async (t) => {
  const replies: Buffer[] = [
    Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]),
    Buffer.from([0x16, 0x03, 0x03, 0x00, 0x00]),
    Buffer.from([0x16, 0x03, 0x03, 0x00, 0x04, 0x0b, 0x00, 0x00, 0x00]),
    Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'),
    Buffer.from([0x16, 0x03]),
    Buffer.alloc(0),
  ]
  const results: unknown[] = []
  for (const reply of replies) {
    const server = await rawServer((socket) => {
      socket.once('data', () => {
        // In two pieces: the check waits for 5 bytes.
        socket.write(reply.subarray(0, 2))
        setImmediate(() => socket.end(reply.subarray(2)))
      })
    })
    results.push(await createSslHelloProbe({ target: { host: '127.0.0.1', port: server.port } })(probeContext()))
    t.same(server.received[0], CLIENT_HELLO)
    await server.close()
  }
  t.same(results, [
    { status: 'L6OK', message: 'TLS alert received' },
    { status: 'L6OK', message: 'TLS handshake record received' },
    { status: 'L6OK', message: 'TLS handshake record received' },
    { status: 'L6RSP', message: 'Not a TLS response' },
    { status: 'L6RSP', message: 'Connection closed before a TLS response' },
    { status: 'L6RSP', message: 'Connection closed before a TLS response' },
  ])
})

t.test('an HTTP server is not a TLS server', async (t) => {
  const server = createHttpServer(() => {})
  const port = await listen(server)
  t.teardown(() => close(server))
  t.same(await createSslHelloProbe({ target: { host: '127.0.0.1', port } })(probeContext()), { status: 'L6RSP', message: 'Not a TLS response' })
})

t.test('no answer: the abort ends it as a layer-6 timeout', async (t) => {
  const server = await rawServer(() => {})
  t.teardown(server.close)
  const context = probeContext()
  const pending = createSslHelloProbe({ target: { host: '127.0.0.1', port: server.port } })(context)
  while (context.stages.length === 0) await new Promise((resolve) => setImmediate(resolve))
  context.controller.abort()
  t.same(await pending, { status: 'L6TOUT', message: 'aborted' })
})
