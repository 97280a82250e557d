import t from 'tap'
import type { Lease } from '../../lib/queue/types.js'
import { flush, track } from '../fixtures/backend.js'
import { L4CON, L4OK, agentReply, makeHealth, script } from '../fixtures/health.js'

t.test('§5.2 verified timeline: inter 1s fastinter 200 downinter 3s rise 2 fall 3', async (t) => {
  const { backend, clock, monitor, log } = makeHealth()
  const s = script(clock)
  monitor.watch(backend, 's1', { check: { probe: s.probe, inter: 1000, fastinter: 200, downinter: 3000 }, initialState: 'fully-up' })
  const statuses: string[] = []
  monitor.on('check:result', () => statuses.push(monitor.healthStats(backend, 's1').status))
  monitor.start()
  clock.advance(2500)
  s.result = L4CON
  clock.advance(3550)
  s.result = L4OK
  clock.advance(2550)
  t.same(s.calls, [0, 1000, 2000, 3000, 3200, 3400, 6400, 6600, 7600, 8600])
  t.same(statuses, ['UP', 'UP', 'UP', 'UP 2/3', 'UP 1/3', 'DOWN', 'DOWN 1/2', 'UP', 'UP', 'UP'])
  t.same(log, ['s1:down:check', 'be:backend-down', 's1:up:check', 'be:backend-up'])
  const stats = monitor.healthStats(backend, 's1')
  t.same([stats.chkfail, stats.chkdown, stats.downtime, stats.lastChange], [3, 1, 3, 2], 'chkfail 3, chkdown 1, down 3.2 s, last change at 6.6 s')
})

t.test('§5.4 initial state: UP at once, a single failure marks it DOWN, a single success makes it fully UP', async (t) => {
  const { backend, clock, monitor, log } = makeHealth({ servers: [{}, {}] })
  const a = script(clock, L4CON)
  const b = script(clock, L4OK)
  monitor.watch(backend, 's1', { check: { probe: a.probe } })
  monitor.watch(backend, 's2', { check: { probe: b.probe } })
  t.same([monitor.healthStats(backend, 's1').status, monitor.healthStats(backend, 's1').checkStatus], ['UP 1/3', 'INI'])
  t.equal(backend.servers[0]!.usable, true, 'receives traffic before the first check')
  monitor.start()
  clock.advance(0)
  t.equal(backend.servers[0]!.operational, 'down')
  t.equal(monitor.healthStats(backend, 's1').status, 'DOWN')
  clock.advance(1000)
  t.equal(monitor.healthStats(backend, 's2').status, 'UP')
  t.same(log, ['s1:down:check'])
})

t.test('initial states down and fully-down start DOWN; fully-up needs fall failures', async (t) => {
  const { backend, clock, monitor, log } = makeHealth({ servers: [{}, {}, {}] })
  const probes = [script(clock), script(clock), script(clock, L4CON)]
  monitor.watch(backend, 's1', { check: { probe: probes[0]!.probe, inter: 100 }, initialState: 'down' })
  monitor.watch(backend, 's2', { check: { probe: probes[1]!.probe, inter: 100 }, initialState: 'fully-down' })
  monitor.watch(backend, 's3', { check: { probe: probes[2]!.probe, inter: 100 }, initialState: 'fully-up' })
  t.same(backend.servers.map((s) => s.operational), ['down', 'down', 'up'])
  t.same(log, ['s1:down:check', 's2:down:check'])
  t.same([monitor.healthStats(backend, 's1').status, monitor.healthStats(backend, 's2').status], ['DOWN 1/2', 'DOWN'])
  monitor.start()
  clock.advance(0)
  t.equal(backend.servers[0]!.operational, 'up', 'down: one success')
  clock.advance(66)
  t.equal(backend.servers[1]!.operational, 'down', 'fully-down: one success is not enough (first check at 33 ms)')
  t.equal(backend.servers[2]!.operational, 'up', 'fully-up: one failure is not enough (first check at 66 ms)')
  clock.advance(67)
  t.equal(backend.servers[1]!.operational, 'up', 'fully-down: rise successes')
  clock.advance(33)
  t.equal(backend.servers[2]!.operational, 'up', 'fully-up: two failures are not enough')
  clock.advance(100)
  t.equal(backend.servers[2]!.operational, 'down', 'fully-up: fall failures')
  t.same(log.slice(2), ['s1:up:check', 's2:up:check', 's3:down:check'], 'no slow start at start-up either')
})

