/** Frontend routing and request/response rules; keep-alive clients. */
import http from 'node:http'
import type { Reply } from '../harness/client.js'
import { names, preamble, seenHeaders, sequential, srv, want, type RunContext, type Scenario } from '../harness/scenario.js'

/** What the client saw and which header lines the origin got, per request. */
async function observe(ctx: RunContext, paths: readonly string[]): Promise<unknown[]> {
  const out: unknown[] = []
  for (const path of paths) {
    const servers = Object.values(ctx.servers)
    const before = servers.map((s) => s.received.length)
    const r: Reply = await ctx.send({ path, headers: [['X-Remove', 'gone?'], ['X-Keep', 'kept']] })
    const seen = servers.flatMap((s, i) => s.received.slice(before[i]))
    out.push({
      path,
      status: `${r.status} ${r.statusMessage}`,
      server: r.server,
      location: r.headers['location'] ?? null,
      xResp: r.headers['x-resp'] ?? null,
      origin: seen.map((x) => `${x.url} | ${seenHeaders(x.headers).filter((h) => !h.startsWith('host:')).join(' | ')}`),
    })
  }
  return out
}

export const routingScenarios: readonly Scenario[] = [
  {
    name: 'use-backend-acl',
    group: 'routing',
    servers: { a: {}, b: {}, c: {} },
    config: (p) => `${preamble()}
frontend fe
    bind 127.0.0.1:${p.fe}
    acl is_api path_beg /api
    acl is_static path_end .png .css
    use_backend api if is_api
    use_backend static if is_static !is_api
    default_backend web

backend api
${srv(p, 'a')}

backend static
${srv(p, 'b')}

backend web
${srv(p, 'c')}
`,
    run: async (ctx) => ({ steps: await observe(ctx, ['/api/users', '/logo.png', '/api/x.png', '/', '/index.html', '/style.css?v=2']) }),
    expect: (o) => want('servers', (o['steps'] as { server: string }[]).map((s) => s.server), ['a', 'b', 'a', 'c', 'c', 'b']),
  },
  {
    name: 'http-request-response-rules',
    group: 'routing',
    servers: { a: {} },
    config: (p) => `${preamble()}
listen fe
    bind 127.0.0.1:${p.fe}
    http-request deny if { path_beg /admin }
    http-request redirect location /new if { path /old }
    http-request set-header X-Test yes
    http-request del-header X-Remove
    http-response set-header X-Resp done
${srv(p, 'a')}
`,
    run: async (ctx) => ({ steps: await observe(ctx, ['/admin/x', '/old', '/page']) }),
    expect: (o) => want('statuses', (o['steps'] as { status: string }[]).map((s) => s.status), ['403 Forbidden', '302 Found', '200 OK']),
  },
  {
    name: 'keepalive-per-request',
    group: 'routing',
    servers: { a: {}, b: {} },
    // one client connection: every request is balanced (and persisted) on its own
    config: (p) => `${preamble()}
listen fe
    bind 127.0.0.1:${p.fe}
    balance roundrobin
    cookie SRV insert indirect
${srv(p, 'a', 'cookie a')}
${srv(p, 'b', 'cookie b')}
`,
    run: async (ctx) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
      try {
        const plain = names(await sequential(ctx, 4, () => ({ agent })))
        const pinned = names(await sequential(ctx, 3, () => ({ agent, headers: [['Cookie', 'SRV=b']] })))
        return { plain, pinned }
      } finally {
        agent.destroy()
      }
    },
    expect: (o) => want('plain', o['plain'], ['a', 'b', 'a', 'b']),
  },
]
