import t, { type Test } from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createProxy, type Proxy } from '../../lib/proxy.js'
import { send, upstream, until } from '../fixtures/http.js'

async function start(t: Test, proxy: Proxy): Promise<number> {
  const server = await proxy.listen(0)
  t.teardown(() => proxy.close())
  return (server.address() as AddressInfo).port
}

/** An upstream that records each request id it served and answers it back after a short pause. */
async function recorder(t: Test, seen: string[]): Promise<string> {
  return upstream(t, (req, res) => {
    const id = req.headers['x-id'] as string
    seen.push(id)
    setTimeout(() => res.end(id), 2)
  })
}

t.test('runtime changes under concurrent load lose and duplicate nothing', async (t) => {
  const seen: string[][] = [[], [], []]
  const proxy = createProxy()
  const web = proxy.addBackend('web', { timeouts: { queue: 10_000 } })
  web.addServer('s1', { address: await recorder(t, seen[0]!), maxconn: 4 })
  web.addServer('s2', { address: await recorder(t, seen[1]!), maxconn: 4 })
  const events: string[] = []
  web.on('server:add', (s) => events.push(`add ${s.name}`))
  web.on('server:remove', (s) => events.push(`remove ${s.name}`))
  web.on('server:weight', (s, previous) => events.push(`weight ${s.name} ${previous}->${s.weight}`))
  web.on('server:state', (s) => events.push(`state ${s.name} ${s.admin}`))
  web.on('server:limits', (s) => events.push(`limits ${s.name} ${s.maxconn}`))
  const port = await start(t, proxy)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
  t.teardown(() => agent.destroy())
  const N = 300
  const s3 = await recorder(t, seen[2]!)
  let sent = 0
  const replies: Promise<string>[] = []
  for (let i = 0; i < N; i++) {
    replies.push(send(port, { agent, headers: { 'x-id': String(i) } }).then((r) => `${r.status} ${r.body}`))
    sent++
    if (sent === 50) web.addServer('s3', { address: s3, maxconn: 2 })
    if (sent === 100) web.setWeight('s1', '50%')
    if (sent === 150) web.setState('s2', 'drain')
    if (sent === 200) web.setMaxconn('s1', 1)
    if (sent === 230) web.setState('s2', 'ready')
    if (sent === 250) void web.removeServer('s3')
    if (sent % 25 === 0) await new Promise((r) => setTimeout(r, 5))
  }
  const answers = await Promise.all(replies)
  t.same(answers, Array.from({ length: N }, (_, i) => `200 ${i}`), 'every request answered once, with its own id')
  const served = seen.flat().sort((a, b) => Number(a) - Number(b))
  t.same(served, Array.from({ length: N }, (_, i) => String(i)), 'the servers saw each request exactly once')
  t.ok(seen[2]!.length > 0, `s3 served ${seen[2]!.length} while it existed`)
  await until(() => proxy.stats().backends[0]!.req_tot === N)
  const stats = proxy.stats().backends[0]!
  t.equal(stats.stot, N)
  t.equal(stats.hrsp_2xx, N)
  t.equal(stats.servers.length, 2)
  t.equal(stats.servers[0]!.stot + stats.servers[1]!.stot + seen[2]!.length, N)
  t.same(events, ['add s3', 'weight s1 1->0', 'state s2 drain', 'limits s1 1', 'state s2 ready', 'remove s3'].map((e) => e.replace('1->0', `1->${web.server('s1')!.weight}`)))
})

