/** Layer 4 (`mode tcp`): the HTTP client's requests pass through a TCP listener; one balancing decision per connection. */
import type { Reply } from '../harness/client.js'
import { approx } from '../harness/compare.js'
import { names, preamble, sequential, srv, want, type Ports, type Scenario } from '../harness/scenario.js'

const TOL = 80

function tcp(p: Ports, lines: string, servers: string): string {
  return `${preamble()}
listen fe
    mode tcp
    bind 127.0.0.1:${p.fe}
${lines}
${servers}
`
}

/** Status (0: connection closed without an answer) and how long it took. */
const timed = (replies: readonly Reply[]): unknown[] => replies.map((r) => ({ status: r.status, server: r.server, took: approx(r.done - r.sent, TOL) }))

export const tcpScenarios: readonly Scenario[] = [
  {
    name: 'tcp-roundrobin-weights',
    group: 'tcp',
    servers: { a: {}, b: {} },
    config: (p) => tcp(p, '    balance roundrobin', `${srv(p, 'a', 'weight 2')}\n${srv(p, 'b')}`),
    run: async (ctx) => ({ sequence: names(await sequential(ctx, 6)) }),
    expect: (o) => want('counts', ['a', 'b'].map((n) => (o['sequence'] as string[]).filter((x) => x === n).length), [4, 2]),
  },
  {
    name: 'tcp-source-hash',
    group: 'tcp',
    servers: { a: {}, b: {}, c: {} },
    config: (p) => tcp(p, '    balance source\n    hash-type consistent', `${srv(p, 'a')}\n${srv(p, 'b')}\n${srv(p, 'c')}`),
    run: async (ctx) => {
      const out: string[] = []
      for (let i = 0; i < 10; i++) out.push(`127.0.0.${i + 20}=${(await ctx.send({ from: `127.0.0.${i + 20}` })).server}`)
      return { bySource: out }
    },
  },
  {
    name: 'tcp-refused-retries',
    group: 'tcp',
    servers: { a: {} },
    // the connection is closed after 1 + 2 attempts and two turn-around delays of 200 ms
    config: (p) => tcp(p, '    balance roundrobin\n    retries 2\n    timeout connect 200ms', `    server dead 127.0.0.1:${p.closed}\n${srv(p, 'a')}`),
    run: async (ctx) => ({ replies: timed(await sequential(ctx, 2)) }),
    expect: (o) => want('statuses', (o['replies'] as { status: number }[]).map((r) => r.status), [0, 200]),
  },
  {
    name: 'tcp-refused-redispatch',
    group: 'tcp',
    servers: { a: {} },
    config: (p) => tcp(p, '    balance roundrobin\n    retries 2\n    option redispatch\n    timeout connect 200ms', `    server dead 127.0.0.1:${p.closed}\n${srv(p, 'a')}`),
    run: async (ctx) => ({ replies: timed(await sequential(ctx, 2)) }),
    expect: (o) => want('servers', (o['replies'] as { server: string }[]).map((r) => r.server), ['a', 'a']),
  },
  {
    name: 'tcp-connect-timeout-retries',
    group: 'tcp',
    servers: {},
    blackhole: true,
    config: (p) => tcp(p, '    timeout connect 150ms\n    retries 1', `    server hole 127.0.0.1:${p.blackhole}`),
    run: async (ctx) => ({ replies: timed([await ctx.send()]) }),
    expect: (o) => want('status', (o['replies'] as { status: number }[]).map((r) => r.status), [0]),
  },
]
