import https from 'node:https'
import type http from 'node:http'
import t from 'tap'
import { HttpBackend, createHttpBackend } from '../../lib/adapters/http-backend.js'
import { resolveHttpBackendOptions } from '../../lib/adapters/resolve.js'
import { selfSignedCert } from '../fixtures/faults.js'
import { echo, listen, proxy, send } from '../fixtures/http.js'
import { FixtureServer, FixtureSource } from '../fixtures/lease-source.js'

t.test('one pool per server, rebuilt when the address changes', async (t) => {
  const backend = createHttpBackend(new FixtureSource('be', []))
  t.equal(backend.name, 'be')
  const s1 = new FixtureServer('s1', 'http://127.0.0.1:1', 0, 0)
  const first = backend.upstream(s1)
  t.equal(backend.upstream(s1), first, 'cached')
  const moved = new FixtureServer('s1', 'http://127.0.0.1:2', 0, 0)
  const second = backend.upstream(moved)
  t.not(second, first)
  t.ok(first.pool.closed, 'the old pool is closed')
  t.equal(second.origin, 'http://127.0.0.1:2')
  await backend.removeServer('s1')
  t.ok(second.pool.closed)
  await backend.removeServer('s1')
  const third = backend.upstream(moved)
  await backend.close()
  t.ok(third.pool.closed)
})

t.test('setServerTransport applies per-server TLS options over the backend defaults', async (t) => {
  const { key, cert } = selfSignedCert()
  const port = await listen(t, https.createServer({ key, cert }, echo('tls')) as unknown as http.Server)
  const p = await proxy(t, [`http://127.0.0.1:${port}`], { retries: 0, server: { verify: 'none' } })
  t.equal((await send(p.port)).status, 502, 'plain HTTP to a TLS server: an invalid response')
  p.backend.setServerTransport('s1', { ssl: true })
  t.equal((await send(p.port)).headers['x-server'], 'tls', 'ssl on, verify none inherited from the backend')
})

t.test('the constructor takes resolved options', async (t) => {
  const b = new HttpBackend(new FixtureSource('x', []), resolveHttpBackendOptions({ errorPages: { 502: 'bad' } }))
  t.equal(b.pages[502]!.body.toString(), 'bad')
  t.equal(b.pages[503], undefined)
  t.equal(b.retry.retries, 3)
  await b.close()
})