t.test('a server declared down is brought up by the initial state; a server in maintenance is left alone', async (t) => {
  const { backend, clock, monitor, log } = makeHealth({ servers: [{ operational: 'down' }, { admin: 'maint' }] })
  const a = script(clock)
  const b = script(clock)
  monitor.watch(backend, 's1', { check: { probe: a.probe }, slowstart: 5000 })
  monitor.watch(backend, 's2', { check: { probe: b.probe } })
  t.same(log, ['s1:up:check', 'be:backend-up'])
  monitor.start()
  clock.advance(5000)
  t.same(b.calls, [], 'checks of a server in maintenance are paused')
  t.equal(a.calls.length, 3)
})

t.test('check results are reported with status, code, duration and message', async (t) => {
  const { backend, clock, monitor, checks } = makeHealth()
  const s = script(clock, () => new Promise((resolve) => clock.schedule(12, () => resolve({ status: 'L7STS', code: 503, message: '503 Service Unavailable' }))))
  monitor.watch(backend, 's1', { check: { probe: s.probe } })
  monitor.start()
  clock.advance(0)
  t.equal(monitor.healthStats(backend, 's1').checkRunning, true)
  clock.advance(12)
  await flush()
  t.same(checks, [{ backend: 'be', server: backend.servers[0], source: 'check', status: 'L7STS', code: 503, duration: 12, message: '503 Service Unavailable' }])
  const stats = monitor.healthStats(backend, 's1')
  t.same([stats.checkStatus, stats.checkCode, stats.checkDuration, stats.checkDescription, stats.checkRunning], ['L7STS', 503, 12, '503 Service Unavailable', false])
})

t.test('the down transition carries the check behind it', async (t) => {
  const { backend, clock, monitor } = makeHealth({ servers: [{}, { backup: true }] })
  const s = script(clock, L4CON)
  monitor.watch(backend, 's1', { check: { probe: s.probe } })
  const seen: unknown[] = []
  monitor.on('server:down', (tr) => {
    seen.push([tr.backend, tr.server.name, tr.kind, tr.reason, tr.check?.status, tr.check?.message, tr.status, tr.previousOperational, tr.activeUsable, tr.backupUsable])
    seen.push(backend.servers[0]!.operational)
  })
  monitor.start()
  clock.advance(0)
  t.same(seen, [['be', 's1', 'down', 'check', 'L4CON', 'Connection refused', 'DOWN', 'up', 0, 1], 'down'], 'emitted after the backend committed it')
})

t.test('§5.6 disable-on-404: NOLB while up, back to UP on a 2xx; the probe is told when the server is down', async (t) => {
  const { backend, clock, monitor, log } = makeHealth({ servers: [{}, {}] })
  const s = script(clock, { status: 'L7OKC', code: 404 })
  monitor.watch(backend, 's1', { check: { probe: s.probe, inter: 100 } })
  monitor.start()
  clock.advance(0)
  t.equal(backend.servers[0]!.operational, 'stopping')
  t.equal(monitor.healthStats(backend, 's1').status, 'NOLB')
  const picks = [0, 1, 2, 3].map(() => {
    const a = backend.tryAcquire()
    if (a.status !== 'ok') throw new Error('expected a lease')
    a.lease.release()
    return a.lease.server.name
  })
  t.same(picks, ['s2', 's2', 's2', 's2'], 'no new balanced traffic')
  const pinned = backend.tryAcquire({ pinned: backend.servers[0]! })
  t.equal(pinned.status === 'ok' && pinned.lease.server.name, 's1', 'persistent traffic still served')
  s.result = L4OK
  clock.advance(100)
  t.equal(backend.servers[0]!.operational, 'up')
  s.result = { status: 'L7STS', code: 500 }
  clock.advance(300)
  t.equal(backend.servers[0]!.operational, 'down')
  t.same(s.contexts.map((c) => c.running), [true, true, true, true, true])
  clock.advance(100)
  t.equal(s.contexts[5]!.running, false, 'a DOWN server: a 404 must not mean NOLB')
  t.same(log, ['s1:stopping:check', 's1:up:check', 's1:down:check'])
})

