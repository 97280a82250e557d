/**
 * Hostile requests (issue 11, part 1): every case of test/fixtures/hostile-inputs.ts
 * is sent over a raw socket to a switchyard proxy (createProxy, node:http) in front
 * of a recording upstream; the outcome must be exactly the expected one, the
 * canary path never reaches a server, every forwarded body is framed by
 * switchyard, and a decoy server named by request-targets is never connected to.
 */
import t, { type Test } from 'tap'
import type { AddressInfo } from 'node:net'
import { createProxy, type BackendOptions } from '../../lib/proxy.js'
import type { HttpLogEntry } from '../../lib/adapters/types.js'
import { CANARY, DECOY_PORT, hostileCases, type HostileCase, type Profile } from '../fixtures/hostile-inputs.js'
import { rawRequest } from '../fixtures/raw-client.js'
import { framingProblem, recordingServer, type RecordedRequest, type RecordingServer } from '../fixtures/recording-server.js'
import { until } from '../fixtures/http.js'

const PROFILES: Readonly<Record<Profile, BackendOptions>> = {
  default: { forwardFor: true, forwardedProto: true, forwardedHost: true },
  trusted: { forwardFor: { except: ['127.0.0.0/8'] } },
  'if-none': { forwardFor: { ifNone: true } },
  'trusted-proxies': { forwardFor: true },
}

interface Setup {
  readonly port: number
  readonly logs: HttpLogEntry[]
}

async function startProxy(t: Test, upstream: RecordingServer, profile: Profile): Promise<Setup> {
  const logs: HttpLogEntry[] = []
  const proxy = createProxy({
    log: (e) => logs.push(e),
    ...(profile === 'trusted-proxies' ? { trustedProxies: ['127.0.0.0/8'] } : {}),
    rules:
      profile === 'trusted-proxies'
        ? { request: [{ action: 'set-header', name: 'x-src-seen', value: { format: '%[src]' } }] }
        : profile === 'default'
        ? {
            request: [
              { action: 'set-header', name: 'x-src-seen', value: { format: '%[src]' } },
              { action: 'redirect', type: 'prefix', value: 'https://b.example', if: { kind: 'path', match: { op: 'prefix', values: '/go/' } } },
              { action: 'set-header', name: 'x-q', value: { format: '%[url_param(q)]' }, if: { kind: 'param', name: 'q' } },
              { action: 'set-header', name: 'x-copy', value: { format: '%[hdr(x-src)]' }, if: { kind: 'header', name: 'x-src' } },
            ],
            response: [{ action: 'set-header', name: 'x-r', value: { format: '%[url_param(r)]' }, if: { kind: 'param', name: 'r' } }],
          }
        : undefined,
  })
  proxy.addBackend('be', { ...PROFILES[profile], retries: 0 }).addServer('s1', { address: upstream.address })
  const server = await proxy.listen(0)
  t.teardown(() => proxy.close({ hardStopAfter: 0 }))
  return { port: (server.address() as AddressInfo).port, logs }
}

function problems(c: HostileCase, got: { statuses: number[]; interim: number[]; closed: boolean; upstream: readonly RecordedRequest[] }, replyProblem: string | undefined): string[] {
  const out: string[] = []
  const e = c.expect
  if (JSON.stringify(got.statuses) !== JSON.stringify(e.statuses)) out.push(`statuses ${JSON.stringify(got.statuses)}, want ${JSON.stringify(e.statuses)}`)
  if (JSON.stringify(got.interim) !== JSON.stringify(e.interim ?? [])) out.push(`interim ${JSON.stringify(got.interim)}, want ${JSON.stringify(e.interim ?? [])}`)
  if (got.closed !== e.closed) out.push(got.closed ? 'connection closed, want kept' : 'connection kept open, want closed')
  const allowed = typeof e.upstream === 'number' ? [e.upstream] : e.upstream
  if (!allowed.includes(got.upstream.length)) out.push(`upstream requests ${got.upstream.length} (${got.upstream.map((r) => `${r.method} ${r.url}`).join(', ')}), want ${e.upstream}`)
  else if (e.check !== undefined) {
    const p = e.check(got.upstream)
    if (p !== undefined) out.push(p)
  }
  if (replyProblem !== undefined) out.push(replyProblem)
  for (const r of got.upstream) {
    const f = framingProblem(r)
    if (f !== undefined) out.push(`framing of ${r.method} ${r.url}: ${f}`)
    const cl = r.headers['content-length']
    if (cl !== undefined && !/^(?:0|[1-9][0-9]*)$/.test(cl)) out.push(`content-length not canonical: ${JSON.stringify(cl)}`)
    if (r.url.includes(CANARY)) out.push(`canary reached the server: ${r.method} ${r.url}`)
  }
  return out
}

