import t from 'tap'
import { AVERAGE_WINDOW, SlidingAverage } from '../../lib/stats/average.js'
import { RateCounter } from '../../lib/stats/rate.js'
import { Tally } from '../../lib/stats/tally.js'
import { StatsCollector } from '../../lib/stats/collector.js'
import { escapeHtml, renderPage, statusClass } from '../../lib/stats/page.js'
import { escapeLabel, serverState, toPrometheus } from '../../lib/stats/prometheus.js'
import { statsFormat } from '../../lib/stats/handler.js'
import { buildSnapshot, uncheckedStatus } from '../../lib/stats/snapshot.js'
import { toJson } from '../../lib/stats/json.js'
import { toCsv } from '../../lib/stats/csv.js'
import { HealthMonitor } from '../../lib/health/monitor.js'
import type { ServerView } from '../../lib/balance/types.js'
import { makeBackend } from '../fixtures/backend.js'
import { parsePrometheus, sampleValue } from '../fixtures/prometheus.js'

t.test('sliding average: exact mean until the window is full, then 1/N per sample', (t) => {
  const avg = new SlidingAverage()
  t.equal(avg.value, 0)
  avg.add(10)
  avg.add(20)
  t.equal(avg.value, 15)
  for (let i = 2; i < AVERAGE_WINDOW; i++) avg.add(15)
  t.equal(avg.value, 15)
  avg.add(15 + AVERAGE_WINDOW) // replaces 1/1024 of the sum: +1
  t.equal(avg.value, 16)
  t.end()
})

t.test('rate: this second plus the previous one weighted by what remains of it', (t) => {
  const rate = new RateCounter()
  for (let i = 0; i < 4; i++) rate.hit(1000)
  t.equal(rate.read(1000), 4)
  t.equal(rate.read(1750), 4, 'same second')
  t.equal(rate.read(2250), 3, 'ceil(4 × 0.75)')
  rate.hit(2250)
  t.equal(rate.read(2250), 4)
  t.equal(rate.read(4500), 0, 'two seconds later nothing counts')
  t.equal(rate.max, 4)
  t.end()
})

t.test('tally: termination states and status classes', (t) => {
  const tally = new Tally()
  const cases: [number, string][] = [[200, '----'], [101, '----'], [302, '----'], [404, 'CD--'], [503, 'SC--'], [503, 'sQ--'], [502, 'SH--'], [502, 'PH--'], [200, 'SD--'], [408, 'cR--'], [-1, 'CQ--'], [504, 'sH--'], [200, 'sD--'], [503, 'IR--']]
  for (const [status, term] of cases) tally.count(0, status, 1, 2, -1, 3, 4, 5, term, 1, status === 302)
  t.same(tally.hrsp, [1, 1, 3, 1, 2, 6])
  t.match(tally, { stot: 14, bin: 14, bout: 28, econ: 2, eresp: 5, srvAbrt: 2, cliAbrt: 3, wretr: 14, wredis: 1 })
  t.equal(tally.qtime.value, 0, 'never queued counts as 0')
  t.equal(tally.ctime.value, 3)
  t.end()
})

t.test('collector: unknown backends and removed servers only reach the rows that exist', (t) => {
  const collector = new StatsCollector(() => 500)
  const s1 = { name: 's1' } as ServerView
  collector.server('be', s1)
  collector.exchange('be', s1, 200, 0, 5, 0, 1, 2, 3, '----', 0, false)
  collector.exchange('be', undefined, 503, 0, 5, 0, -1, -1, 3, 'SC--', 0, false)
  collector.exchange('gone', s1, 200, 0, 5, 0, 1, 2, 3, '----', 0, false)
  collector.forget('be', s1)
  collector.forget('none', s1)
  collector.exchange('be', s1, 200, 0, 5, 0, 1, 2, 3, '----', 0, false)
  collector.local(400, 10)
  collector.local(503, 10)
  t.equal(collector.frontend.stot, 6)
  t.equal(collector.frontend.ereq, 1)
  t.equal(collector.backend('be').tally.stot, 3)
  t.equal(collector.server('be', s1).stot, 0, 'a new row after removal')
  t.end()
})

