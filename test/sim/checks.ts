import t from 'tap'
import { settleTime } from '../../lib/sim/checks.js'
import { parseScenario } from '../../lib/sim/scenario-schema.js'
import { simulate, type SimResult } from '../../lib/sim/simulate.js'

/** Two servers, 10 requests/s for 30 s; `a` dies at 10 s and comes back at 20 s. */
const OUTAGE = {
  servers: [
    { name: 'a', service: 5 },
    { name: 'b', service: 5 },
  ],
  arrivals: [{ kind: 'constant', rate: 10, duration: 30_000 }],
  failures: [{ server: 'a', at: 10_000, duration: 10_000 }],
}

function transitions(r: SimResult): Array<[number, string, string, string | undefined, string | undefined]> {
  return r.health.map((h) => [h.at, h.server, h.operational, h.reason, h.check])
}

t.test('transitions happen at the exact check times of inter / fastinter / downinter, rise and fall', async (t) => {
  const table: Array<[string, Record<string, unknown>, Array<[number, string, string, string | undefined, string | undefined]>]> = [
    [
      // a's checks run at 0, 2, 4 … s. Fully UP after the first; the failure at 10 s is seen by the
      // check at 10 s (4 → 3), then 12 s (→ 2), 14 s (→ below rise: DOWN) — the 3rd failed check.
      // DOWN: downinter; the check at 20 s sees the recovery (0 → 1), the one at 22 s reaches rise 2: UP.
      'refused checks, inter 2 s, rise 2, fall 3',
      { inter: 2000, rise: 2, fall: 3 },
      [
        [14_000, 'a', 'down', 'check', 'L4CON'],
        [22_000, 'a', 'up', 'check', 'L4OK'],
      ],
    ],
    [
      // Each failed attempt hangs until its limit, inter (no `timeout check`), and the next check is
      // due inter after it completed: attempts 10→12, 14→16, 18→20 s; then 22 and 24 s pass.
      'hanging checks bounded by inter',
      { inter: 2000, rise: 2, fall: 3, failedCheck: 'timeout' },
      [
        [20_000, 'a', 'down', 'check', 'L4TOUT'],
        [24_000, 'a', 'up', 'check', 'L4OK'],
      ],
    ],
    [
      // Attempts limited to min(inter, timeout connect) = 1 s: 10→11, then fastinter 0.5 s: 11.5→12.5,
      // 13→14 DOWN. Fully DOWN: downinter 5 s: 19→20 (times out just as a recovers), 25 passes,
      // fastinter 25.5 passes: UP.
      'fastinter, downinter, timeout check with timeout connect',
      { inter: 2000, fastinter: 500, downinter: 5000, rise: 2, fall: 3, timeout: 300, connectTimeout: 1000, failedCheck: 'timeout' },
      [
        [14_000, 'a', 'down', 'check', 'L4TOUT'],
        [25_500, 'a', 'up', 'check', 'L4OK'],
      ],
    ],
    [
      'rise 1, fall 1: the first check after each change flips it',
      { inter: 2000, rise: 1, fall: 1 },
      [
        [10_000, 'a', 'down', 'check', 'L4CON'],
        [20_000, 'a', 'up', 'check', 'L4OK'],
      ],
    ],
    [
      // Both start DOWN (set before the run starts, not a transition): a is checked at 0 and 2 s,
      // b at 1 and 3 s (start-up spread); rise 2 passes bring each UP.
      'init-state fully-down: rise passes first',
      { inter: 2000, rise: 2, fall: 3, initialState: 'fully-down' },
      [
        [2000, 'a', 'up', 'check', 'L4OK'],
        [3000, 'b', 'up', 'check', 'L4OK'],
        [14_000, 'a', 'down', 'check', 'L4CON'],
        [22_000, 'a', 'up', 'check', 'L4OK'],
      ],
    ],
  ]
  for (const [name, health, expected] of table) {
    const r = await simulate({ ...OUTAGE, health })
    t.same(transitions(r), expected, name)
    t.equal(r.requests.unfinished, 0, `${name}: every request ended`)
  }
  t.end()
})

t.test('a server dead from the start: the first check, at 0, sees it (HAProxy starts UP with health = rise: one failure is enough)', async (t) => {
  const r = await simulate({ ...OUTAGE, failures: [{ server: 'a', at: 0, duration: 5000 }], health: { inter: 2000 } })
  // DOWN at 0; downinter checks at 2, 4 s fail, 6 s passes (0 → 1), 8 s: UP.
  t.same(transitions(r), [
    [0, 'a', 'down', 'check', 'L4CON'],
    [8000, 'a', 'up', 'check', 'L4OK'],
  ])
  t.end()
})

t.test('start-up spread: the second of two servers is first checked half an interval later', async (t) => {
  // b's checks run at 1, 3, 5 … s: the failure at 10 s is seen at 11, 13, 15 s.
  const r = await simulate({ ...OUTAGE, failures: [{ server: 'b', at: 10_000 }], health: { inter: 2000 } })
  t.same(transitions(r), [[15_000, 'b', 'down', 'check', 'L4CON']])
  // Requests reaching b between 10 s and 15 s failed (roundrobin: every other one), none after.
  t.same(r.servers.map((s) => [s.name, s.failed]), [['a', 0], ['b', 25]])
  t.end()
})