t.test('agent replies drive weight, admin state, maxconn and health (§5.10, observed with iweight 10)', async (t) => {
  const { backend, clock, monitor, log, checks } = makeHealth({ servers: [{ weight: 10 }, {}] })
  const agent = script(clock, agentReply('50%'))
  monitor.watch(backend, 's1', { agent: { probe: agent.probe, inter: 1000 } })
  monitor.start()
  const s1 = backend.servers[0]!
  const steps: [string, number, string, string, number, string][] = []
  const step = (reply: string): void => {
    agent.result = agentReply(reply)
    clock.advance(1000)
    const stats = monitor.healthStats(backend, 's1')
    steps.push([reply, s1.weight, s1.admin, s1.operational, s1.maxconn, `${stats.agentStatus} ${stats.status} ${stats.agentDescription}`])
  }
  clock.advance(0)
  t.equal(s1.weight, 5)
  for (const reply of ['0%', '100%', '300%', 'up 75%', 'drain', 'ready,up,100%', 'maxconn:5', 'down #backup running', 'up', 'maint', 'drain down', 'ready', 'up', 'stopped', 'fail foo', 'up', 'hello', '200%']) step(reply)
  t.same(steps, [
    ['0%', 0, 'ready', 'up', 0, 'CHECKED no check '],
    ['100%', 10, 'ready', 'up', 0, 'CHECKED no check '],
    ['300%', 30, 'ready', 'up', 0, 'CHECKED no check '],
    ['up 75%', 7, 'ready', 'up', 0, 'L7OK no check via agent : up'],
    ['drain', 7, 'drain', 'up', 0, 'CHECKED DRAIN (agent) '],
    ['ready,up,100%', 10, 'ready', 'up', 0, 'L7OK no check via agent : up'],
    ['maxconn:5', 10, 'ready', 'up', 5, 'CHECKED no check '],
    ['down #backup running', 10, 'ready', 'down', 5, 'L7STS DOWN (agent) via agent : down (backup running)'],
    ['up', 10, 'ready', 'up', 5, 'L7OK no check via agent : up'],
    ['maint', 10, 'maint', 'up', 5, 'CHECKED MAINT '],
    ['drain down', 10, 'maint', 'up', 5, 'L7STS MAINT via agent : down'],
    ['ready', 10, 'ready', 'down', 5, 'CHECKED DOWN (agent) '],
    ['up', 10, 'ready', 'up', 5, 'L7OK no check via agent : up'],
    ['stopped', 10, 'ready', 'down', 5, 'L7STS DOWN (agent) via agent : stopped'],
    ['fail foo', 10, 'ready', 'down', 5, 'L7STS DOWN (agent) via agent : fail (foo)'],
    ['up', 10, 'ready', 'up', 5, 'L7OK no check via agent : up'],
    ['hello', 10, 'ready', 'up', 5, 'CHECKED no check agent reports an error : hello'],
    ['200%', 20, 'ready', 'up', 5, 'CHECKED no check '],
  ])
  t.same(log, [
    's1:weight:agent',
    's1:weight:agent',
    's1:weight:agent',
    's1:weight:agent',
    's1:weight:agent',
    's1:drain:agent',
    's1:ready:agent',
    's1:weight:agent',
    's1:down:agent',
    's1:up:agent',
    's1:maint:agent',
    's1:ready:agent',
    's1:down:agent',
    's1:up:agent',
    's1:down:agent',
    's1:up:agent',
    's1:weight:agent',
  ])
  t.equal(checks.filter((c) => c.source === 'agent').length, 19)
})

