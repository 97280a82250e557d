import t from 'tap'
import { Backend } from '../../lib/backend.js'
import { HealthMonitor } from '../../lib/health/monitor.js'
import type { ServerView } from '../../lib/balance/types.js'
import { flush, track } from '../fixtures/backend.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { L4CON, L4OK, agentReply, makeHealth, script } from '../fixtures/health.js'

t.test('§5.2 first checks: observed 3 servers inter 3s → ≈0, 1, 2 s', async (t) => {
  const { backend, clock, monitor } = makeHealth({ servers: [{}, {}, {}] })
  const probes = [script(clock), script(clock), script(clock)]
  for (const [i, p] of probes.entries()) monitor.watch(backend, `s${i + 1}`, { check: { probe: p.probe, inter: 3000 }, initialState: 'fully-up' })
  monitor.start()
  monitor.start()
  clock.advance(5999)
  t.same(probes.map((p) => p.calls), [[0, 3000], [1000, 4000], [2000, 5000]])
})

t.test('first checks: agents count, the spread is the smallest interval ≥ 1 s, raised to each one’s own', async (t) => {
  const { backend, clock, monitor } = makeHealth({ servers: [{}, {}, {}] })
  const a = script(clock)
  const b = script(clock, agentReply('up'))
  const c = script(clock)
  monitor.watch(backend, 's1', { check: { probe: a.probe, inter: 2000 }, initialState: 'fully-up' })
  monitor.watch(backend, 's2', { agent: { probe: b.probe, inter: 8000 } })
  monitor.watch(backend, 's3', { check: { probe: c.probe, inter: 100 }, initialState: 'fully-up' })
  monitor.start()
  clock.advance(4000)
  t.same([a.calls[0], b.calls[0], c.calls[0]], [0, 8000 / 3, (2000 * 2) / 3].map(Math.trunc), 'positions 0, 1, 2 of 3 over max(2000, own)')
})

t.test('spread-checks jitters the first checks and every interval', async (t) => {
  const { backend, clock, monitor } = makeHealth({ servers: [{}, {}, {}], spreadChecks: 10, random: () => 0 })
  const probes = [script(clock), script(clock), script(clock)]
  for (const [i, p] of probes.entries()) monitor.watch(backend, `s${i + 1}`, { check: { probe: p.probe, inter: 3000 }, initialState: 'fully-up' })
  monitor.start()
  clock.advance(6000)
  t.same(probes.map((p) => p.calls), [[0, 3300], [1100, 4400], [2200, 5500]], 'span 3300; then 3000 + 300')
  t.throws(() => new HealthMonitor({ clock, scheduler: clock, random: Math.random }, { spreadChecks: 51 }), { code: 'SWY_ERR_INVALID_OPTION' })
  t.throws(() => new HealthMonitor({ clock, scheduler: clock, random: Math.random }, { spreadChecks: 1.5 }), { code: 'SWY_ERR_INVALID_OPTION' })
})

t.test('a server watched after start is checked at once; watching again replaces the options', async (t) => {
  const { backend, clock, monitor } = makeHealth({ servers: [{}, {}] })
  const a = script(clock)
  monitor.watch(backend, 's1', { check: { probe: a.probe, inter: 1000 } })
  monitor.start()
  clock.advance(500)
  const b = script(clock)
  monitor.watch(backend, backend.servers[1]!, { check: { probe: b.probe, inter: 1000 } })
  clock.advance(0)
  t.same(b.calls, [500])
  const c = script(clock, L4CON)
  monitor.watch(backend, 's1', { check: { probe: c.probe, inter: 300 } })
  clock.advance(1000)
  t.same([a.calls, c.calls], [[0], [500, 800, 1100, 1400]], 'the old probe stopped; the new one runs')
  t.equal(backend.servers[0]!.operational, 'down')
})

t.test('unwatch: the server is no longer checked and shows no check', async (t) => {
  const { backend, clock, monitor } = makeHealth()
  const a = script(clock)
  monitor.watch(backend, 's1', { check: { probe: a.probe, inter: 1000 } })
  monitor.start()
  clock.advance(0)
  monitor.unwatch(backend, 's1')
  clock.advance(5000)
  t.same(a.calls, [0])
  const stats = monitor.healthStats(backend, 's1')
  t.same([stats.status, stats.checkStatus, stats.agentStatus], ['no check', undefined, undefined])
  t.equal(clock.pending, 0)
})

