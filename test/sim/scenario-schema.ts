import t from 'tap'
import { parseScenario } from '../../lib/sim/scenario-schema.js'

const MINIMAL = { servers: [{ name: 'a', service: 5 }], arrivals: [{ kind: 'burst', count: 1 }] }

function message(input: unknown): string {
  try {
    parseScenario(input)
  } catch (error) {
    return (error as Error).message
  }
  return 'no error'
}

t.test('defaults', (t) => {
  const s = parseScenario(MINIMAL)
  t.equal(s.name, 'scenario')
  t.equal(s.seed, 1)
  t.same(s.backend, { balance: { algorithm: 'roundrobin' }, maxconn: 0, fullconn: undefined, timeoutQueue: 0, timeoutConnect: 0, redispatch: false, allbackups: false })
  t.same(s.servers[0], {
    name: 'a',
    weight: 1,
    maxconn: 0,
    minconn: 0,
    maxqueue: 0,
    backup: false,
    workers: 0,
    service: { kind: 'constant', value: 5 },
    errorRate: 0,
    errorTime: { kind: 'constant', value: 1 },
  })
  t.same(s.arrivals, [{ kind: 'burst', at: 0, count: 1, spacing: 0, keys: 0, priorityClass: 0, priorityOffset: 0 }])
  t.same(s.retries, { count: 0, redispatch: true, delay: 1000 })
  t.same([s.failures, s.slowdowns, s.changes, s.compare], [[], [], [], []])
  t.equal(s.detect, 0)
  t.equal(s.sample, 0)
  t.same([s.health, s.persistence], [undefined, undefined])
  t.end()
})

t.test('arrivals: duration becomes a count, traces are sorted, failures and windows keep undefined durations', (t) => {
  const s = parseScenario({
    ...MINIMAL,
    arrivals: [
      { kind: 'poisson', rate: 200, duration: 1500 },
      { kind: 'constant', rate: 10, count: 4, start: 3 },
      { kind: 'trace', requests: [{ at: 9, key: 'x' }, { at: 2 }, { at: 9 }] },
    ],
    failures: [{ server: 'a', at: 1, mode: 'errors', errorTime: { kind: 'exponential', mean: 2 } }],
    slowdowns: [{ server: 'a', at: 2, factor: 10 }],
    compare: ['leastconn', { algorithm: 'peak-ewma', decay: 500 }],
  })
  const none = { priorityClass: 0, priorityOffset: 0 }
  t.same(s.arrivals[0], { kind: 'poisson', rate: 200, start: 0, count: 300, keys: 0, ...none })
  t.same(s.arrivals[1], { kind: 'constant', rate: 10, start: 3, count: 4, keys: 0, ...none })
  t.same(s.arrivals[2], { kind: 'trace', requests: [{ at: 2 }, { at: 9, key: 'x' }, { at: 9 }], ...none })
  t.same(s.failures[0], { server: 'a', at: 1, duration: undefined, mode: 'errors', errorRate: 1, errorTime: { kind: 'exponential', mean: 2 } })
  t.same(s.slowdowns[0], { server: 'a', at: 2, duration: undefined, factor: 10 })
  t.same(s.compare, [{ algorithm: 'leastconn' }, { algorithm: 'peak-ewma', decay: 500 }])
  t.end()
})

