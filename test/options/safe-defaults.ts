import t from 'tap'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { safeDefaults } from '../../lib/options/safe-defaults.js'
import { safeDefaults as exported } from '../../lib/index.js'
import { createProxy } from '../../lib/proxy.js'
import { echo, send, upstream } from '../fixtures/http.js'

t.test('safeDefaults: documented values, fresh objects, exported from the package', (t) => {
  const safe = safeDefaults()
  t.same(safe, {
    proxy: { timeouts: { client: 30_000, httpRequest: 5_000, httpKeepAlive: 5_000 }, maxHeaders: 100, abortOnClose: true },
    backend: { timeouts: { connect: 3_000, server: 30_000, queue: 5_000, tunnel: 600_000 }, retries: 3, redispatch: true, idleTimeout: 2_000, bufferSize: 16_384 },
    server: { check: { inter: 2_000, rise: 2, fall: 3, timeout: 1_000 }, maxqueue: 256 },
  })
  t.not(safeDefaults().proxy, safe.proxy, 'a new object on each call')
  t.equal(exported, safeDefaults)
  t.ok(safe.backend.idleTimeout < 5_000, 'pooled connections idle out before a Node server (keepAliveTimeout 5 s) closes them')
  t.end()
})

t.test('the values are accepted by createProxy, addBackend and addServer, and requests flow', async (t) => {
  const safe = safeDefaults()
  const proxy = createProxy({ ...safe.proxy })
  const be = proxy.addBackend('be', { ...safe.backend })
  be.addServer('s1', { ...safe.server, address: await upstream(t, echo('s1')) })
  const server = await proxy.listen(0)
  t.teardown(() => proxy.close({ hardStopAfter: 0 }))
  const reply = await send((server.address() as AddressInfo).port)
  t.equal(reply.status, 200)
  t.equal(reply.headers['x-server'], 's1')
})

t.test('with them, a slowloris client is answered 408 within timeout http-request plus one check interval', async (t) => {
  const safe = safeDefaults()
  const proxy = createProxy({ ...safe.proxy, timeouts: { ...safe.proxy.timeouts, httpRequest: 600 } })
  proxy.addBackend('be', { ...safe.backend }).addServer('s1', { address: await upstream(t, echo('s1')) })
  const server = await proxy.listen(0)
  t.teardown(() => proxy.close({ hardStopAfter: 0 }))
  const s = net.connect((server.address() as AddressInfo).port, '127.0.0.1')
  s.on('error', () => {})
  let answer = ''
  s.on('data', (c: Buffer) => (answer += c.toString('latin1')))
  const started = performance.now()
  s.write('GET / HTTP/1.1\r\nHost: a\r\n')
  const drip = setInterval(() => s.write('x-a: b\r\n'), 100)
  await new Promise((resolve) => s.once('close', resolve))
  clearInterval(drip)
  t.match(answer, /^HTTP\/1\.1 408 /)
  t.ok(performance.now() - started < 600 + 1_000, 'cut by the check interval listen() sets, not Node\'s 30 s default')
})