t.test('transitions of unchecked servers are reported with reason admin; backend down and up', async (t) => {
  const { backend, monitor, log } = makeHealth({ servers: [{}, { backup: true }] })
  backend.setWeight('s1', 0)
  backend.setAdmin('s2', 'drain')
  backend.setAdmin('s2', 'ready')
  backend.setWeight('s1', '100%')
  t.same(log, ['s1:weight:admin', 's2:drain:admin', 'be:backend-down', 's2:ready:admin', 'be:backend-up', 's1:weight:admin'])
  const stats = monitor.healthStats(backend, 's1')
  t.same([stats.status, stats.checkStatus, stats.chkfail, stats.throttle], ['no check', undefined, 0, undefined])
  const seen: number[] = []
  monitor.on('server:weight', (tr) => seen.push(tr.previousWeight, tr.server.weight, tr.activeUsable, tr.backupUsable))
  backend.setWeight('s1', 3)
  t.same(seen, [1, 3, 1, 1])
})

t.test('every kind has its own event, followed by server:transition', async (t) => {
  const { backend, monitor } = makeHealth()
  const order: string[] = []
  for (const name of ['server:up', 'server:starting', 'server:stopping', 'server:down', 'server:ready', 'server:drain', 'server:maint', 'server:weight', 'server:transition'] as const) {
    monitor.on(name, (tr) => order.push(`${name}(${tr.kind})`))
  }
  backend.setOperational('s1', 'down')
  backend.setOperational('s1', 'starting')
  backend.setOperational('s1', 'up')
  backend.setOperational('s1', 'stopping')
  backend.setAdmin('s1', 'drain')
  backend.setAdmin('s1', 'maint')
  backend.setAdmin('s1', 'ready')
  backend.setWeight('s1', 2)
  t.same(order, [
    'server:down(down)',
    'server:transition(down)',
    'server:starting(starting)',
    'server:transition(starting)',
    'server:up(up)',
    'server:transition(up)',
    'server:stopping(stopping)',
    'server:transition(stopping)',
    'server:drain(drain)',
    'server:transition(drain)',
    'server:maint(maint)',
    'server:transition(maint)',
    'server:ready(ready)',
    'server:transition(ready)',
    'server:weight(weight)',
    'server:transition(weight)',
  ])
})

t.test('lastchg and downtime follow every change, admin ones included', async (t) => {
  const { backend, clock, monitor } = makeHealth()
  clock.advance(4500)
  t.same([monitor.healthStats(backend, 's1').lastChange, monitor.healthStats(backend, 's1').downtime], [4, 0])
  backend.setAdmin('s1', 'maint')
  clock.advance(2000)
  backend.setOperational('s1', 'down')
  clock.advance(1000)
  backend.setAdmin('s1', 'ready')
  clock.advance(1000)
  backend.setOperational('s1', 'up')
  clock.advance(1500)
  const stats = monitor.healthStats(backend, 's1')
  t.same([stats.lastChange, stats.downtime, stats.chkdown], [1, 4, 1])
})

t.test('a backend created with a down server starts counted as down', async (t) => {
  const clock = new FakeClock()
  const backend = new Backend('b2', { balance: { algorithm: 'roundrobin' }, servers: [{ name: 'a', address: '127.0.0.1:1', operational: 'down' }] }, { clock, scheduler: clock, random: Math.random })
  const monitor = new HealthMonitor({ clock, scheduler: clock, random: Math.random })
  monitor.attach(backend)
  monitor.attach(backend)
  const log: string[] = []
  monitor.on('backend:up', (name, cause) => log.push(`${name} up by ${String(cause?.server.name)}`))
  clock.advance(3000)
  t.equal(monitor.healthStats(backend, 'a').downtime, 3)
  backend.setOperational('a', 'up')
  t.same(log, ['b2 up by a'])
})