t.test('page helpers escape and classify', (t) => {
  t.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
  t.same(['UP 1/3', 'DOWN', 'MAINT', 'DRAIN (agent)', 'NOLB', 'no check'].map(statusClass), ['up', 'down', 'maint', 'drain', 'nolb', 'up'])
  t.same(['UP', 'DOWN 1/2', 'MAINT', 'DRAIN', 'NOLB', 'no check'].map(serverState), ['UP', 'DOWN', 'MAINT', 'DRAIN', 'NOLB', 'UP'])
  t.equal(escapeLabel('a"b\\c\nd'), 'a\\"b\\\\c\\nd')
  t.end()
})

t.test('statsFormat: path suffixes, query and Accept', (t) => {
  t.equal(statsFormat('/s;csv', undefined), 'csv')
  t.equal(statsFormat('/s;json', undefined), 'json')
  t.equal(statsFormat('/haproxy?stats;csv', undefined), 'csv', "HAProxy's default stats uri")
  t.equal(statsFormat('/haproxy?stats;json', undefined), 'json')
  t.equal(statsFormat('/s?format=json', undefined), 'json')
  t.equal(statsFormat('/s?format=nope', undefined), 'html')
  t.equal(statsFormat('/metrics', 'application/openmetrics-text; version=1.0.0'), 'prometheus')
  t.equal(statsFormat('/metrics', 'text/html'), 'html')
  t.end()
})

t.test('snapshot: unchecked statuses, backups, limits, a DOWN backend, names that need escaping', (t) => {
  const { backend } = makeBackend({ servers: [{ name: 'a<b>', maxconn: 5, maxqueue: 7 }, { name: 'b"q', backup: true }, { name: 'c' }, { name: 'd' }], maxconn: 20 })
  backend.setAdmin('c', 'drain')
  backend.setOperational('d', 'stopping')
  const health = new HealthMonitor({ clock: { now: () => 0 }, scheduler: { schedule: () => ({ cancel() {} }) }, random: () => 0 })
  const stats = buildSnapshot({ collector: new StatsCollector(() => 0), backends: [{ core: backend, algo: 'roundrobin' }], health, open: false, now: 0 })
  const rows = stats.backends[0]!.servers
  t.same(rows.map((r) => r.status), ['no check', 'no check', 'DRAIN', 'NOLB'])
  t.match(rows[0], { slim: 5, qlimit: 7, act: 1, bck: 0 })
  t.match(rows[1], { slim: null, qlimit: null, act: 0, bck: 1 })
  t.match(stats.backends[0], { act: 1, bck: 1, weight: 2, slim: 2 })
  t.equal(stats.frontend.status, 'STOP')
  backend.setOperational('a<b>', 'down')
  backend.setAdmin('b"q', 'maint')
  backend.setAdmin('c', 'maint')
  backend.setAdmin('d', 'maint')
  const down = buildSnapshot({ collector: new StatsCollector(() => 0), backends: [{ core: backend, algo: 'roundrobin' }], health: undefined, open: true, now: 0 })
  t.same(down.backends[0]!.servers.map((r) => r.status), ['DOWN', 'MAINT', 'MAINT', 'MAINT'])
  t.equal(down.backends[0]!.status, 'DOWN')
  t.equal(uncheckedStatus(backend.server('c')!), 'MAINT')
  const page = renderPage(down, 0)
  t.match(page, /<td>a&lt;b&gt;<\/td>/)
  t.notMatch(page, /<script>/, 'no refresh script when refresh is 0')
  const families = parsePrometheus(toPrometheus(down))
  t.equal(sampleValue(families, 'haproxy_server_status', { proxy: 'be', server: 'b"q', state: 'MAINT' }), 1)
  t.equal(sampleValue(families, 'haproxy_backend_status', { proxy: 'be', state: 'DOWN' }), 1)
  t.equal(sampleValue(families, 'haproxy_server_queue_limit', { proxy: 'be', server: 'a<b>' }), 7)
  t.equal(JSON.parse(toJson(down)).backends[0].servers[1].svname, 'b"q')
  t.match(toCsv(down), /\nbe,b"q,/)
  t.end()
})

t.test('prometheus: families without series are left out', (t) => {
  const empty = buildSnapshot({ collector: new StatsCollector(() => 0), backends: [], health: undefined, open: true, now: 0 })
  const families = parsePrometheus(toPrometheus(empty))
  t.equal(families.has('haproxy_backend_status'), false)
  t.equal(families.has('haproxy_frontend_sessions_total'), true)
  t.end()
})
