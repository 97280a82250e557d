/**
 * `npm start`: the load balancer in front of four local demo servers.
 *
 * - http://127.0.0.1:8080/            balanced over app1..app4 (roundrobin, weights 1,1,2,2)
 * - http://127.0.0.1:8080/slow        app servers take 300 ms; maxconn 4 per server queues the rest
 * - http://127.0.0.1:8080/switchyard/status   live state of every server (JSON)
 * - http://127.0.0.1:8080/health      monitor-uri: 200 while a server is usable
 *
 * Environment: PORT (default 8080), DEMO_SECONDS (stop after N seconds; default: run until Ctrl-C).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createProxy } from '../lib/index.js'

const PORT = Number(process.env['PORT'] ?? 8080)

function demoServer(name: string): Promise<string> {
  const server = http.createServer((req, res) => {
    const answer = () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': name })
      res.end(`Hello from ${name} (${req.method} ${req.url})\n`)
    }
    if (req.url?.startsWith('/slow')) setTimeout(answer, 300)
    else answer()
  })
  servers.push(server)
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)))
}

const servers: http.Server[] = []
const proxy = createProxy({ monitorUri: '/health' })
const web = proxy.addBackend('web', { balance: 'roundrobin', timeouts: { connect: 2_000, server: 10_000, queue: 5_000 }, forwardFor: true })
const weights = [1, 1, 2, 2]
for (const [i, weight] of weights.entries()) {
  web.addServer(`app${i + 1}`, { address: await demoServer(`app${i + 1}`), weight, maxconn: 4 })
}

const app = http.createServer((req, res) => {
  if (req.url === '/switchyard/status') {
    const counters = web.counters()
    const body = {
      backend: web.name,
      served: counters.served,
      queued: counters.queued,
      total: counters.total,
      servers: web.servers.map((s, i) => ({
        name: s.name,
        address: s.address,
        weight: s.weight,
        admin: s.admin,
        operational: s.operational,
        served: s.served,
        queued: s.queued,
        total: counters.servers[i]?.total,
      })),
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body, null, 2) + '\n')
    return
  }
  proxy.handler(req, res)
})
app.on('upgrade', proxy.upgrade)
await new Promise<void>((resolve) => app.listen(PORT, '127.0.0.1', resolve))

console.log(`switchyard demo: load balancer on http://127.0.0.1:${PORT} in front of ${servers.length} servers (weights ${weights.join(',')}, maxconn 4)\n`)
console.log('Try:')
console.log(`  curl -s http://127.0.0.1:${PORT}/                      # balanced, see x-served-by`)
console.log(`  for i in $(seq 12); do curl -s http://127.0.0.1:${PORT}/; done`)
console.log(`  npx autocannon -c 40 -d 5 http://127.0.0.1:${PORT}/slow  # queueing: 4 servers x maxconn 4`)
console.log(`  curl -s http://127.0.0.1:${PORT}/switchyard/status     # live server state`)
console.log(`  curl -si http://127.0.0.1:${PORT}/health                # monitor-uri`)
console.log('\nCtrl-C to stop.')

async function stop(): Promise<void> {
  app.close()
  app.closeAllConnections()
  await proxy.close()
  for (const s of servers) {
    s.close()
    s.closeAllConnections()
  }
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
const seconds = Number(process.env['DEMO_SECONDS'] ?? 0)
if (seconds > 0) setTimeout(() => void stop(), seconds * 1000)
