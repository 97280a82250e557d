/** What a conformance scenario is. */
import type { Reply, RequestOptions } from './client.js'
import type { OriginServer, ServerBehaviour } from './server.js'

/** Ports handed to the configuration template. */
export interface Ports {
  /** The frontend (listen) port. */
  readonly fe: number
  /** Each origin server's port by name. */
  readonly srv: Readonly<Record<string, number>>
  /** A loopback port nothing listens on (refused connections). */
  readonly closed: number
  /** A loopback port whose connects hang (see blackhole.ts); 0 unless the scenario sets `blackhole`. */
  readonly blackhole: number
}

/** What a script gets: the frontend, the origins, and a clock shared with them. */
export interface RunContext {
  readonly port: number
  readonly servers: Readonly<Record<string, OriginServer>>
  /** performance.now() at the start of the script; `Reply.sent/done` and `Received.at` count from here. */
  readonly origin: number
  /** Sends one request to the frontend. */
  send(options?: RequestOptions): Promise<Reply>
  /** Milliseconds since `origin`. */
  now(): number
}

/** An observation: JSON-like data, with `approx()` for timings. */
export type Observation = Readonly<Record<string, unknown>>

/** A scenario: one configuration, origin behaviours, a request script and what to extract. */
export interface Scenario {
  readonly name: string
  readonly group: string
  /** Origin servers by name with their behaviour. */
  readonly servers: Readonly<Record<string, ServerBehaviour>>
  /** The haproxy.cfg body (after `global`/`defaults` from `preamble()` unless it starts with `global`). */
  config(p: Ports): string
  /** Waits after the listener is up before the script (lets first health checks run). @default 0 */
  readonly settle?: number
  /** Runs the requests and returns what is compared. */
  run(ctx: RunContext): Promise<Observation>
  /**
   * Sanity expectations from the HAProxy reference, checked on both runs
   * (guards against a harness bug that makes both sides fail alike). Returns problems.
   */
  expect?(obs: Observation): string[]
  /**
   * A documented divergence (docs/haproxy-mapping.md): switchyard must produce
   * exactly `expected(haproxyObservation)` instead of the HAProxy observation.
   */
  readonly divergence?: { readonly note: string; expected(haproxy: Observation): Observation }
  /** Needs `Ports.blackhole` (skipped where it cannot be made). */
  readonly blackhole?: boolean
  /** Skip with this reason (nondeterministic or unsupported on this machine). */
  readonly skip?: string
}

/** The shared `global` and `defaults` sections: foreground, short timeouts. */
export function preamble(extraDefaults = ''): string {
  return `global
    maxconn 2000

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
${extraDefaults}
`
}

/** A `server` line for origin `name`. */
export function srv(p: Ports, name: string, extra = ''): string {
  const port = p.srv[name]
  if (port === undefined) throw new Error(`no origin ${name}`)
  return `    server ${name} 127.0.0.1:${port}${extra === '' ? '' : ' ' + extra}`
}

/** Names of the servers that answered, in order; a generated answer shows its status, a failure `ERR`. */
export function names(replies: readonly Reply[]): string[] {
  return replies.map((r) => (r.status === 0 ? 'ERR' : r.server === '-' ? String(r.status) : r.server))
}

/** Sends `n` requests one after the other, `make(i)` giving each one's options. */
export async function sequential(ctx: RunContext, n: number, make: (i: number) => RequestOptions = () => ({})): Promise<Reply[]> {
  const out: Reply[] = []
  for (let i = 0; i < n; i++) out.push(await ctx.send(make(i)))
  return out
}

/** Header lines the origin received, minus those that legitimately differ between proxies. */
export const IGNORED_HEADERS: readonly string[] = [
  // hop-by-hop and connection management: HAProxy and Node pick keep-alive differently
  'connection',
  'keep-alive',
  // framing: both forward bodies, but may choose content-length vs chunked differently
  'content-length',
  'transfer-encoding',
]

/** Header lines an origin received for one request, minus IGNORED_HEADERS. */
export function seenHeaders(headers: readonly (readonly [string, string])[]): string[] {
  return headers.filter(([n]) => !IGNORED_HEADERS.includes(n)).map(([n, v]) => `${n}: ${v}`)
}

/** Problems if `actual` differs from `wanted` (for `expect`). */
export function want(label: string, actual: unknown, wanted: unknown): string[] {
  const a = JSON.stringify(actual)
  const w = JSON.stringify(wanted)
  return a === w ? [] : [`${label}: got ${a}, reference says ${w}`]
}