t.test('servers added and removed at run time', async (t) => {
  const { backend, clock, monitor, log } = makeHealth({ servers: [{}] })
  const a = script(clock)
  monitor.watch(backend, 's1', { check: { probe: a.probe, inter: 1000 }, observe: 'layer7' })
  monitor.start()
  clock.advance(0)
  const lease = backend.tryAcquire()
  backend.addServer({ name: 's2', address: '127.0.0.1:9100' })
  t.equal(monitor.healthStats(backend, 's2').status, 'no check')
  const b = script(clock, L4CON)
  monitor.watch(backend, 's2', { check: { probe: b.probe, inter: 1000 } })
  clock.advance(0)
  t.same(b.calls, [0])
  t.equal(backend.servers[1]!.operational, 'down')
  backend.removeServer('s1')
  t.same(log, ['s2:down:check', 'be:backend-down'], 'removing the last usable server')
  if (lease.status === 'ok') lease.lease.release('ok', 500)
  clock.advance(3000)
  t.same(a.calls, [0], 'a removed server is no longer checked')
  t.throws(() => monitor.healthStats(backend, 's1'), { code: 'SWY_ERR_UNKNOWN_SERVER' })
  backend.addServer({ name: 's3', address: '127.0.0.1:9101' })
  t.same(log, ['s2:down:check', 'be:backend-down', 'be:backend-up'], 'adding a usable one')
  backend.addServer({ name: 's4', address: '127.0.0.1:9102', backup: true })
  backend.addServer({ name: 's5', address: '127.0.0.1:9103', admin: 'maint' })
  backend.removeServer('s5')
  t.equal(log.length, 3, 'no backend event when the backend was already up, or for an unusable server')
})

t.test('unknown servers and backends', async (t) => {
  const { backend, monitor } = makeHealth()
  const other = makeHealth()
  t.throws(() => monitor.healthStats(backend, 'nope'), { code: 'SWY_ERR_UNKNOWN_SERVER' })
  t.throws(() => monitor.healthStats(backend, other.backend.servers[0]!), { code: 'SWY_ERR_UNKNOWN_SERVER' }, 'a same-named server of another backend')
  t.throws(() => monitor.watch(backend, 'nope', { check: true }), { code: 'SWY_ERR_UNKNOWN_SERVER' })
  const lone = new HealthMonitor({ clock: other.clock, scheduler: other.clock, random: Math.random })
  for (const call of [
    () => lone.healthStats(backend, 's1'),
    () => lone.unwatch(backend, 's1'),
    () => lone.enableCheck(backend, 's1'),
    () => lone.disableCheck(backend, 's1'),
    () => lone.enableAgent(backend, 's1'),
    () => lone.disableAgent(backend, 's1'),
  ]) {
    t.throws(call, { code: 'SWY_ERR_UNKNOWN_BACKEND' })
  }
  t.throws(() => monitor.watch(backend, 's1', { check: { inter: 0 } }), { code: 'SWY_ERR_INVALID_OPTION' })
  t.throws(() => monitor.watch(backend, 's1', { check: { http: { expect: { type: 'status', codes: 'x' } } } }), { code: 'SWY_ERR_INVALID_OPTION' }, 'an invalid expect')
})

t.test('close: no timer pending, in-flight checks aborted, listeners removed; nothing restarts it', async (t) => {
  const { backend, clock, monitor, log } = makeHealth({ servers: [{}, {}] })
  const a = script(clock, (context) => new Promise((resolve) => context.signal.addEventListener('abort', () => resolve(L4CON))))
  const b = script(clock, agentReply('up'))
  monitor.watch(backend, 's1', { check: { probe: a.probe, inter: 1000 }, slowstart: 10_000, observe: 'layer4' })
  monitor.watch(backend, 's2', { agent: { probe: b.probe, inter: 1000 } })
  monitor.start()
  clock.advance(0)
  monitor.close()
  monitor.close()
  t.equal(clock.pending, 0)
  t.equal(a.contexts[0]!.signal.aborted, true)
  await flush()
  t.equal(monitor.started, false)
  monitor.start()
  monitor.attach(backend)
  monitor.watch(backend, 's1', { check: { probe: a.probe } })
  backend.setOperational('s1', 'down')
  clock.advance(10_000)
  t.same(log, [], 'no events after close')
  t.equal(clock.pending, 0)
  for (const event of ['server:state', 'server:weight', 'server:add', 'server:remove', 'backend:close', 'lease:release'] as const) {
    t.equal(backend.listenerCount(event), 0, event)
  }
})

