/**
 * switchyard on the application's own node:http server.
 * Run: node --import tsx examples/node-http.ts   (then curl http://127.0.0.1:8081/)
 */
import http from 'node:http'
import { createProxy } from '../lib/index.js'
import { startUpstreams } from './upstreams.js'

const [a, b] = await startUpstreams(['a', 'b'])
const proxy = createProxy({ monitorUri: '/health' })
const web = proxy.addBackend('web', { balance: 'leastconn', timeouts: { connect: 2_000, server: 10_000 }, forwardFor: true })
web.addServer('a', { address: a!, maxconn: 50 })
web.addServer('b', { address: b!, maxconn: 50 })

const server = http.createServer(proxy.handler)
server.on('upgrade', proxy.upgrade) // WebSocket and other upgrades
server.on('connect', proxy.connect) // CONNECT: answered 400
server.listen(8081, '127.0.0.1', () => console.log('node:http + switchyard on http://127.0.0.1:8081'))
stopAfter(server)

function stopAfter(s: http.Server): void {
  const stop = () => {
    s.close()
    void proxy.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  const seconds = Number(process.env['DEMO_SECONDS'] ?? 0)
  if (seconds > 0) setTimeout(stop, seconds * 1000)
}
