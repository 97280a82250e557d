/** Balancing algorithms: exact sequences where deterministic, distributions for random. */
import { approx } from '../harness/compare.js'
import { names, preamble, sequential, srv, want, type Ports, type RunContext, type Scenario } from '../harness/scenario.js'

const three = { a: {}, b: {}, c: {} }

function listen(p: Ports, lines: string, servers: readonly string[], serverExtra: (name: string) => string = () => ''): string {
  return `${preamble()}
listen fe
    bind 127.0.0.1:${p.fe}
${lines}
${servers.map((s) => srv(p, s, serverExtra(s))).join('\n')}
`
}

/** Varied hash keys (sequential ones make map-based hashing look like round robin). */
function key(i: number): string {
  return `k${(Math.imul(i + 1, 2654435761) >>> 0).toString(36)}`
}

/** Requests from `n` different loopback sources, each twice. */
async function fromSources(ctx: RunContext, n: number): Promise<string[]> {
  const out: string[] = []
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < n; i++) out.push(`127.0.0.${i + 2}=${(await ctx.send({ from: `127.0.0.${i + 2}` })).server}`)
  }
  return out
}

async function paths(ctx: RunContext, make: (i: number) => string, n: number): Promise<string[]> {
  const out: string[] = []
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < n; i++) out.push(`${make(i)}=${(await ctx.send({ path: make(i) })).server}`)
  }
  return out
}

async function headerValues(ctx: RunContext, header: string, n: number): Promise<string[]> {
  const out: string[] = []
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < n; i++) out.push(`${key(i)}=${(await ctx.send({ headers: [[header, key(i)]] })).server}`)
  }
  return out
}

const weights: Record<string, number> = { a: 3, b: 2, c: 1 }