t.test('malformed agent replies and agent failures change nothing', async (t) => {
  const { backend, clock, monitor, log } = makeHealth({ servers: [{ weight: 10 }] })
  const agent = script(clock, agentReply('down'))
  monitor.watch(backend, 's1', { agent: { probe: agent.probe, inter: 1000 } })
  monitor.start()
  clock.advance(0)
  const before = { ...backend.servers[0]! }
  const rows: [string, string][] = []
  for (const result of [
    agentReply('up', true),
    agentReply('down#maintenance window'),
    agentReply('weight:50'),
    agentReply(''),
    L4CON,
    { status: 'L4TOUT' as const },
  ]) {
    agent.result = result
    clock.advance(1000)
    const stats = monitor.healthStats(backend, 's1')
    rows.push([String(stats.agentStatus), stats.agentDescription])
  }
  t.same(rows, [
    ['CHECKED', 'Ignoring incomplete line from agent'],
    ['CHECKED', 'agent reports an error : down#maintenance'],
    ['CHECKED', 'agent reports an error : weight:50'],
    ['CHECKED', 'empty agent reply'],
    ['L4CON', 'Connection refused'],
    ['L4TOUT', 'Layer4 timeout'],
  ])
  t.same({ ...backend.servers[0]! }, before, 'the server did not change')
  t.same(log, ['s1:down:agent', 'be:backend-down'])
  t.equal(monitor.healthStats(backend, 's1').status, 'DOWN (agent)')
})

t.test('agent warnings: the reply still applies; a static algorithm accepts only 0% and 100%', async (t) => {
  const { backend, clock, monitor } = makeHealth({ balance: { algorithm: 'static-rr' }, servers: [{ weight: 10 }] })
  const agent = script(clock, agentReply('50% drain'))
  monitor.watch(backend, 's1', { agent: { probe: agent.probe, inter: 1000 } })
  monitor.start()
  clock.advance(0)
  t.equal(backend.servers[0]!.weight, 10)
  t.equal(backend.servers[0]!.admin, 'drain')
  t.equal(monitor.healthStats(backend, 's1').agentDescription, "agent warns : Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.")
  agent.result = agentReply('0% maxconn:x ready')
  clock.advance(1000)
  t.same([backend.servers[0]!.weight, backend.servers[0]!.admin], [0, 'ready'])
  t.equal(monitor.healthStats(backend, 's1').agentDescription, 'agent warns : maxconn string empty')
  agent.result = agentReply('5%x up')
  clock.advance(1000)
  t.equal(monitor.healthStats(backend, 's1').agentDescription, 'via agent : up (Trailing garbage in weight string.)')
})

t.test('agent and regular check together: the agent holds the server down, a check cannot bring it back', async (t) => {
  const { backend, clock, monitor } = makeHealth()
  const check = script(clock)
  const agent = script(clock, agentReply('down'))
  monitor.watch(backend, 's1', { check: { probe: check.probe, inter: 1000 }, agent: { probe: agent.probe, inter: 1000 } })
  monitor.start()
  clock.advance(500)
  t.same([check.calls, agent.calls], [[0], [500]], 'the agent counts in the start-up spread')
  t.equal(backend.servers[0]!.operational, 'down')
  t.equal(monitor.healthStats(backend, 's1').checkHealth, 0, 'agent down forces the check counter to 0')
  agent.result = agentReply('100%')
  clock.advance(1000)
  t.equal(monitor.healthStats(backend, 's1').checkHealth, 1)
  clock.advance(1000)
  t.same([backend.servers[0]!.operational, monitor.healthStats(backend, 's1').status], ['down', 'DOWN (agent)'], 'rise reached, the agent still says down')
  t.equal(monitor.healthStats(backend, 's1').checkHealth, 4)
  agent.result = agentReply('up')
  clock.advance(1000)
  t.equal(backend.servers[0]!.operational, 'up')
  check.result = { status: 'L7OKC', code: 404 }
  clock.advance(1000)
  t.equal(backend.servers[0]!.operational, 'stopping')
  clock.advance(1000)
  t.equal(backend.servers[0]!.operational, 'stopping', 'an agent up does not end NOLB')
})