t.test('closing the backend detaches it', async (t) => {
  const { backend, clock, monitor } = makeHealth()
  const a = script(clock)
  monitor.watch(backend, 's1', { check: { probe: a.probe, inter: 1000 } })
  monitor.start()
  clock.advance(0)
  backend.close()
  t.equal(clock.pending, 0)
  t.throws(() => monitor.healthStats(backend, 's1'), { code: 'SWY_ERR_UNKNOWN_BACKEND' })
  monitor.detach(backend)
})

t.test('§6.2 effect matrix through the Backend', async (t) => {
  type Row = [picked: boolean, persistent: string, checks: number, ownQueue: boolean, pulls: boolean]
  const rows: Record<string, Row> = {}
  const states = ['UP', 'STARTING', 'NOLB', 'DRAIN', 'weight 0', 'DOWN', 'MAINT'] as const
  for (const state of states) {
    const { backend, clock, monitor } = makeHealth({ servers: [{ maxconn: 1 }, { maxconn: 1 }], timeoutQueue: 100_000 })
    const s = script(clock, state === 'NOLB' ? { status: 'L7OKC', code: 404 } : state === 'DOWN' ? L4CON : L4OK)
    monitor.watch(backend, 's1', { check: { probe: s.probe, inter: 1000, downinter: 3000, rise: 1, fall: 1 }, initialState: 'fully-up', slowstart: 10_000 })
    const [s1, s2] = backend.servers as [ServerView, ServerView]
    const first = track(backend.acquire({ pinned: s1 }))
    const own = track(backend.acquire({ pinned: s1 }))
    const other = track(backend.acquire({ pinned: s2 }))
    if (state === 'STARTING') backend.setOperational('s1', 'down')
    monitor.start()
    clock.advance(0)
    if (state === 'DRAIN') backend.setAdmin('s1', 'drain')
    if (state === 'MAINT') backend.setAdmin('s1', 'maint')
    if (state === 'weight 0') backend.setWeight('s1', 0)
    const expected = { UP: 'up', STARTING: 'starting', NOLB: 'stopping', DRAIN: 'up', 'weight 0': 'up', DOWN: 'down', MAINT: 'up' }[state]
    t.equal(s1.operational, expected, `${state}: operational ${expected}`)
    const queued = track(backend.acquire())
    await flush()
    first.lease!.release()
    await flush()
    const ownServed = own.state === 'ok' && own.lease!.server === s1
    own.lease?.release()
    await flush()
    const pulls = queued.state === 'ok' && queued.lease!.server === s1
    for (let round = 0; round < 3; round++) {
      for (const held of [queued, other, own]) held.lease?.release()
      await flush()
    }
    const names = new Set<string>()
    for (let i = 0; i < 40; i++) {
      const a = backend.tryAcquire()
      if (a.status === 'ok') {
        names.add(a.lease.server.name)
        a.lease.release()
      }
    }
    const persistent = backend.tryAcquire({ pinned: s1 })
    const persistentTo = persistent.status === 'ok' ? persistent.lease.server.name : persistent.status
    if (persistent.status === 'ok') persistent.lease.release()
    const before = s.calls.length
    clock.advance(3000)
    rows[state] = [names.has('s1'), persistentTo, s.calls.length - before, ownServed, pulls]
    monitor.close()
  }
  t.same(rows, {
    UP: [true, 's1', 3, true, true],
    STARTING: [true, 's1', 3, true, true],
    NOLB: [false, 's1', 3, true, false],
    DRAIN: [false, 's1', 3, true, false],
    'weight 0': [false, 's1', 3, true, false],
    DOWN: [false, 's2', 1, true, false],
    MAINT: [false, 's2', 0, false, false],
  })
})

t.test('a server removed before start is skipped', async (t) => {
  const { backend, clock, monitor } = makeHealth({ servers: [{}, {}] })
  const a = script(clock)
  const b = script(clock)
  monitor.watch(backend, 's1', { check: { probe: a.probe, inter: 1000 } })
  monitor.watch(backend, 's2', { check: { probe: b.probe, inter: 1000 } })
  backend.removeServer('s1')
  monitor.start()
  clock.advance(0)
  t.same([a.calls, b.calls], [[], [0]], 'the remaining check is the only one: it runs at once')
})