t.test('errors name the field', (t) => {
  const rows: Array<[unknown, RegExp]> = [
    [{ ...MINIMAL, servers: [{ name: 'a', service: 5, maxconn: -1 }] }, /`servers\.0\.maxconn`/],
    [{ ...MINIMAL, servers: [{ name: 'a', service: 5, maxConn: 3 }] }, /unknown option `servers\.0\.maxConn`/],
    [{ ...MINIMAL, servers: [{ name: 'a', service: 5, minconn: 8, maxconn: 4 }] }, /`servers\.0\.minconn`: must be <= maxconn/],
    [{ ...MINIMAL, servers: [{ name: 'a', service: 5 }, { name: 'a', service: 5 }] }, /`servers\.1\.name`: duplicate server name "a"/],
    [{ ...MINIMAL, servers: [{ name: 'a', service: { kind: 'uniform', min: 5, max: 1 } }] }, /`servers\.0\.service\.max`: must be >= min/],
    [{ ...MINIMAL, servers: [{ name: 'a', service: { kind: 'gamma' } }] }, /`servers\.0\.service/],
    [{ ...MINIMAL, arrivals: [{ kind: 'constant', rate: 5 }] }, /`arrivals\.0`: give exactly one of `count` and `duration`/],
    [{ ...MINIMAL, arrivals: [{ kind: 'constant', rate: 0, count: 1 }] }, /`arrivals\.0\.rate`/],
    [{ ...MINIMAL, arrivals: [] }, /`arrivals`/],
    [{ ...MINIMAL, failures: [{ server: 'zz', at: 0 }] }, /`failures\.0\.server`: no server named "zz"/],
    [{ ...MINIMAL, slowdowns: [{ server: 'zz', at: 0, factor: 2 }] }, /`slowdowns\.0\.server`/],
    [{ ...MINIMAL, changes: [{ server: 'a', at: 0 }] }, /`changes\.0`: give at least one of/],
    [{ ...MINIMAL, changes: [{ server: 'a', at: 0, weight: 'half' }] }, /`changes\.0\.weight`/],
    [{ ...MINIMAL, backend: { balance: 'fastest' } }, /`backend\.balance/],
    [{ ...MINIMAL, retries: { count: 1.5 } }, /`retries\.count`/],
    [{ ...MINIMAL, detect: 10, health: {} }, /`detect`: give either `detect`.*or `health`/],
    [{ ...MINIMAL, health: { rise: 0 } }, /`health\.rise`/],
    [{ ...MINIMAL, health: { failedCheck: 'slow' } }, /`health\.failedCheck`/],
    [{ ...MINIMAL, health: { observe: 'layer9' } }, /`health\.observe`/],
    [{ ...MINIMAL, health: { spreadChecks: 60 } }, /`health\.spreadChecks`/],
    [{ ...MINIMAL, persistence: {} }, /`persistence\.clients`/],
    [{ ...MINIMAL, persistence: { clients: 5, cookie: 'a b' } }, /`persistence\.cookie`/],
    [{ ...MINIMAL, servers: [{ name: 'a;b', service: 1 }], persistence: { clients: 5 } }, /`servers\.0\.name`: with `persistence`, a server name is its cookie value/],
    [{ ...MINIMAL, arrivals: [{ kind: 'burst', count: 1, priorityClass: 3000 }] }, /`arrivals\.0\.priorityClass`/],
    [{ ...MINIMAL, arrivals: [{ kind: 'trace', requests: [], priorityOffset: 0.5 }] }, /`arrivals\.0\.priorityOffset`/],
  ]
  for (const [input, pattern] of rows) t.match(message(input), pattern, String(pattern))
  t.match(message(MINIMAL), 'no error')
  t.end()
})

t.test('changes accept admin, weight (integer or percent) and maxconn', (t) => {
  const s = parseScenario({ ...MINIMAL, changes: [{ server: 'a', at: 5, weight: '50%' }, { server: 'a', at: 6, admin: 'maint', maxconn: 3, weight: 2 }] })
  t.same(s.changes, [{ server: 'a', at: 5, weight: '50%' }, { server: 'a', at: 6, admin: 'maint', maxconn: 3, weight: 2 }])
  t.end()
})

t.test('health, persistence and priorities: defaults and values', (t) => {
  const s = parseScenario({
    ...MINIMAL,
    arrivals: [{ kind: 'constant', rate: 5, count: 2, priorityClass: -3, priorityOffset: 250 }],
    health: { inter: 1000 },
    persistence: { clients: 10 },
  })
  t.same(s.arrivals[0], { kind: 'constant', rate: 5, start: 0, count: 2, keys: 0, priorityClass: -3, priorityOffset: 250 })
  t.same(s.health, {
    inter: 1000,
    fastinter: 1000,
    downinter: 1000,
    rise: 2,
    fall: 3,
    timeout: 0,
    connectTimeout: 0,
    failedCheck: 'refused',
    spreadChecks: 0,
    initialState: 'up',
    slowstart: 0,
    observe: undefined,
  })
  t.same(s.persistence, { cookie: 'SERVERID', clients: 10, skew: 0, persist: false })
  const full = parseScenario({
    ...MINIMAL,
    health: { fastinter: 200, downinter: 5000, observe: { mode: 'layer4', onError: 'mark-down' } },
  })
  t.same([full.health!.inter, full.health!.fastinter, full.health!.downinter], [2000, 200, 5000])
  t.same(full.health!.observe, { mode: 'layer4', errorLimit: 10, onError: 'mark-down' })
  t.same(parseScenario({ ...MINIMAL, health: { observe: 'layer7' } }).health!.observe, { mode: 'layer7', errorLimit: 10, onError: 'fail-check' })
  t.same(parseScenario({ ...MINIMAL, health: { observe: { mode: 'layer7', errorLimit: 2 } } }).health!.observe, { mode: 'layer7', errorLimit: 2, onError: 'fail-check' })
  t.end()
})

t.test('every example scenario is valid', async (t) => {
  const { readdirSync, readFileSync } = await import('node:fs')
  const dir = new URL('../../examples/scenarios/', import.meta.url)
  const names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort()
  t.ok(names.includes('sticky-failover.json'))
  for (const name of names) {
    const s = parseScenario(JSON.parse(readFileSync(new URL(name, dir), 'utf8')))
    t.ok(s.servers.length > 0, name)
  }
  const sticky = parseScenario(JSON.parse(readFileSync(new URL('sticky-failover.json', dir), 'utf8')))
  t.same([sticky.health?.fall, sticky.persistence?.clients, sticky.arrivals[1]?.priorityClass], [3, 5000, -1])
})
