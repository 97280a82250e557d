import t, { type Test } from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createProxy, type Proxy } from '../../lib/proxy.js'
import { CSV_FIELDS } from '../../lib/stats/fields.js'
import { toCsv } from '../../lib/stats/csv.js'
import { toPrometheus } from '../../lib/stats/prometheus.js'
import { listen, send, upstream, until } from '../fixtures/http.js'
import { refusedAddress } from '../fixtures/faults.js'
import { parsePrometheus, sampleValue } from '../fixtures/prometheus.js'

async function start(t: Test, proxy: Proxy): Promise<number> {
  const server = await proxy.listen(0)
  t.teardown(() => proxy.close())
  return (server.address() as AddressInfo).port
}

function answer(status: number, body: string): http.RequestListener {
  return (req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(status, { 'content-type': 'text/plain' }).end(body))
  }
}

async function traffic(t: Test): Promise<Proxy> {
  const proxy = createProxy()
  const web = proxy.addBackend('web')
  web.addServer('s1', { address: await upstream(t, answer(200, 'hello')) })
  web.addServer('s2', { address: await upstream(t, answer(500, 'boom')) })
  const port = await start(t, proxy)
  for (let i = 0; i < 6; i++) await send(port)
  for (let i = 0; i < 2; i++) await send(port, { method: 'POST', body: 'abcd' })
  await until(() => proxy.stats().frontend.stot === 8)
  return proxy
}

t.test('counters match the traffic sent: stot, hrsp, bin, bout per server, backend and frontend', async (t) => {
  const proxy = await traffic(t)
  const stats = proxy.stats()
  const web = stats.backends[0]!
  const [s1, s2] = web.servers
  t.match(s1, { pxname: 'web', svname: 's1', stot: 4, hrsp_2xx: 4, hrsp_5xx: 0, bin: 4, bout: 20, scur: 0, smax: 1, econ: 0, eresp: 0, status: 'no check', weight: 1, act: 1, bck: 0, type: 2, sid: 1, iid: 2 })
  t.match(s2, { svname: 's2', stot: 4, hrsp_2xx: 0, hrsp_5xx: 4, bin: 4, bout: 16, type: 2 })
  t.match(web, { svname: 'BACKEND', stot: 8, req_tot: 8, hrsp_2xx: 4, hrsp_5xx: 4, bin: 8, bout: 36, status: 'UP', act: 2, weight: 2, algo: 'roundrobin', type: 1 })
  t.match(stats.frontend, { pxname: 'switchyard', svname: 'FRONTEND', stot: 8, hrsp_2xx: 4, hrsp_5xx: 4, bin: 8, bout: 36, ereq: 0, status: 'OPEN', type: 0 })
  t.equal(web.rate, 8, 'eight requests within the last second')
  t.ok(s1!.ttime! >= 0 && s1!.lastsess === 0)
})

t.test('connection failures count econ and 503 on the server, backend and frontend', async (t) => {
  const proxy = createProxy()
  proxy.addBackend('dead', { retries: 0 }).addServer('x', { address: await refusedAddress() })
  const port = await start(t, proxy)
  for (let i = 0; i < 3; i++) t.equal((await send(port)).status, 503)
  await until(() => proxy.stats().frontend.stot === 3)
  const be = proxy.stats().backends[0]!
  t.match(be.servers[0], { econ: 3, hrsp_5xx: 3, stot: 3, wretr: 0 })
  t.match(be, { econ: 3, hrsp_5xx: 3, stot: 3 })
  // Answered by the handler itself (no backend at all): counted on the frontend only.
  const empty = createProxy()
  const emptyPort = await start(t, empty)
  t.equal((await send(emptyPort)).status, 503)
  await until(() => empty.stats().frontend.stot === 1)
  t.match(empty.stats().frontend, { ereq: 0, hrsp_5xx: 1, stot: 1 })
  t.same(empty.stats().backends, [])
})

t.test('CSV: HAProxy 2.6 header in field order, FRONTEND, servers then BACKEND, empty fields', async (t) => {
  const proxy = await traffic(t)
  const lines = toCsv(proxy.stats()).trimEnd().split('\n')
  const header = lines[0]!.slice(2).split(',')
  t.same(header.slice(0, 12), ['pxname', 'svname', 'qcur', 'qmax', 'scur', 'smax', 'slim', 'stot', 'bin', 'bout', 'dreq', 'dresp'])
  t.equal(header.indexOf('status'), 17)
  t.equal(header.indexOf('hrsp_2xx'), 40)
  t.equal(header.indexOf('ttime'), 61)
  t.equal(header.indexOf('uweight'), 99)
  t.equal(header.indexOf('-'), 103)
  t.equal(header.length, CSV_FIELDS.length + 1, 'trailing comma like HAProxy')
  const rows = lines.slice(1).map((l) => l.split(','))
  t.same(rows.map((r) => `${r[0]}/${r[1]}`), ['switchyard/FRONTEND', 'web/s1', 'web/s2', 'web/BACKEND'])
  const s1 = rows[1]!
  t.equal(s1[7], '4', 'stot')
  t.equal(s1[40], '4', 'hrsp_2xx')
  t.equal(s1[9], '20', 'bout')
  t.equal(s1[10], '', 'dreq not applicable')
  t.equal(s1[17], 'no check')
  t.equal(rows[0]![13], '', 'frontend has no econ')
  for (const r of rows) t.equal(r.length, header.length)
})