t.test('§5.8 verified: error-limit 3, rise 2 fall 3, responses 500, two servers round robin, 8 requests', async (t) => {
  const rows: [string, string, string[]][] = []
  for (const onError of ['mark-down', 'fail-check', 'sudden-death', 'fastinter'] as const) {
    const { backend, clock, monitor } = makeHealth({ servers: [{}, {}] })
    const probes = [script(clock), script(clock)]
    for (const [i, name] of ['s1', 's2'].entries()) {
      monitor.watch(backend, name, { check: { probe: probes[i]!.probe, inter: 60_000 }, initialState: 'fully-up', observe: { mode: 'layer7', errorLimit: 3, onError } })
    }
    monitor.start()
    clock.advance(0)
    const served: string[] = []
    for (let i = 0; i < 8; i++) {
      const admission = backend.tryAcquire()
      if (admission.status !== 'ok') throw new Error('no lease')
      const name = admission.lease.server.name
      served.push(name)
      admission.lease.release('ok', name === 's1' ? 500 : 200)
    }
    const stats = monitor.healthStats(backend, 's1')
    rows.push([onError, `${stats.status} ${String(stats.checkStatus)} hanafail=${stats.hanafail}`, served])
  }
  t.same(rows, [
    ['mark-down', 'DOWN HANA hanafail=1', ['s1', 's2', 's1', 's2', 's1', 's2', 's2', 's2']],
    ['fail-check', 'UP 2/3 HANA hanafail=1', ['s1', 's2', 's1', 's2', 's1', 's2', 's1', 's2']],
    ['sudden-death', 'UP 1/3 HANA hanafail=1', ['s1', 's2', 's1', 's2', 's1', 's2', 's1', 's2']],
    ['fastinter', 'UP L4OK hanafail=1', ['s1', 's2', 's1', 's2', 's1', 's2', 's1', 's2']],
  ])
})

t.test('passive health: OK outcomes and passed checks reset the count; client aborts do not count; layer4 ignores statuses', async (t) => {
  const { backend, clock, monitor, log, checks } = makeHealth()
  const s = script(clock)
  monitor.watch(backend, 's1', { check: { probe: s.probe, inter: 10_000, fastinter: 1000 }, initialState: 'fully-up', observe: { mode: 'layer7', errorLimit: 2, onError: 'mark-down' } })
  monitor.start()
  clock.advance(0)
  const release = (outcome: Parameters<Lease['release']>[0], status?: number): void => {
    const a = backend.tryAcquire()
    if (a.status === 'ok') a.lease.release(outcome, status)
  }
  release('ok', 502)
  release('ok', 200)
  release('response-timeout')
  release('client-abort')
  clock.advance(10_000)
  release('bad-response')
  t.equal(backend.servers[0]!.operational, 'up', 'never two errors in a row')
  release('connect-error')
  t.equal(backend.servers[0]!.operational, 'down')
  t.same(log, ['s1:down:observe', 'be:backend-down'])
  const hana = checks.at(-1)!
  t.same([hana.source, hana.status, hana.duration, hana.message], ['observe', 'HANA', undefined, 'Detected 2 consecutive errors, last one was: Connection error'])
  t.equal(s.calls.at(-1), 10_000)
  clock.advance(1000)
  t.equal(s.calls.at(-1), 11_000, 'the next check comes at fastinter')
  clock.advance(1000)
  t.equal(backend.servers[0]!.operational, 'up')

  const l4 = makeHealth()
  const p = script(l4.clock)
  l4.monitor.watch(l4.backend, 's1', { check: { probe: p.probe, inter: 10_000 }, observe: { mode: 'layer4', errorLimit: 1, onError: 'fail-check' } })
  l4.monitor.start()
  l4.clock.advance(0)
  for (const status of [500, 503]) {
    const a = l4.backend.tryAcquire()
    if (a.status === 'ok') a.lease.release('ok', status)
  }
  t.equal(l4.monitor.healthStats(l4.backend, 's1').hanafail, 0)
  const a = l4.backend.tryAcquire()
  if (a.status === 'ok') a.lease.release('connect-timeout')
  const last = l4.checks.at(-1)!
  t.same([last.status, last.message, l4.monitor.healthStats(l4.backend, 's1').status], ['HANA', 'Detected 1 consecutive errors, last one was: Connection timeout', 'UP 2/3'])
})

t.test('passive health names the last error', async (t) => {
  const { backend, clock, monitor, checks } = makeHealth()
  const s = script(clock)
  monitor.watch(backend, 's1', { check: { probe: s.probe, inter: 10_000 }, observe: { mode: 'layer7', errorLimit: 1 } })
  monitor.start()
  clock.advance(0)
  const messages: string[] = []
  for (const [outcome, status] of [['ok', 503], ['response-timeout', undefined], ['bad-response', undefined]] as const) {
    const a = backend.tryAcquire({ pinned: backend.servers[0]! })
    if (a.status === 'ok') a.lease.release(outcome, status)
    messages.push(checks.at(-1)!.message)
  }
  t.same(messages, [
    'Detected 1 consecutive errors, last one was: Wrong http response (503)',
    'Detected 1 consecutive errors, last one was: Read timeout',
    'Detected 1 consecutive errors, last one was: Invalid http response',
  ])
  t.same([monitor.healthStats(backend, 's1').chkfail, backend.servers[0]!.operational], [3, 'down'])
})

