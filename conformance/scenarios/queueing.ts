/** Queueing: maxconn and queue order, maxqueue, timeout queue. Timings within ±TOL ms. */
import type { Reply } from '../harness/client.js'
import { sleep } from '../harness/client.js'
import { approx } from '../harness/compare.js'
import { preamble, srv, want, type Ports, type RunContext, type Scenario } from '../harness/scenario.js'

/** Timing tolerance for queue scenarios (2-core machine, both sides equally loaded). */
const TOL = 60

function listen(p: Ports, lines: string, servers: readonly [string, string][]): string {
  return `${preamble()}
listen fe
    bind 127.0.0.1:${p.fe}
${lines}
${servers.map(([s, extra]) => srv(p, s, extra)).join('\n')}
`
}

/** Sends `n` requests `gap` ms apart, each tagged `x-id: i`; resolves every reply. */
async function burst(ctx: RunContext, n: number, gap: number, delay: number, path = '/'): Promise<Reply[]> {
  const pending: Promise<Reply>[] = []
  for (let i = 0; i < n; i++) {
    pending.push(ctx.send({ path, headers: [['x-id', String(i)], ['x-delay', String(delay)]] }))
    if (i < n - 1) await sleep(gap)
  }
  return Promise.all(pending)
}

/** The x-id order in which the origins received requests. */
function arrivalOrder(ctx: RunContext): string[] {
  return Object.values(ctx.servers)
    .flatMap((s) => s.received)
    .sort((x, y) => x.at - y.at)
    .map((r) => `${r.headers.find(([n]) => n === 'x-id')?.[1] ?? '?'}@${r.server}`)
}

export const queueScenarios: readonly Scenario[] = [
  {
    name: 'queue-maxconn-fifo',
    group: 'queueing',
    servers: { a: {} },
    config: (p) => listen(p, '    balance roundrobin', [['a', 'maxconn 1']]),
    run: async (ctx) => {
      const replies = await burst(ctx, 5, 15, 120)
      return {
        statuses: replies.map((r) => r.status),
        order: arrivalOrder(ctx),
        // each one waits for all before it: ≈ 120, 240, 360, 480, 600 ms after the first was sent
        done: replies.map((r) => approx(r.done, TOL)),
      }
    },
    expect: (o) => want('order', o['order'], ['0@a', '1@a', '2@a', '3@a', '4@a']),
  },
  {
    name: 'queue-backend-two-servers',
    group: 'queueing',
    servers: { a: {}, b: {} },
    config: (p) => listen(p, '    balance roundrobin', [['a', 'maxconn 1'], ['b', 'maxconn 1']]),
    run: async (ctx) => {
      const replies = await burst(ctx, 6, 20, 150)
      return { statuses: replies.map((r) => r.status), order: arrivalOrder(ctx), done: replies.map((r) => approx(r.done, TOL)) }
    },
    expect: (o) => want('order', o['order'], ['0@a', '1@b', '2@a', '3@b', '4@a', '5@b']),
  },
  {
    name: 'queue-maxqueue-503',
    group: 'queueing',
    servers: { a: {}, b: {} },
    // uri hashing assigns the server before queueing: the wait is in the server's own queue
    config: (p) => listen(p, '    balance uri', [['a', 'maxconn 1 maxqueue 1'], ['b', 'maxconn 1 maxqueue 1']]),
    run: async (ctx) => {
      const replies = await burst(ctx, 4, 20, 200, '/same')
      return { statuses: replies.map((r) => r.status), served: replies.map((r) => r.server), order: arrivalOrder(ctx), done: replies.map((r) => approx(r.done, TOL)) }
    },
    expect: (o) => want('statuses', o['statuses'], [200, 200, 503, 503]),
  },
  {
    name: 'queue-timeout-503',
    group: 'queueing',
    servers: { a: {} },
    config: (p) => listen(p, '    balance roundrobin\n    timeout queue 150ms', [['a', 'maxconn 1']]),
    run: async (ctx) => {
      const replies = await burst(ctx, 3, 20, 500)
      return { statuses: replies.map((r) => r.status), order: arrivalOrder(ctx), waited: replies.map((r) => approx(r.done - r.sent, TOL)) }
    },
    expect: (o) => want('statuses', o['statuses'], [200, 503, 503]),
  },
  {
    name: 'queue-priority-class-offset',
    group: 'queueing',
    servers: { a: {} },
    config: (p) =>
      listen(
        p,
        '    balance roundrobin\n    http-request set-priority-class int(-1) if { req.hdr(x-prio) -m found }\n    http-request set-priority-offset int(5000) if { req.hdr(x-late) -m found }',
        [['a', 'maxconn 1']],
      ),
    run: async (ctx) => {
      const tag = (id: string, extra: [string, string][] = [], delay = 100): Promise<Reply> => ctx.send({ headers: [['x-id', id], ['x-delay', String(delay)], ...extra] })
      const pending = [tag('A', [], 300)]
      for (const [id, extra] of [['B', []], ['C', [['x-late', '1']]], ['D', [['x-prio', '1']]], ['E', []]] as [string, [string, string][]][]) {
        await sleep(20)
        pending.push(tag(id, extra))
      }
      const replies = await Promise.all(pending)
      return { statuses: replies.map((r) => r.status), order: arrivalOrder(ctx) }
    },
    expect: (o) => want('order', o['order'], ['A@a', 'D@a', 'B@a', 'E@a', 'C@a']),
  },
  {
    name: 'queue-minconn-fullconn',
    group: 'queueing',
    servers: { a: {} },
    // §3.4: a low load (beconn ≤ 4) with fullconn 20 keeps the effective limit at minconn 2 (maxconn 10 alone would
    // serve all at once). Arrivals 60 ms apart: with denser ones HAProxy's order of simultaneously freed slots is racy.
    config: (p) => listen(p, '    balance roundrobin\n    fullconn 20', [['a', 'minconn 2 maxconn 10']]),
    expect: (o) => want('order', o['order'], ['0@a', '1@a', '2@a', '3@a', '4@a', '5@a']),
    run: async (ctx) => {
      const replies = await burst(ctx, 6, 60, 200)
      return { statuses: replies.map((r) => r.status), order: arrivalOrder(ctx), done: replies.map((r) => approx(r.done, TOL)) }
    },
  },
]