t.test('invalid runtime changes are rejected with a clear error and change nothing', async (t) => {
  const proxy = createProxy()
  const web = proxy.addBackend('web')
  web.addServer('s1', { address: 'http://127.0.0.1:1', weight: 3, maxconn: 7 })
  t.throws(() => web.setWeight('s1', 300), { code: 'SWY_ERR_INVALID_OPTION' })
  t.throws(() => web.setMaxconn('s1', -1), { code: 'SWY_ERR_INVALID_OPTION' })
  t.throws(() => web.setState('s1', 'sleeping' as never), { code: 'SWY_ERR_INVALID_OPTION', message: /ready, drain or maint/ })
  t.throws(() => web.setHealth('s1', 'fine' as never), { code: 'SWY_ERR_INVALID_OPTION', message: /up, starting, stopping or down/ })
  t.throws(() => web.setWeight('nope', 1), { code: 'SWY_ERR_UNKNOWN_SERVER' })
  t.throws(() => web.addServer('s1', { address: 'http://127.0.0.1:2' }), { code: 'SWY_ERR_DUPLICATE_SERVER' })
  await t.rejects(web.removeServer('nope'), { code: 'SWY_ERR_UNKNOWN_SERVER' })
  t.match(web.server('s1'), { weight: 3, maxconn: 7, admin: 'ready', operational: 'up', address: 'http://127.0.0.1:1' })
  await proxy.close()
})

t.test('reconfigure keeps persisting servers and their state, adds, updates and removes', async (t) => {
  const a: string[] = []
  const b: string[] = []
  const c: string[] = []
  const proxy = createProxy()
  const port = await start(t, proxy)
  const first = await proxy.reconfigure({ backends: { web: { options: { balance: 'roundrobin' }, servers: { a: { address: await recorder(t, a) }, b: { address: await recorder(t, b), weight: 2 } } } } })
  t.same(first, { addedBackends: ['web'], added: ['web/a', 'web/b'], removed: [], updated: [], kept: [] })
  for (let i = 0; i < 3; i++) await send(port, { headers: { 'x-id': String(i) } })
  const web = proxy.getBackend('web')
  web.setState('a', 'drain') // a runtime change: kept across reconfigure
  const address = web.server('b')!.address
  const second = await proxy.reconfigure({ backends: { web: { servers: { a: { address: web.server('a')!.address }, b: { address, weight: 5 }, c: { address: await recorder(t, c) } } } } })
  t.same(second, { addedBackends: [], added: ['web/c'], removed: [], updated: ['web/b'], kept: ['web/a'] })
  t.match(web.server('a'), { admin: 'drain' })
  t.match(web.server('b'), { weight: 5 })
  t.equal(proxy.stats().backends[0]!.servers[1]!.stot, 2, 'b keeps its counters')
  // Invalid: the address of a running server cannot change; nothing changes.
  await t.rejects(proxy.reconfigure({ backends: { web: { servers: { b: { address: 'http://127.0.0.1:9' } } } } }), { code: 'SWY_ERR_INVALID_OPTION', message: /`address` cannot change/ })
  await t.rejects(proxy.reconfigure({ backends: { web: { servers: { d: { address: 'ftp://x' } } } } }), { code: 'SWY_ERR_INVALID_OPTION' })
  t.same(web.servers.map((s) => s.name), ['a', 'b', 'c'])
  const third = await proxy.reconfigure({ backends: { web: { servers: { b: { address, weight: 5 }, c: { address: web.server('c')!.address, disabled: true } } } } })
  t.same(third, { addedBackends: [], added: [], removed: ['web/a'], updated: ['web/c'], kept: ['web/b'] })
  t.same(web.servers.map((s) => `${s.name} ${s.admin}`), ['b ready', 'c maint'])
  const fourth = await proxy.reconfigure({ backends: { web: { servers: { b: { address, weight: 5, maxconn: 3, maxqueue: 4 }, c: { address: web.server('c')!.address } } } } })
  t.same(fourth.updated, ['web/b', 'web/c'])
  t.match(web.server('b'), { weight: 5, maxconn: 3, maxqueue: 4 })
  t.match(web.server('c'), { admin: 'ready' })
  const fifth = await proxy.reconfigure({ backends: { web: { servers: { b: { address }, c: { address: web.server('c')!.address } } } } })
  t.match(web.server('b'), { weight: 1, maxconn: 0, maxqueue: 0 })
  t.same(fifth.updated, ['web/b'])
})