t.test('passive health is ignored while the check is disabled or in maintenance', async (t) => {
  const { backend, clock, monitor } = makeHealth()
  const s = script(clock)
  monitor.watch(backend, 's1', { check: { probe: s.probe, inter: 10_000 }, observe: { mode: 'layer7', errorLimit: 1 } })
  monitor.start()
  clock.advance(0)
  const lease = backend.tryAcquire()
  backend.setAdmin('s1', 'maint')
  if (lease.status === 'ok') lease.lease.release('ok', 500)
  monitor.disableCheck(backend, 's1')
  backend.setAdmin('s1', 'ready')
  const again = backend.tryAcquire()
  if (again.status === 'ok') again.lease.release('ok', 500)
  t.equal(monitor.healthStats(backend, 's1').hanafail, 0)
})

t.test('§5.9 slow start: weight 20 slowstart 10s → displayed weight and throttle per second (observed)', async (t) => {
  const { backend, clock, monitor, log } = makeHealth({ servers: [{ weight: 20 }, {}] })
  const s = script(clock, L4CON)
  monitor.watch(backend, 's1', { check: { probe: s.probe, inter: 1000, rise: 1 }, slowstart: 10_000 })
  monitor.start()
  clock.advance(0)
  t.equal(backend.servers[0]!.operational, 'down')
  s.result = L4OK
  clock.advance(1000)
  const s1 = backend.servers[0]!
  const weights: number[] = []
  const throttles: (number | undefined)[] = []
  for (let e = 0; e <= 10; e++) {
    weights.push(Math.ceil(s1.eweight / 16))
    throttles.push(monitor.healthStats(backend, 's1').throttle)
    clock.advance(1000)
  }
  t.same(weights, [2, 3, 5, 7, 9, 12, 13, 15, 17, 19, 20])
  t.same(throttles, [6, 12, 25, 31, 43, 56, 62, 75, 81, 93, undefined])
  t.same(log, ['s1:down:check', 's1:starting:check', 's1:up:slowstart'])
  t.equal(monitor.healthStats(backend, 's1').status, 'UP')
})

t.test('slow start ramps maxconn and each step pulls waiting requests', async (t) => {
  const { backend, clock, monitor } = makeHealth({ servers: [{ maxconn: 10 }], timeoutQueue: 100_000 })
  const s = script(clock, L4CON)
  monitor.watch(backend, 's1', { check: { probe: s.probe, inter: 60_000, rise: 1 }, slowstart: 60_000 })
  monitor.start()
  clock.advance(0)
  const waiting = Array.from({ length: 10 }, () => track(backend.acquire()))
  t.equal(backend.counters().noServer, 10, 'no server while down')
  s.result = L4OK
  clock.advance(60_000)
  t.equal(backend.servers[0]!.operational, 'starting')
  const queued = Array.from({ length: 10 }, () => track(backend.acquire()))
  await flush()
  const served: number[] = []
  for (let step = 0; step < 21; step++) {
    served.push(backend.servers[0]!.served)
    clock.advance(3000)
  }
  await flush()
  t.same(served, [1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10], 'limit max(1, floor(10 × floor(100e/60)/100)) at steps of 3 s')
  t.ok(queued.every((q) => q.state === 'ok'))
  t.ok(waiting.every((w) => w.state === 'error'))
  t.equal(backend.servers[0]!.operational, 'up')
})

t.test('slow start is interrupted by a failure, and restarts from scratch', async (t) => {
  const { backend, clock, monitor, log } = makeHealth()
  const s = script(clock, L4CON)
  monitor.watch(backend, 's1', { check: { probe: s.probe, inter: 1000, rise: 1, fall: 1 }, slowstart: 5000 })
  monitor.start()
  clock.advance(0)
  s.result = L4OK
  clock.advance(1000)
  s.result = L4CON
  clock.advance(1000)
  s.result = L4OK
  clock.advance(1000)
  t.equal(monitor.healthStats(backend, 's1').throttle, 6, 'a fresh window')
  clock.advance(5000)
  t.same(log, ['s1:down:check', 'be:backend-down', 's1:starting:check', 'be:backend-up', 's1:down:check', 'be:backend-down', 's1:starting:check', 'be:backend-up', 's1:up:slowstart'])
  t.equal(clock.pending, 1, 'only the next check is pending: no ramp step left')
})

