/**
 * switchyard as a Fastify plugin, registered under /api.
 * Run: node --import tsx examples/fastify.ts
 */
import Fastify from 'fastify'
import { createProxy, fastifySwitchyard } from '../lib/index.js'
import { startUpstreams } from './upstreams.js'

const [a, b] = await startUpstreams(['api-1', 'api-2'])
const proxy = createProxy()
const api = proxy.addBackend('api', { balance: 'random' })
api.addServer('api-1', { address: a! })
api.addServer('api-2', { address: b! })

const app = Fastify()
await app.register(fastifySwitchyard, { prefix: '/api', handler: proxy, upgrade: true })
app.get('/', async () => 'served by Fastify; try /api/users\n')
await app.listen({ port: 8083, host: '127.0.0.1' })
console.log('Fastify + switchyard on http://127.0.0.1:8083')
const seconds = Number(process.env['DEMO_SECONDS'] ?? 0)
if (seconds > 0) setTimeout(() => void app.close().then(() => proxy.close()), seconds * 1000)
