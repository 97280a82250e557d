/** Cookie persistence: what the client gets in Set-Cookie and what the origin gets in Cookie. */
import type { Reply, RequestOptions } from '../harness/client.js'
import { preamble, srv, want, type Ports, type RunContext, type Scenario } from '../harness/scenario.js'

function backend(p: Ports, cookieLine: string, extra = '', serverExtra: (name: string) => string = () => ''): string {
  return `${preamble()}
listen fe
    bind 127.0.0.1:${p.fe}
    balance roundrobin
    ${cookieLine}
${extra}
${srv(p, 'a', `cookie a ${serverExtra('a')}`.trim())}
${srv(p, 'b', `cookie b ${serverExtra('b')}`.trim())}
`
}

/** One step: what the client saw and the Cookie lines the origin received. */
async function step(ctx: RunContext, options: RequestOptions): Promise<Record<string, unknown>> {
  const servers = Object.values(ctx.servers)
  const before = servers.map((s) => s.received.length)
  const r: Reply = await ctx.send(options)
  const seen = servers.flatMap((s, i) => s.received.slice(before[i]))
  const cookies = seen.flatMap((x) => x.headers.filter(([n]) => n === 'cookie').map(([, v]) => v))
  const cc = r.headers['cache-control']
  return { status: r.status, server: r.server, setCookie: r.setCookie, cacheControl: cc ?? null, originCookie: cookies }
}

const cookie = (v: string): RequestOptions => ({ headers: [['Cookie', v]] })

async function steps(ctx: RunContext, list: readonly RequestOptions[]): Promise<{ steps: unknown[] }> {
  const out: unknown[] = []
  for (const o of list) out.push(await step(ctx, o))
  return { steps: out }
}

const stepsOf = (o: Record<string, unknown>): Record<string, unknown>[] => o['steps'] as Record<string, unknown>[]

