/** Retries and redispatch, timeouts, forwardfor, headers passed through, monitor-uri, generated errors. */
import { connect } from 'node:net'
import type { Reply, RequestOptions } from '../harness/client.js'
import { approx } from '../harness/compare.js'
import { names, preamble, seenHeaders, sequential, srv, want, type Ports, type RunContext, type Scenario } from '../harness/scenario.js'

const TOL = 80

function listen(p: Ports, lines: string, servers: string, defaults = ''): string {
  return `${preamble(defaults)}
listen fe
    bind 127.0.0.1:${p.fe}
    balance roundrobin
${lines}
${servers}
`
}

/** A server line pointing at the port nothing listens on. */
const dead = (p: Ports, name = 'dead', extra = ''): string => `    server ${name} 127.0.0.1:${p.closed}${extra === '' ? '' : ' ' + extra}`

/** Each request with the header lines its origin received (ignoring IGNORED_HEADERS). */
async function headerSteps(ctx: RunContext, list: readonly RequestOptions[]): Promise<{ steps: unknown[] }> {
  const out: unknown[] = []
  for (const o of list) {
    const servers = Object.values(ctx.servers)
    const before = servers.map((s) => s.received.length)
    const r: Reply = await ctx.send(o)
    const seen = servers.flatMap((s, i) => s.received.slice(before[i]))
    out.push({ status: r.status, server: r.server, method: seen.map((x) => x.method), url: seen.map((x) => x.url), headers: seen.map((x) => seenHeaders(x.headers)) })
  }
  return { steps: out }
}

/** A generated answer as the client sees it. */
const page = (r: Reply): Record<string, unknown> => ({
  status: r.status,
  statusMessage: r.statusMessage,
  contentType: r.headers['content-type'] ?? null,
  cacheControl: r.headers['cache-control'] ?? null,
  body: r.body,
})

const timed = (replies: readonly Reply[]): unknown[] => replies.map((r) => ({ status: r.status, server: r.server, took: approx(r.done - r.sent, TOL) }))

/**
 * Sends `head` on a raw connection and waits for whatever comes back (or the close).
 * Returns the status line and when it arrived, ms after sending.
 */
function raw(port: number, head: string, wait: number): Promise<{ statusLine: string; after: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now()
    const socket = connect(port, '127.0.0.1', () => socket.write(head))
    let data = ''
    const done = (): void => {
      socket.destroy()
      resolve({ statusLine: data.split('\r\n')[0] ?? '', after: performance.now() - t0 })
    }
    socket.on('data', (c: Buffer) => {
      data += c.toString()
      if (data.includes('\r\n\r\n')) done()
    })
    socket.on('close', done)
    socket.on('error', done)
    setTimeout(done, wait)
  })
}

