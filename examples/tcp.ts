/**
 * Layer-4 mode: two TCP echo servers behind a switchyard TCP listener, with
 * `balance source`, a PROXY v2 header sent to the servers, and HAProxy-style
 * log lines. Run: `node --import tsx examples/tcp.ts`.
 */
import { connect, createServer, type AddressInfo } from 'node:net'
import { Backend, createTcpHandler, defaultDeps, listenTcp, parseProxyHeader } from '../lib/index.js'

// Two servers that read the PROXY header, then echo with their name.
async function echoServer(name: string): Promise<number> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.once('data', (first: Buffer) => {
      const parsed = parseProxyHeader(first)
      const client = parsed.status === 'ok' ? parsed.header.source : undefined
      socket.write(`${name} sees client ${client?.address}:${client?.port}\n`)
      if (parsed.status === 'ok' && parsed.length < first.length) socket.write(first.subarray(parsed.length))
      socket.pipe(socket)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  server.unref()
  return (server.address() as AddressInfo).port
}

const backend = new Backend(
  'echo',
  {
    balance: { algorithm: 'hash', key: { kind: 'source' }, type: 'consistent', function: 'sdbm', avalanche: true, balanceFactor: 0 },
    servers: [
      { name: 'e1', address: `tcp://127.0.0.1:${await echoServer('e1')}`, maxconn: 10 },
      { name: 'e2', address: `tcp://127.0.0.1:${await echoServer('e2')}`, maxconn: 10 },
    ],
  },
  defaultDeps(),
)
const handler = createTcpHandler(backend, {
  timeouts: { connect: 2000, tunnel: 60_000 },
  server: { sendProxy: 'v2' },
  log: (e) =>
    console.log(`${e.clientAddress}:${e.clientPort} ${e.backend}/${e.server} ${e.Tw.toFixed(0)}/${e.Tc.toFixed(0)}/${e.Tt.toFixed(0)} ${e.bytesOut} ${e.termination} retries=${e.redispatched ? '+' : ''}${e.retries}`),
})
const listener = await listenTcp(handler, { port: 0, host: '127.0.0.1' })
const port = (listener.address() as AddressInfo).port

for (let i = 0; i < 3; i++) {
  const reply = await new Promise<string>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    let text = ''
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()))
    socket.on('end', () => {
      socket.end()
      resolve(text)
    })
    socket.end(`hello ${i}\n`)
  })
  process.stdout.write(reply)
}
console.log(handler.counters())
listener.close()