t.test('§6.1 maintenance pauses checks; leaving it: health = rise, UP (or the ramp), unless the agent says down', async (t) => {
  const { backend, clock, monitor, log } = makeHealth()
  const s = script(clock, L4CON)
  monitor.watch(backend, 's1', { check: { probe: s.probe, inter: 1000, fastinter: 200 } })
  monitor.start()
  clock.advance(0)
  t.equal(backend.servers[0]!.operational, 'down')
  backend.setAdmin('s1', 'maint')
  t.equal(monitor.healthStats(backend, 's1').status, 'MAINT')
  clock.advance(5000)
  t.same(s.calls, [0], 'no check in maintenance')
  backend.setAdmin('s1', 'ready')
  t.same([backend.servers[0]!.operational, monitor.healthStats(backend, 's1').status], ['up', 'UP 1/3'], 'up, one failure from down')
  clock.advance(200)
  t.same(s.calls, [0, 5200], 'checks resume at fastinter (health = rise)')
  t.equal(backend.servers[0]!.operational, 'down')
  t.same(log, ['s1:down:check', 'be:backend-down', 's1:maint:admin', 's1:ready:admin', 's1:up:admin', 'be:backend-up', 's1:down:check', 'be:backend-down'])
  t.equal(monitor.healthStats(backend, 's1').downtime, 5)
})

t.test('leaving maintenance with slow start ramps; with the agent down stays down', async (t) => {
  const { backend, clock, monitor, log } = makeHealth({ servers: [{}, {}] })
  const a = script(clock)
  monitor.watch(backend, 's1', { check: { probe: a.probe, inter: 1000 }, slowstart: 3000 })
  const agent = script(clock, agentReply('down'))
  monitor.watch(backend, 's2', { agent: { probe: agent.probe, inter: 1000 } })
  monitor.start()
  clock.advance(1000)
  backend.setAdmin('s1', 'maint')
  backend.setAdmin('s1', 'drain')
  t.equal(backend.servers[0]!.operational, 'starting', 'maint → drain: the ramp starts')
  backend.setAdmin('s2', 'maint')
  backend.setAdmin('s2', 'ready')
  t.equal(backend.servers[1]!.operational, 'down')
  backend.setOperational('s2', 'up')
  backend.setAdmin('s2', 'maint')
  backend.setAdmin('s2', 'ready')
  t.equal(backend.servers[1]!.operational, 'down', 'the agent still says down')
  t.same(log, [
    's2:down:agent',
    's1:maint:admin',
    'be:backend-down',
    's1:drain:admin',
    's1:starting:admin',
    's2:maint:admin',
    's2:ready:admin',
    's2:up:admin',
    'be:backend-up',
    's2:maint:admin',
    'be:backend-down',
    's2:ready:admin',
    'be:backend-up',
    's2:down:admin',
    'be:backend-down',
  ], 'leaving maintenance commits ready first, then the agent’s down')
})

t.test('an operator forcing the operational state resets the counter (set server health)', async (t) => {
  const { backend, clock, monitor, log } = makeHealth()
  const s = script(clock)
  monitor.watch(backend, 's1', { check: { probe: s.probe, inter: 1000 } })
  monitor.start()
  clock.advance(0)
  backend.setOperational('s1', 'down')
  t.equal(monitor.healthStats(backend, 's1').status, 'DOWN')
  clock.advance(1000)
  t.equal(monitor.healthStats(backend, 's1').status, 'DOWN 1/2')
  backend.setOperational('s1', 'stopping')
  t.equal(monitor.healthStats(backend, 's1').status, 'NOLB')
  clock.advance(1000)
  t.same(log, ['s1:down:admin', 'be:backend-down', 's1:stopping:admin', 's1:up:check', 'be:backend-up'])
})