export const proxyingScenarios: readonly Scenario[] = [
  {
    name: 'retry-refused-redispatch',
    group: 'retries',
    servers: { a: {} },
    config: (p) => listen(p, '    retries 2\n    option redispatch\n    timeout connect 200ms', `${dead(p)}\n${srv(p, 'a')}`),
    run: async (ctx) => ({ replies: timed(await sequential(ctx, 4)) }),
    expect: (o) => want('all served by a', (o['replies'] as { server: string }[]).map((r) => r.server), ['a', 'a', 'a', 'a']),
  },
  {
    name: 'retry-refused-no-redispatch',
    group: 'retries',
    servers: { a: {} },
    config: (p) => listen(p, '    retries 2\n    timeout connect 200ms', `${dead(p)}\n${srv(p, 'a')}`),
    run: async (ctx) => ({ replies: timed(await sequential(ctx, 4)) }),
    expect: (o) => want('statuses', (o['replies'] as { status: number }[]).map((r) => r.status), [503, 200, 503, 200]),
  },
  {
    name: 'retry-none',
    group: 'retries',
    servers: { a: {} },
    config: (p) => listen(p, '    retries 0', `${dead(p)}\n${srv(p, 'a')}`),
    run: async (ctx) => ({ replies: timed(await sequential(ctx, 2)) }),
    expect: (o) => want('statuses', (o['replies'] as { status: number }[]).map((r) => r.status), [503, 200]),
  },
  {
    name: 'timeout-server-504',
    group: 'timeouts',
    servers: { a: {} },
    config: (p) => listen(p, '    timeout server 200ms', srv(p, 'a')),
    run: async (ctx) => ({ replies: timed([await ctx.send({ headers: [['x-delay', '800']] }), await ctx.send({ headers: [['x-delay', '50']] })]) }),
    expect: (o) => want('statuses', (o['replies'] as { status: number }[]).map((r) => r.status), [504, 200]),
  },
  {
    name: 'timeout-connect-retries-503',
    group: 'timeouts',
    servers: {},
    blackhole: true,
    // 2 attempts of 150 ms with a 150 ms turn-around between them: 503 after ≈ 450 ms
    config: (p) => listen(p, '    timeout connect 150ms\n    retries 1', `    server hole 127.0.0.1:${p.blackhole}`),
    run: async (ctx) => ({ replies: timed([await ctx.send()]) }),
    expect: (o) => want('status', (o['replies'] as { status: number }[]).map((r) => r.status), [503]),
  },
  {
    name: 'timeout-connect-redispatch',
    group: 'timeouts',
    servers: { a: {} },
    blackhole: true,
    // the retry after the connect timeout goes to the other server at once
    config: (p) => listen(p, '    timeout connect 150ms\n    retries 1\n    option redispatch', `    server hole 127.0.0.1:${p.blackhole}\n${srv(p, 'a')}`),
    run: async (ctx) => ({ replies: timed(await sequential(ctx, 2)) }),
    expect: (o) => want('servers', (o['replies'] as { server: string }[]).map((r) => r.server), ['a', 'a']),
  },
  {
    name: 'status-passthrough',
    group: 'errors',
    servers: { a: {} },
    config: (p) => listen(p, '', srv(p, 'a')),
    run: async (ctx) => ({ statuses: (await sequential(ctx, 4, (i) => ({ headers: [['x-status', String([404, 500, 503, 302][i])]] }))).map((r) => `${r.status}:${r.server}`) }),
    expect: (o) => want('statuses', o['statuses'], ['404:a', '500:a', '503:a', '302:a']),
  },
  {
    name: 'no-server-503',
    group: 'errors',
    servers: { a: {} },
    config: (p) => listen(p, '', srv(p, 'a', 'disabled')),
    run: async (ctx) => {
      const replies = await sequential(ctx, 2)
      return { replies: names(replies), page: page(replies[0]!) }
    },
    expect: (o) => want('replies', o['replies'], ['503', '503']),
  },
  {
    name: 'headers-passthrough',
    group: 'forwardfor',
    servers: { a: {} },
    config: (p) => listen(p, '', srv(p, 'a')),
    run: (ctx) =>
      headerSteps(ctx, [
        { path: '/a/b?c=d&e', headers: [['Accept', 'text/html'], ['X-Custom', 'one'], ['x-custom', 'two'], ['User-Agent', 'conformance/1']] },
        { method: 'POST', path: '/submit', body: 'k=v', headers: [['Content-Type', 'application/x-www-form-urlencoded'], ['Cookie', 'a=1; b=2']] },
        { method: 'DELETE', path: '/x', headers: [['Authorization', 'Bearer t']] },
      ]),
  },
  {
    name: 'forwardfor',
    group: 'forwardfor',
    servers: { a: {} },
    config: (p) => listen(p, '    option forwardfor', srv(p, 'a')),
    run: (ctx) => headerSteps(ctx, [{ from: '127.0.0.5' }, { from: '127.0.0.6', headers: [['X-Forwarded-For', '1.2.3.4']] }]),
    expect: (o) => {
      const s = o['steps'] as { headers: string[][] }[]
      return [
        ...want('appended', s[1]?.headers[0]?.filter((h) => h.startsWith('x-forwarded-for')), ['x-forwarded-for: 1.2.3.4', 'x-forwarded-for: 127.0.0.6']),
      ]
    },
  },
  {
    name: 'forwardfor-except',
    group: 'forwardfor',
    servers: { a: {} },
    config: (p) => listen(p, '    option forwardfor except 127.0.0.4/30', srv(p, 'a')),
    run: (ctx) => headerSteps(ctx, [{ from: '127.0.0.5' }, { from: '127.0.0.9' }]),
    expect: (o) => {
      const s = o['steps'] as { headers: string[][] }[]
      return [
        ...want('excepted', s[0]?.headers[0]?.filter((h) => h.startsWith('x-forwarded-for')), []),
        ...want('added', s[1]?.headers[0]?.filter((h) => h.startsWith('x-forwarded-for')), ['x-forwarded-for: 127.0.0.9']),
      ]
    },
  },
  {
    name: 'forwardfor-if-none',
    group: 'forwardfor',
    servers: { a: {} },
    config: (p) => listen(p, '    option forwardfor if-none', srv(p, 'a')),
    run: (ctx) => headerSteps(ctx, [{ from: '127.0.0.5' }, { from: '127.0.0.6', headers: [['X-Forwarded-For', '1.2.3.4']] }]),
    expect: (o) => {
      const s = o['steps'] as { headers: string[][] }[]
      return want('kept alone', s[1]?.headers[0]?.filter((h) => h.startsWith('x-forwarded-for')), ['x-forwarded-for: 1.2.3.4'])
    },
  },
  {
    name: 'forwardfor-header-name',
    group: 'forwardfor',
    servers: { a: {} },
    config: (p) => listen(p, '    option forwardfor header X-Client-IP', srv(p, 'a')),
    run: (ctx) => headerSteps(ctx, [{ from: '127.0.0.7' }, { from: '127.0.0.7', headers: [['X-Forwarded-For', '1.2.3.4']] }]),
    expect: (o) => {
      const s = o['steps'] as { headers: string[][] }[]
      return want('custom header', s[0]?.headers[0]?.filter((h) => h.startsWith('x-client-ip')), ['x-client-ip: 127.0.0.7'])
    },
  },
  {
    name: 'monitor-uri',
    group: 'monitor',
    servers: { a: {} },
    config: (p) => listen(p, '    monitor-uri /alive', srv(p, 'a')),
    run: async (ctx) => {
      const m = await ctx.send({ path: '/alive' })
      const q = await ctx.send({ path: '/alive?x=1' })
      const other = await ctx.send({ path: '/other' })
      const hits = Object.values(ctx.servers).reduce((n, s) => n + s.received.length, 0)
      return {
        monitor: { status: m.status, server: m.server, contentType: m.headers['content-type'] ?? null, body: m.body },
        withQuery: { status: q.status, server: q.server },
        other: { status: other.status, server: other.server },
        originHits: hits,
      }
    },
    expect: (o) => want('monitor status', (o['monitor'] as { status: number }).status, 200),
  },
  {
    name: 'retry-on-503-redispatch',
    group: 'retries',
    servers: { a: { status: 503 }, b: {} },
    // layer-7 retry: a 503 from a is retried, and redispatched to b
    config: (p) => listen(p, '    retry-on 503\n    retries 1\n    option redispatch 1', `${srv(p, 'a')}\n${srv(p, 'b')}`),
    run: async (ctx) => {
      const replies = await sequential(ctx, 4)
      return { replies: replies.map((r) => `${r.status}:${r.server}`), reachedA: ctx.servers['a']!.received.length }
    },
    expect: (o) => want('replies', o['replies'], ['200:b', '200:b', '200:b', '200:b']),
  },
  {
    name: 'server-close-502',
    group: 'errors',
    servers: { a: {} },
    divergence: {
      note: 'an idempotent request whose fresh connection is closed without an answer is retried (docs/haproxy-mapping.md, "empty responses")',
      // switchyard re-sends the GET on each of the 3 retries before answering 502
      expected: (h) => ({ ...h, attempts: (h['attempts'] as number) + 3 }),
    },
    // the origin drops the connection without answering: 502, not retried (the request was sent)
    config: (p) => listen(p, '    retries 3', srv(p, 'a')),
    run: async (ctx) => {
      const r = await ctx.send({ headers: [['x-close', '1']] })
      const ok = await ctx.send()
      return { dropped: r.status, after: ok.status, attempts: ctx.servers['a']!.received.length }
    },
    expect: (o) => want('statuses', [o['dropped'], o['after'], o['attempts']], [502, 200, 2]),
  },
  {
    name: 'error-pages',
    group: 'errors',
    servers: { a: {} },
    config: (p) => listen(p, '    timeout server 200ms\n    retries 0', srv(p, 'a')),
    run: async (ctx) => ({
      badGateway: page(await ctx.send({ headers: [['x-close', '1']] })),
      gatewayTimeout: page(await ctx.send({ headers: [['x-delay', '500']] })),
    }),
    expect: (o) => want('statuses', [(o['badGateway'] as { status: number }).status, (o['gatewayTimeout'] as { status: number }).status], [502, 504]),
  },
  {
    name: 'timeout-http-request-408',
    group: 'timeouts',
    servers: { a: {} },
    config: (p) => listen(p, '    timeout http-request 200ms', srv(p, 'a')),
    run: async (ctx) => {
      // headers never finished
      const slow = await raw(ctx.port, 'GET / HTTP/1.1\r\nHost: x\r\n', 2000)
      return { statusLine: slow.statusLine, after: approx(slow.after, TOL), originHits: ctx.servers['a']!.received.length }
    },
    expect: (o) => want('status line', o['statusLine'], 'HTTP/1.1 408 Request Time-out'),
  },
  {
    name: 'request-edge-cases',
    group: 'errors',
    servers: { a: {} },
    // raw requests: what is refused (status line) and what reaches the origin (method, URL, header lines)
    config: (p) => listen(p, '', srv(p, 'a')),
    divergence: {
      note: "Node's HTTP parser and undici (docs/haproxy-mapping.md, \"Requests Node's parser refuses\")",
      expected: (h) => ({
        ...h,
        // undici always sends Host: an HTTP/1.0 request without one gets the server's address
        http10NoHost: { ...(h['http10NoHost'] as object), origin: ['GET /ten | host: 127.0.0.1:<a>'] },
        // llhttp refuses Content-Length with Transfer-Encoding (HAProxy drops Content-Length and forwards)
        clAndTe: { statusLine: 'HTTP/1.1 400 Bad request', origin: [] },
        // Node's 16 KiB header limit answers 431 (HAProxy: 400 when the request does not fit its buffer)
        hugeHeader: { statusLine: 'HTTP/1.1 431 Request Header Fields Too Large', origin: [] },
        // llhttp knows only upper-case methods (HAProxy forwards `get`; this origin, on Node too, then fails: 502)
        lowercaseMethod: { statusLine: 'HTTP/1.1 400 Bad request', origin: [] },
      }),
    },
    run: async (ctx) => {
      const cases: Record<string, string> = {
        http10NoHost: 'GET /ten HTTP/1.0\r\n\r\n',
        duplicateHost: 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n',
        noHost11: 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n',
        clAndTe: 'POST /both HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
        badHeaderName: 'GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\nConnection: close\r\n\r\n',
        hugeHeader: `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
        spaceInPath: 'GET /a b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
        lowercaseMethod: 'get / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
        absoluteMismatch: 'GET http://other/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      }
      const out: Record<string, unknown> = {}
      for (const [name, bytes] of Object.entries(cases)) {
        const before = ctx.servers['a']!.received.length
        const r = await raw(ctx.port, bytes, 2000)
        const seen = ctx.servers['a']!.received.slice(before)
        const port = String(ctx.servers['a']!.port)
        out[name] = { statusLine: r.statusLine, origin: seen.map((x) => `${x.method} ${x.url} | ${seenHeaders(x.headers).join(' | ')}`.replace(port, '<a>')) }
      }
      return out
    },
  },
]