t.test('hostile requests', async (t) => {
  const upstream = await recordingServer(t)
  const decoy = await recordingServer(t)
  const setups = new Map<Profile, Setup>()
  for (const profile of ['default', 'trusted', 'if-none', 'trusted-proxies'] as const) setups.set(profile, await startProxy(t, upstream, profile))
  const cases = hostileCases()
  const everything: RecordedRequest[] = []
  const byGroup = new Map<string, number>()
  let failed = 0
  for (const c of cases) {
    byGroup.set(c.group, (byGroup.get(c.group) ?? 0) + 1)
    const setup = setups.get(c.profile ?? 'default')!
    upstream.clear()
    const logsBefore = setup.logs.length
    const bytes = typeof c.bytes === 'string' ? Buffer.from(c.bytes.replaceAll(DECOY_PORT, String(decoy.port)), 'latin1') : c.bytes
    const res = await rawRequest(setup.port, bytes, {
      timeout: c.expect.closed ? 1500 : 1000,
      ...(c.expect.closed ? {} : { responses: c.expect.statuses.length }),
      ...(c.head === true ? { head: (i: number) => i === 0 } : {}),
      ...(c.fin === true ? { fin: true } : {}),
    })
    const upstreamRequests = [...upstream.requests]
    everything.push(...upstreamRequests)
    const finals = res.responses.filter((r) => r.status >= 200 || r.status < 100)
    const got = { statuses: finals.map((r) => r.status), interim: res.responses.filter((r) => r.status >= 100 && r.status < 200).map((r) => r.status), closed: res.closed, upstream: upstreamRequests }
    const found = problems(c, got, c.expect.reply?.(finals))
    // An upload cut by the proxy (the client's body was invalid or cut) ends early at the server: never a parse error otherwise.
    const parseErrors = c.expect.aborted === true ? upstream.parseErrors.filter((e) => e !== 'HPE_INVALID_EOF_STATE') : upstream.parseErrors
    if (parseErrors.length > 0) found.push(`the server could not parse what it got: ${parseErrors.join(', ')}`)
    const termination = c.expect.termination
    if (termination !== undefined && found.length === 0) {
      try {
        // Log lines come when client connections close: an earlier case's may arrive first.
        await until(() => setup.logs.slice(logsBefore).some((l) => l.termination === termination), 1000)
      } catch {
        found.push(`termination ${setup.logs.slice(logsBefore).map((l) => l.termination).join(',')}, want ${termination}`)
      }
    }
    if (found.length > 0) failed++
    t.strictSame(found, [], `${c.group}: ${c.name}`)
  }
  t.ok(cases.length >= 200, `${cases.length} hostile inputs`)
  t.equal(failed, 0, 'every case as expected')
  t.equal(everything.filter((r) => r.url.includes(CANARY)).length, 0, 'the canary never reached a server')
  t.equal(decoy.connections, 0, 'the decoy named by request-targets was never connected to')
  t.comment(`inputs per class: ${JSON.stringify(Object.fromEntries(byGroup))}`)
})