t.test('disable health: the server is treated as unchecked; enable health resumes at once', async (t) => {
  const { backend, clock, monitor, log } = makeHealth()
  const s = script(clock, L4CON)
  monitor.watch(backend, 's1', { check: { probe: s.probe, inter: 1000 } })
  monitor.enableCheck(backend, 's1')
  monitor.start()
  clock.advance(0)
  monitor.disableCheck(backend, 's1')
  monitor.disableCheck(backend, 's1')
  t.same([backend.servers[0]!.operational, monitor.healthStats(backend, 's1').status], ['up', 'no check'])
  clock.advance(5000)
  t.same(s.calls, [0])
  monitor.enableCheck(backend, 's1')
  clock.advance(0)
  t.same(s.calls, [0, 5000])
  t.same(log, ['s1:down:check', 'be:backend-down', 's1:up:admin', 'be:backend-up', 's1:down:check', 'be:backend-down'])
})

t.test('disable agent: a down it reported no longer holds the server; enable agent resumes', async (t) => {
  const { backend, clock, monitor } = makeHealth()
  const agent = script(clock, agentReply('down'))
  monitor.watch(backend, 's1', { agent: { probe: agent.probe, inter: 1000 } })
  t.same([monitor.healthStats(backend, 's1').agentStatus, monitor.healthStats(backend, 's1').agentHealth], ['INI', 1])
  monitor.disableAgent(backend, 's1')
  monitor.disableAgent(backend, 's1')
  monitor.enableAgent(backend, 's1')
  monitor.enableAgent(backend, 's1')
  monitor.start()
  clock.advance(0)
  t.equal(backend.servers[0]!.operational, 'down')
  monitor.disableAgent(backend, 's1')
  t.equal(backend.servers[0]!.operational, 'up')
  clock.advance(3000)
  t.same(agent.calls, [0])
  monitor.enableAgent(backend, 's1')
  clock.advance(0)
  t.equal(backend.servers[0]!.operational, 'down')
  monitor.disableCheck(backend, 's1')
  monitor.enableCheck(backend, 's1')
  t.equal(backend.servers[0]!.operational, 'down', 'no regular check to toggle')
})

t.test('disabling the check keeps a server down while its agent says so', async (t) => {
  const { backend, clock, monitor } = makeHealth()
  const check = script(clock)
  const agent = script(clock, agentReply('down'))
  monitor.watch(backend, 's1', { check: { probe: check.probe }, agent: { probe: agent.probe } })
  monitor.start()
  clock.advance(1000)
  monitor.disableCheck(backend, 's1')
  t.equal(backend.servers[0]!.operational, 'down')
  monitor.enableCheck(backend, 's1')
  t.equal(backend.servers[0]!.operational, 'down')
})

t.test('enabling before start waits for start', async (t) => {
  const { backend, clock, monitor } = makeHealth()
  const s = script(clock)
  const agent = script(clock, agentReply('up'))
  monitor.watch(backend, 's1', { check: { probe: s.probe }, agent: { probe: agent.probe } })
  monitor.disableCheck(backend, 's1')
  monitor.disableAgent(backend, 's1')
  monitor.enableCheck(backend, 's1')
  monitor.enableAgent(backend, 's1')
  clock.advance(10_000)
  t.same([s.calls, agent.calls], [[], []])
})

t.test('on-marked-down shutdown-sessions and on-marked-up shutdown-backup-sessions', async (t) => {
  const { backend, clock, monitor } = makeHealth({ servers: [{}, { backup: true }, { backup: true }] })
  const s = script(clock, L4CON)
  monitor.watch(backend, 's1', { check: { probe: s.probe, inter: 1000, rise: 1 }, shutdownOnDown: true, shutdownBackupsOnUp: true })
  const kills: string[] = []
  monitor.on('server:shutdown-sessions', (server, name, cause) => kills.push(`${name}/${server.name}:${cause}`))
  monitor.start()
  clock.advance(0)
  t.same(kills, ['be/s1:marked-down'])
  s.result = L4OK
  clock.advance(2000)
  t.same(kills, ['be/s1:marked-down', 'be/s2:marked-up', 'be/s3:marked-up'])
  backend.setWeight('s1', 0)
  backend.setOperational('s1', 'down')
  backend.setOperational('s1', 'up')
  t.same(kills.slice(3), ['be/s1:marked-down'], 'any down kills; an active server at weight 0 coming up kills nothing')
})
