/**
 * switchyard as Express middleware: /api/* is balanced over two servers, the
 * rest is served by the Express application itself.
 * Run: node --import tsx examples/express.ts
 */
import express from 'express'
import { createProxy, expressMiddleware } from '../lib/index.js'
import { startUpstreams } from './upstreams.js'

const [a, b] = await startUpstreams(['api-1', 'api-2'])
const proxy = createProxy()
const api = proxy.addBackend('api', { balance: 'roundrobin', retries: 2, redispatch: true })
api.addServer('api-1', { address: a! })
api.addServer('api-2', { address: b! })
proxy.route({ backend: 'api', if: { pathPrefix: '/api/' } })
proxy.setDefaultBackend(null) // unmatched requests reach the app through next()

const app = express()
app.use(expressMiddleware(proxy)) // before any body parser: bodies are streamed upstream
app.get('/', (_req, res) => {
  res.send('served by Express; try /api/users\n')
})
const server = app.listen(8082, '127.0.0.1', () => console.log('Express + switchyard on http://127.0.0.1:8082'))
server.on('upgrade', proxy.upgrade)
const seconds = Number(process.env['DEMO_SECONDS'] ?? 0)
if (seconds > 0) setTimeout(() => server.close(() => void proxy.close()), seconds * 1000)