t.test('Prometheus text parses strictly and carries the counters under the exporter names', async (t) => {
  const proxy = await traffic(t)
  const families = parsePrometheus(toPrometheus(proxy.stats()))
  t.equal(sampleValue(families, 'haproxy_server_sessions_total', { proxy: 'web', server: 's1' }), 4)
  t.equal(sampleValue(families, 'haproxy_server_http_responses_total', { proxy: 'web', server: 's2', code: '5xx' }), 4)
  t.equal(sampleValue(families, 'haproxy_backend_http_responses_total', { proxy: 'web', code: '2xx' }), 4)
  t.equal(sampleValue(families, 'haproxy_backend_bytes_out_total', { proxy: 'web' }), 36)
  t.equal(sampleValue(families, 'haproxy_frontend_http_requests_total', { proxy: 'switchyard' }), 8)
  t.equal(sampleValue(families, 'haproxy_server_status', { proxy: 'web', server: 's1', state: 'UP' }), 1)
  t.equal(sampleValue(families, 'haproxy_server_status', { proxy: 'web', server: 's1', state: 'DOWN' }), 0)
  t.equal(sampleValue(families, 'haproxy_backend_status', { proxy: 'web', state: 'UP' }), 1)
  t.equal(families.get('haproxy_server_sessions_total')!.type, 'counter')
  t.equal(families.get('haproxy_server_current_sessions')!.type, 'gauge')
  t.ok(sampleValue(families, 'haproxy_server_total_time_average_seconds', { proxy: 'web', server: 's1' }) >= 0)
})

t.test('the stats handler serves HTML, JSON, CSV and Prometheus', async (t) => {
  const proxy = await traffic(t)
  proxy.getBackend('web').setState('s2', 'maint')
  const server = http.createServer(proxy.statsHandler({ refresh: 1000 }))
  const port = await listen(t, server)
  const html = await send(port, { path: '/stats' })
  t.match(html.headers['content-type'], /text\/html/)
  t.match(html.body, /<table data-backend="web">/)
  t.match(html.body, /<tr class="maint"><td>s2<\/td>/)
  t.match(html.body, /setInterval\(tick,1000\)/)
  const json = await send(port, { path: '/stats?format=json' })
  t.equal(json.headers['content-type'], 'application/json')
  t.same(JSON.parse(json.body).backends[0].servers.map((s: { svname: string; status: string }) => `${s.svname} ${s.status}`), ['s1 no check', 's2 MAINT'])
  const csv = await send(port, { path: '/stats;csv' })
  t.match(csv.body, /^# pxname,svname,qcur,/)
  t.equal((await send(port, { path: '/stats?format=csv' })).body.split('\n')[0], csv.body.split('\n')[0])
  const prom = await send(port, { path: '/metrics', headers: { accept: 'text/plain; version=0.0.4' } })
  t.match(prom.headers['content-type'], /version=0\.0\.4/)
  t.equal(sampleValue(parsePrometheus(prom.body), 'haproxy_server_status', { proxy: 'web', server: 's2', state: 'MAINT' }), 1)
  const byQuery = await send(port, { path: '/?format=prometheus' })
  t.match(byQuery.headers['content-type'], /version=0\.0\.4/)
  t.equal(sampleValue(parsePrometheus(byQuery.body), 'haproxy_server_sessions_total', { proxy: 'web', server: 's1' }), 4)
  t.equal((await send(port, { path: '/s;json' })).headers['content-type'], 'application/json')
  const head = await send(port, { method: 'HEAD', path: '/' })
  t.equal(head.body, '')
  const defaults = await listen(t, http.createServer(proxy.statsHandler()))
  t.match((await send(defaults, { path: '/' })).body, /setInterval\(tick,5000\)/, 'refreshes every 5 s by default')
})

t.test('health checks are wired: a checked server that refuses goes DOWN in the stats; runtime check control', async (t) => {
  const proxy = createProxy()
  const web = proxy.addBackend('web')
  // Checks are spread over the interval in declaration order: the first one runs at once.
  web.addServer('bad', { address: await refusedAddress(), check: { inter: 60_000 }, agent: { port: 1, inter: 60_000 } })
  web.addServer('ok', { address: await upstream(t, answer(200, 'x')), slowstart: 1000 })
  t.throws(() => web.addServer('worse', { address: 'http://127.0.0.1:1', check: { inter: -5 } }), { code: 'SWY_ERR_INVALID_OPTION' })
  t.equal(web.server('worse'), undefined, 'an invalid check adds nothing')
  await start(t, proxy)
  await until(() => proxy.stats().backends[0]!.servers[0]!.status.startsWith('DOWN'))
  const [bad, ok] = proxy.stats().backends[0]!.servers
  t.match(ok, { status: 'no check', check_status: null, chkdown: 0 })
  t.match(bad, { check_status: 'L4CON', chkdown: 1, chkfail: 1 })
  t.equal(typeof bad!.check_duration, 'number')
  web.disableCheck('bad')
  web.disableAgent('bad')
  t.equal(proxy.stats().backends[0]!.servers[0]!.status, 'no check', 'unchecked once both checks are disabled')
  web.enableCheck('bad')
  web.enableAgent('bad')
  t.throws(() => web.enableCheck('nope'), { code: 'SWY_ERR_UNKNOWN_SERVER' })
  t.equal(proxy.health.started, true)
})