export const cookieScenarios: readonly Scenario[] = [
  {
    name: 'cookie-insert-indirect-nocache',
    group: 'cookies',
    servers: { a: {}, b: {} },
    config: (p) => backend(p, 'cookie SRV insert indirect nocache'),
    run: (ctx) =>
      steps(ctx, [
        {},
        cookie('SRV=b'),
        cookie('other=1; SRV=b; x=2'),
        cookie('SRV=zz'),
        // cacheable answer: gets Cache-control: private with the inserted cookie
        { headers: [['x-cache', '1']] },
        cookie('SRV=a'),
      ]),
    expect: (o) => {
      const s = stepsOf(o)
      return [
        ...want('first visit cookie', s[0]?.['setCookie'], [`SRV=${String(s[0]?.['server'])}; path=/`]),
        ...want('valid cookie persists', s[1]?.['server'], 'b'),
        ...want('indirect strips the cookie', s[2]?.['originCookie'], ['other=1; x=2']),
      ]
    },
  },
  {
    name: 'cookie-insert-direct',
    group: 'cookies',
    servers: { a: {}, b: {} },
    config: (p) => backend(p, 'cookie SRV insert'),
    run: (ctx) => steps(ctx, [{}, {}, cookie('SRV=a'), cookie('SRV=a'), cookie('SRV=b; o=1'), cookie('SRV=nope')]),
    expect: (o) => want('origin sees the cookie', stepsOf(o)[4]?.['originCookie'], ['SRV=b; o=1']),
  },
  {
    name: 'cookie-insert-attributes',
    group: 'cookies',
    servers: { a: {}, b: {} },
    config: (p) => backend(p, 'cookie SRV insert indirect httponly secure domain .example.com domain .example.org attr SameSite=Lax'),
    run: (ctx) => steps(ctx, [{}, {}]),
    expect: (o) =>
      want('set-cookie', stepsOf(o)[0]?.['setCookie'], ['SRV=a; path=/; domain=.example.com; domain=.example.org; HttpOnly; Secure; SameSite=Lax']),
  },
  {
    name: 'cookie-prefix',
    group: 'cookies',
    servers: { a: { setCookie: 'JSESSIONID=sess-a; Path=/' }, b: { setCookie: 'JSESSIONID=sess-b; Path=/' } },
    config: (p) => backend(p, 'cookie JSESSIONID prefix'),
    run: (ctx) => steps(ctx, [{}, cookie('JSESSIONID=b~sess-b; o=1'), cookie('JSESSIONID=a~sess-a'), cookie('JSESSIONID=plain')]),
    expect: (o) => {
      const s = stepsOf(o)
      return [...want('prefixed', s[0]?.['setCookie'], ['JSESSIONID=a~sess-a; Path=/']), ...want('stripped', s[1]?.['originCookie'], ['JSESSIONID=sess-b; o=1'])]
    },
  },
  {
    name: 'cookie-rewrite',
    group: 'cookies',
    servers: { a: {}, b: {} },
    config: (p) => backend(p, 'cookie SRVID rewrite'),
    run: (ctx) =>
      steps(ctx, [
        { headers: [['x-set-cookie', 'SRVID=anything; Path=/']] },
        {},
        { headers: [['Cookie', 'SRVID=b'], ['x-set-cookie', 'SRVID=x; Path=/']] },
        cookie('SRVID=b'),
      ]),
    expect: (o) => want('rewritten', stepsOf(o)[0]?.['setCookie'], ['SRVID=a; Path=/']),
  },
  {
    name: 'cookie-postonly',
    group: 'cookies',
    servers: { a: {}, b: {} },
    config: (p) => backend(p, 'cookie SRV insert indirect postonly'),
    run: (ctx) => steps(ctx, [{}, { method: 'POST', body: 'x=1' }, { method: 'POST', body: 'x=1', headers: [['Cookie', 'SRV=b']] }]),
    expect: (o) => want('GET gets no cookie', stepsOf(o)[0]?.['setCookie'], []),
  },
  {
    name: 'cookie-preserve',
    group: 'cookies',
    servers: { a: {}, b: {} },
    config: (p) => backend(p, 'cookie SRV insert preserve'),
    run: (ctx) => steps(ctx, [{ headers: [['x-set-cookie', 'SRV=; Max-Age=0']] }, {}, { headers: [['Cookie', 'SRV=a'], ['x-set-cookie', 'SRV=logout']] }]),
    expect: (o) => want('server cookie kept', stepsOf(o)[0]?.['setCookie'], ['SRV=; Max-Age=0']),
  },
  {
    name: 'cookie-passive',
    group: 'cookies',
    servers: { a: {}, b: {} },
    config: (p) => backend(p, 'cookie SRV'),
    run: (ctx) => steps(ctx, [{}, cookie('SRV=b'), cookie('SRV=b'), { headers: [['x-set-cookie', 'SRV=a']] }]),
    expect: (o) => want('persisted', stepsOf(o)[2]?.['server'], 'b'),
  },
  {
    name: 'cookie-down-server',
    group: 'cookies',
    servers: { a: {}, b: {} },
    settle: 100,
    config: (p) => backend(p, 'cookie SRV insert indirect nocache', '', () => 'check inter 100 fall 1 rise 1'),
    run: async (ctx) => {
      await ctx.servers['b']!.stop()
      await new Promise((r) => setTimeout(r, 500))
      return steps(ctx, [cookie('SRV=b'), cookie('SRV=b'), cookie('SRV=a')])
    },
    expect: (o) => {
      const s = stepsOf(o)
      return [...want('served by a', s[0]?.['server'], 'a'), ...want('new cookie', s[0]?.['setCookie'], ['SRV=a; path=/'])]
    },
  },
  {
    name: 'cookie-refused-redispatch',
    group: 'cookies',
    servers: { a: {}, b: {} },
    config: (p) => backend(p, 'cookie SRV insert indirect nocache', '    option redispatch\n    retries 2\n    timeout connect 200ms'),
    run: async (ctx) => {
      await ctx.servers['b']!.stop()
      const out = await steps(ctx, [cookie('SRV=b'), cookie('SRV=a')])
      return out
    },
    expect: (o) => {
      const s = stepsOf(o)
      return [...want('redispatched to a', s[0]?.['server'], 'a'), ...want('new cookie', s[0]?.['setCookie'], ['SRV=a; path=/'])]
    },
  },
  {
    name: 'cookie-refused-no-redispatch',
    group: 'cookies',
    servers: { a: {}, b: {} },
    config: (p) => backend(p, 'cookie SRV insert indirect nocache', '    retries 1\n    timeout connect 200ms'),
    run: async (ctx) => {
      await ctx.servers['b']!.stop()
      return steps(ctx, [cookie('SRV=b'), cookie('SRV=a')])
    },
    expect: (o) => want('503', stepsOf(o)[0]?.['status'], 503),
  },
  {
    name: 'cookie-backup-shares-value',
    group: 'cookies',
    servers: { a: {}, b: {}, c: {} },
    settle: 100,
    config: (p) => `${backend(p, 'cookie SRV insert indirect', '', (s) => (s === 'a' ? 'check inter 100 fall 1 rise 1' : ''))}${srv(p, 'c', 'cookie a backup')}\n`,
    run: async (ctx) => {
      const before = await steps(ctx, [cookie('SRV=a')])
      await ctx.servers['a']!.stop()
      await new Promise((r) => setTimeout(r, 500))
      const after = await steps(ctx, [cookie('SRV=a'), cookie('SRV=b')])
      return { before: before.steps, after: after.steps }
    },
    expect: (o) => want('backup with the same value takes over', (o['after'] as Record<string, unknown>[])[0]?.['server'], 'c'),
  },
]
