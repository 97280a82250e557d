/** Cookie persistence: what the client gets in Set-Cookie and what the origin gets in Cookie. */
import type { Reply, RequestOptions } from '../harness/client.js'
import { preamble, srv, want, type Ports, type RunContext, type Scenario } from '../harness/scenario.js'

function backend(p: Ports, cookieLine: string, extra = '', serverExtra: (name: string) => string = () => ''): string {
  return `${preamble()}
listen fe
    bind 127.0.0.1:${p.fe}
    balance roundrobin
    timeout check 1s
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

/** A listen section whose servers have no `cookie` value of their own. */
function bare(p: Ports, lines: string, servers: readonly [string, string][]): string {
  return `${preamble()}
listen fe
    bind 127.0.0.1:${p.fe}
    balance roundrobin
${lines}
${servers.map(([s, extra]) => srv(p, s, extra)).join('\n')}
`
}

/** `SRV=a|XXXXX|YYYYY; …` → `SRV=a|<date>|<date>; …` plus whether every date is within 8 s of now. */
function datesOf(setCookie: readonly string[]): { normalized: string[]; fresh: boolean } {
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  let fresh = true
  const normalized = setCookie.map((c) =>
    c.replace(/\|([A-Za-z0-9+/]{5})/g, (_m, d: string) => {
      let v = 0
      for (const ch of d) v = v * 64 + B64.indexOf(ch)
      if (Math.abs(v * 4 - Date.now() / 1000) > 8) fresh = false
      return '|<date>'
    }),
  )
  return { normalized, fresh }
}

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
  {
    name: 'cookie-dynamic',
    group: 'cookies',
    servers: { a: {}, b: {} },
    // values derived from the key and each server's address and port: the same ports serve both runs
    config: (p) => bare(p, '    cookie SRV insert indirect dynamic\n    dynamic-cookie-key MySecret', [['a', ''], ['b', '']]),
    run: async (ctx) => {
      const first = await steps(ctx, [{}, {}])
      const values = first.steps.map((s) => String((s as { setCookie: string[] }).setCookie[0] ?? '').split(';')[0]!)
      const back = await steps(ctx, values.map((v) => cookie(v)))
      return { first: first.steps, back: back.steps }
    },
    expect: (o) => {
      const first = o['first'] as { setCookie: string[] }[]
      return want('16 hex digits', first.every((s) => /^SRV=[0-9a-f]{16}; path=\/$/.test(s.setCookie[0] ?? '')), true)
    },
  },
  {
    name: 'cookie-maxidle-maxlife',
    group: 'cookies',
    servers: { a: {}, b: {} },
    // dates are wall-clock quanta of 4 s: compared after normalisation, each checked to be about now
    config: (p) => backend(p, 'cookie SRV insert indirect maxidle 30m maxlife 2h'),
    run: async (ctx) => {
      const out: unknown[] = []
      for (const o of [{}, cookie('SRV=b'), cookie('SRV=b|AAAAA|AAAAA'), cookie('SRV=a|zzzzz')]) {
        const r = (await step(ctx, o)) as { server: string; setCookie: string[]; originCookie: string[] }
        const d = datesOf(r.setCookie)
        out.push({ server: r.server, setCookie: d.normalized, fresh: d.fresh, originCookie: r.originCookie })
      }
      return { steps: out }
    },
    expect: (o) => want('dates are now', stepsOf(o).every((s) => s['fresh'] === true), true),
  },
  {
    name: 'cookie-persist-down-redispatch',
    group: 'cookies',
    servers: { a: {}, b: {} },
    settle: 100,
    // option persist: a cookie naming a down server is still sent there; the refused connection is redispatched
    config: (p) => backend(p, 'cookie SRV insert indirect nocache', '    option persist\n    option redispatch\n    retries 1\n    timeout connect 200ms', () => 'check inter 100 fall 1 rise 1'),
    run: async (ctx) => {
      await ctx.servers['b']!.stop()
      await new Promise((r) => setTimeout(r, 500))
      return steps(ctx, [cookie('SRV=b'), cookie('SRV=a'), {}])
    },
    expect: (o) => want('redispatched to a', stepsOf(o)[0]?.['server'], 'a'),
  },
  {
    name: 'cookie-disable-on-404',
    group: 'cookies',
    servers: { a: {}, b: {} },
    settle: 100,
    // b answers its checks 404: no new traffic, but clients pinned by their cookie still reach it
    config: (p) => backend(p, 'cookie SRV insert indirect', '    option httpchk GET /health\n    http-check disable-on-404', () => 'check inter 100 fall 1 rise 1'),
    run: async (ctx) => {
      ctx.servers['b']!.behaviour.health = 404
      await new Promise((r) => setTimeout(r, 400))
      return steps(ctx, [{}, {}, {}, cookie('SRV=b'), cookie('SRV=a')])
    },
    expect: (o) => want('servers', stepsOf(o).map((s) => s['server']), ['a', 'a', 'a', 'b', 'a']),
  },
]