export const algorithmScenarios: readonly Scenario[] = [
  {
    name: 'roundrobin-weights',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance roundrobin', ['a', 'b', 'c'], (s) => `weight ${weights[s]}`),
    run: async (ctx) => ({ sequence: names(await sequential(ctx, 18)) }),
    expect: (o) => {
      const seq = o['sequence'] as string[]
      return want('counts a/b/c', ['a', 'b', 'c'].map((n) => seq.filter((x) => x === n).length), [9, 6, 3])
    },
  },
  {
    name: 'roundrobin-weight0-disabled',
    group: 'algorithms',
    servers: { a: {}, b: {}, c: {}, d: {} },
    config: (p) => listen(p, '    balance roundrobin', ['a', 'b', 'c', 'd'], (s) => (s === 'c' ? 'weight 0' : s === 'd' ? 'disabled' : '')),
    run: async (ctx) => ({ sequence: names(await sequential(ctx, 8)) }),
    expect: (o) => want('sequence', o['sequence'], ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']),
  },
  {
    name: 'static-rr-weights',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance static-rr', ['a', 'b', 'c'], (s) => `weight ${weights[s]}`),
    run: async (ctx) => ({ sequence: names(await sequential(ctx, 12)) }),
    expect: (o) => {
      const seq = o['sequence'] as string[]
      return want('counts a/b/c', ['a', 'b', 'c'].map((n) => seq.filter((x) => x === n).length), [6, 4, 2])
    },
  },
  {
    name: 'leastconn',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance leastconn', ['a', 'b', 'c']),
    run: async (ctx) => {
      // idle: ties rotate
      const idle = names(await sequential(ctx, 6))
      // two long requests hold two servers; the quick ones must all go to the third
      const long1 = ctx.send({ headers: [['x-delay', '600']] })
      await new Promise((r) => setTimeout(r, 60))
      const long2 = ctx.send({ headers: [['x-delay', '600']] })
      await new Promise((r) => setTimeout(r, 60))
      const busy = names(await sequential(ctx, 4))
      const longs = names(await Promise.all([long1, long2]))
      return { idle, longs, busy }
    },
    expect: (o) => {
      const longs = o['longs'] as string[]
      const free = ['a', 'b', 'c'].find((n) => !longs.includes(n))
      return want('busy requests go to the free server', o['busy'], [free, free, free, free])
    },
  },
  {
    name: 'first',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance first', ['a', 'b', 'c'], () => 'maxconn 2'),
    run: async (ctx) => {
      const pending = []
      for (let i = 0; i < 5; i++) {
        pending.push(ctx.send({ headers: [['x-delay', '400']] }))
        await new Promise((r) => setTimeout(r, 40))
      }
      const concurrent = names(await Promise.all(pending))
      const idle = names(await sequential(ctx, 3))
      return { concurrent, idle }
    },
    expect: (o) => [...want('concurrent', o['concurrent'], ['a', 'a', 'b', 'b', 'c']), ...want('idle', o['idle'], ['a', 'a', 'a'])],
  },
  {
    name: 'source-map-based',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance source', ['a', 'b', 'c']),
    run: async (ctx) => ({ bySource: await fromSources(ctx, 12) }),
  },
  {
    name: 'source-consistent',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance source\n    hash-type consistent', ['a', 'b', 'c']),
    run: async (ctx) => ({ bySource: await fromSources(ctx, 12) }),
  },
  {
    name: 'uri-map-based',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance uri', ['a', 'b', 'c']),
    run: async (ctx) => ({ byUri: await paths(ctx, (i) => `/page/${key(i)}?q=${i % 3}`, 12) }),
  },
  {
    name: 'uri-consistent-whole',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance uri whole\n    hash-type consistent', ['a', 'b', 'c']),
    run: async (ctx) => ({ byUri: await paths(ctx, (i) => `/img/${i % 4}.png?v=${i}`, 12) }),
  },
  {
    name: 'uri-depth-len',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance uri depth 2 len 12', ['a', 'b', 'c']),
    run: async (ctx) => ({ byUri: await paths(ctx, (i) => `/d${i % 5}/e${i}/f/g`, 12) }),
  },
  {
    name: 'url_param-map-based',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance url_param user', ['a', 'b', 'c'], (s) => `weight ${weights[s]}`),
    run: async (ctx) => ({
      byParam: await paths(ctx, (i) => `/x?id=${i}&user=${key(i)}`, 10),
      // no parameter: round robin fallback
      without: names(await sequential(ctx, 6, () => ({ path: '/x?other=1' }))),
    }),
  },
  {
    name: 'url_param-consistent',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance url_param user\n    hash-type consistent', ['a', 'b', 'c']),
    run: async (ctx) => ({ byParam: await paths(ctx, (i) => `/x?user=${key(i)}`, 10) }),
  },
  {
    name: 'hdr-map-based',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance hdr(X-User)', ['a', 'b', 'c']),
    run: async (ctx) => ({
      byHeader: await headerValues(ctx, 'X-User', 10),
      without: names(await sequential(ctx, 6)),
    }),
  },
  {
    name: 'hdr-host-consistent-domain',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance hdr(host) use_domain_only\n    hash-type consistent', ['a', 'b', 'c']),
    run: async (ctx) => {
      const out: string[] = []
      for (const host of ['www.example.com', 'api.example.com', 'example.org', 'www.example.org:8080', 'shop.test.net', 'a.b.c.example.io', 'x.y', 'localhost', 'cdn.example.com', 'news.site.co']) {
        out.push(`${host}=${(await ctx.send({ headers: [['Host', host]] })).server}`)
      }
      return { byHost: out }
    },
  },
  {
    name: 'uri-map-based-djb2-avalanche',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance uri\n    hash-type map-based djb2 avalanche', ['a', 'b', 'c'], (s) => `weight ${weights[s]}`),
    run: async (ctx) => ({ byUri: await paths(ctx, (i) => `/${key(i)}`, 12) }),
  },
  {
    name: 'uri-path-only-consistent-crc32',
    group: 'algorithms',
    servers: three,
    config: (p) => listen(p, '    balance uri path-only\n    hash-type consistent crc32', ['a', 'b', 'c']),
    run: async (ctx) => {
      const out: string[] = []
      // absolute-form targets: path-only ignores the authority
      for (let i = 0; i < 8; i++) {
        out.push(`${i}=${(await ctx.send({ path: `/p/${key(i)}?x=${i}` })).server}`)
        out.push(`abs${i}=${(await ctx.send({ path: `http://host${i}.example/p/${key(i)}?y=1`, headers: [['Host', `host${i}.example`]] })).server}`)
      }
      return { byUri: out }
    },
  },
  {
    name: 'random-distribution',
    group: 'algorithms',
    servers: { a: {}, b: {} },
    config: (p) => listen(p, '    balance random', ['a', 'b'], (s) => `weight ${s === 'a' ? 1 : 3}`),
    // random picks differ run to run: compare the share each server gets (expected 25 % / 75 %)
    run: async (ctx) => {
      const seq = names(await sequential(ctx, 200))
      return { shareOfB: approx((100 * seq.filter((x) => x === 'b').length) / seq.length, 10, '%') }
    },
  },
]
