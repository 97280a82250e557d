/**
 * The architecture guide's "managing high loads" story: servers run below
 * their congestion point (maxconn 4 each) and the load balancer absorbs a
 * surge in its queue. 3 slow servers (10 ms per request), 300 concurrent
 * requests: no server ever sees more than 4 at once, and every request is
 * served. Run: node --import tsx examples/queue-story.ts
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createProxy } from '../lib/index.js'

let inFlight = 0
let peak = 0
function slowServer(): Promise<string> {
  const server = http.createServer((_req, res) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    setTimeout(() => {
      inFlight--
      res.end('ok')
    }, 10)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    server.unref()
    resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  }))
}

const proxy = createProxy()
const app = proxy.addBackend('app', { timeouts: { queue: 30_000 } })
for (const name of ['s1', 's2', 's3']) app.addServer(name, { address: await slowServer(), maxconn: 4 })
const lb = await proxy.listen(0)
const port = (lb.address() as AddressInfo).port

const agent = new http.Agent({ keepAlive: true, maxSockets: 300 })
const started = performance.now()
const statuses = await Promise.all(
  Array.from({ length: 300 }, () => new Promise<number>((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    }).on('error', () => resolve(0))
  })),
)
const elapsed = performance.now() - started
const counters = app.counters()
console.log(`300 requests over 3 servers × maxconn 4 at 10 ms each: ${statuses.filter((s) => s === 200).length} × 200 in ${elapsed.toFixed(0)} ms`)
console.log(`expected ≈ 300 / 12 × 10 ms = 250 ms; peak concurrency over all servers: ${peak} (limit 12)`)
console.log(`backend queue peak: ${counters.maxQueued}; per-server peaks: ${counters.servers.map((s) => `${s.name}=${s.maxServed}`).join(' ')}`)
agent.destroy()
await proxy.close()