t.test('requests reach a dead server until the checks notice: counts', async (t) => {
  const r = await simulate({ ...OUTAGE, health: { inter: 2000, rise: 2, fall: 3 } })
  // 10 requests/s alternate a, b: a gets 5/s; it fails those from 10 s to 14 s (20), and is back from 22 s.
  t.same(r.servers.map((s) => [s.name, s.attempts, s.failed]), [['a', 110, 20], ['b', 190, 0]])
  t.equal(r.requests.failed, 20)
  t.end()
})

t.test('passive observe: consecutive errors mark the server down (HANA); checks bring it back', async (t) => {
  const r = await simulate({
    servers: [
      { name: 'a', service: 5 },
      { name: 'b', service: 5 },
    ],
    arrivals: [{ kind: 'constant', rate: 10, duration: 20_000 }],
    // a answers, but every request fails for 3 s: checks still pass.
    failures: [{ server: 'a', at: 5000, duration: 3000, mode: 'errors', errorRate: 1 }],
    health: { inter: 2000, fastinter: 1000, rise: 2, fall: 3, observe: { mode: 'layer7', errorLimit: 3, onError: 'mark-down' } },
  })
  // a's requests at 5.0, 5.2, 5.4 s fail: the third error marks it DOWN at 5.401 s (errorTime 1 ms).
  // The next check was due at 6 s already (sooner than fastinter): it passes (0 → 1), and 7 s (rise 2)
  // brings a UP. The window lasts until 8 s: errors at 7.1, 7.3, 7.5 s mark it DOWN again at 7.501 s;
  // that brings the check due at 9 s forward to fastinter, 8.501 s (→ 1), then 9.501 s: UP.
  t.same(transitions(r), [
    [5401, 'a', 'down', 'observe', 'HANA'],
    [7000, 'a', 'up', 'check', 'L4OK'],
    [7501, 'a', 'down', 'observe', 'HANA'],
    [9501, 'a', 'up', 'check', 'L4OK'],
  ])
  t.same(r.servers.map((s) => [s.name, s.attempts, s.failed]), [['a', 83, 6], ['b', 117, 0]], 'a failed 6 requests, then b took its share while it was DOWN')
  t.end()
})

t.test('slowstart: a server coming back ramps up (starting) before it is up', async (t) => {
  const r = await simulate({ ...OUTAGE, health: { inter: 2000, slowstart: 3000 } })
  t.same(
    r.health.map((h) => [h.at, h.operational]),
    [
      [14_000, 'down'],
      [22_000, 'starting'],
      [25_000, 'up'],
    ],
  )
  t.end()
})

t.test('checks keep running while requests wait for a server to come back, then stop', async (t) => {
  const r = await simulate({
    servers: [
      { name: 'a', maxconn: 1, service: 10_000 },
      { name: 'b', maxconn: 1, service: 10 },
    ],
    arrivals: [{ kind: 'burst', at: 2000, count: 3 }],
    // b is dead from the start until 5 s: its first check (1 s) takes it DOWN (initial health = rise).
    failures: [{ server: 'b', at: 0, duration: 5000 }],
    health: { inter: 2000 },
  })
  // The first request takes a (busy until 12 s); the two others wait in the backend queue until
  // b's checks see it back (5 s, 7 s): served at 7 s, 7.01 s.
  t.same(transitions(r), [
    [1000, 'b', 'down', 'check', 'L4CON'],
    [7000, 'b', 'up', 'check', 'L4OK'],
  ])
  t.same(r.servers.map((s) => s.served), [1, 2])
  t.equal(r.requests.served, 3)
  t.equal(r.latency.max, 10_000)
  t.same(r.latency.min, 5010)
  t.equal(r.endedAt, 12_000)
  t.end()
})

t.test('checks stop once they settled even while a request is still in service', async (t) => {
  // Without a stop the checks would run forever; the run ends when the request does.
  const r = await simulate({ servers: [{ name: 'a', service: 500_000 }], arrivals: [{ kind: 'burst', count: 1 }], health: { inter: 1000 } })
  t.equal(r.endedAt, 500_000)
  t.equal(r.requests.served, 1)
  t.same(r.health, [])
  t.end()
})

t.test('settleTime: rise + fall attempts at the longest interval and limit, with the spread', (t) => {
  const health = (over: Record<string, unknown>) => parseScenario({ servers: [{ name: 'a', service: 1 }], arrivals: [{ kind: 'burst', count: 1 }], health: over }).health!
  t.equal(settleTime(health({})), 5 * (2000 + 2000))
  t.equal(settleTime(health({ inter: 1000, downinter: 3000, rise: 1, fall: 1 })), 2 * (3000 + 1000))
  t.equal(settleTime(health({ timeout: 100, connectTimeout: 500 })), 5 * (2000 + 600))
  t.equal(settleTime(health({ timeout: 100 })), 5 * 4000, 'timeout check without timeout connect: inter bounds the attempt')
  t.equal(settleTime(health({ spreadChecks: 50 })), 5 * 4000 * 1.5)
  t.end()
})

t.test('determinism with checks, observe and spread-checks jitter', async (t) => {
  const scenario = {
    ...OUTAGE,
    seed: 11,
    arrivals: [{ kind: 'poisson', rate: 50, duration: 30_000 }],
    health: { inter: 1000, spreadChecks: 20, observe: 'layer7' },
    servers: [
      { name: 'a', service: { kind: 'exponential', mean: 5 } },
      { name: 'b', service: 5, errorRate: 0.3 },
    ],
  }
  const one = JSON.stringify(await simulate(scenario))
  t.equal(JSON.stringify(await simulate(scenario)), one)
  t.not(JSON.stringify(await simulate({ ...scenario, seed: 12 })), one)
  t.end()
})
