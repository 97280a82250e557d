/**
 * Health checks seen through routing: a server's check is made to fail, the
 * time it stops receiving traffic is measured, then it is made to pass again
 * and the time it gets traffic back is measured. inter 100 ms; timings ±TOL.
 */
import { sleep } from '../harness/client.js'
import { approx } from '../harness/compare.js'
import { preamble, srv, want, type Ports, type RunContext, type Scenario } from '../harness/scenario.js'
import type { OriginServer } from '../harness/server.js'

/** Tolerance for health transitions: check interval 100 ms plus scheduling on a loaded 2-core machine. */
const TOL = 150

interface Timeline {
  /** Servers that answered, run-length compressed per phase. */
  readonly phases: Record<string, string[]>
  /** When the target stopped getting traffic, ms after its check started failing. */
  readonly wentDown: unknown
  /** When it got traffic again, ms after its check started passing. */
  readonly cameBack: unknown
}

/**
 * Polls every 20 ms: `before` ms healthy, then `fail()`, `downFor` ms, then `recover()`, `after` ms.
 * Phases list the distinct answers (server name or status) in order of first appearance.
 */
async function timeline(ctx: RunContext, target: string, fail: () => Promise<void> | void, recover: () => Promise<void> | void, downFor = 800, after = 700): Promise<Timeline> {
  const log: { t: number; who: string }[] = []
  let stop = false
  const poller = (async () => {
    while (!stop) {
      const sent = ctx.now()
      const r = await ctx.send({ timeout: 2000 })
      log.push({ t: sent, who: r.server === '-' ? String(r.status) : r.server })
      await sleep(20)
    }
  })()
  await sleep(300)
  const failAt = ctx.now()
  await fail()
  await sleep(downFor)
  const recoverAt = ctx.now()
  await recover()
  await sleep(after)
  stop = true
  await poller
  const distinct = (from: number, to: number): string[] => [...new Set(log.filter((x) => x.t >= from && x.t < to).map((x) => x.who))].sort()
  const lastTarget = log.filter((x) => x.who === target && x.t >= failAt && x.t < recoverAt).at(-1)
  const firstBack = log.find((x) => x.who === target && x.t >= recoverAt)
  return {
    phases: {
      healthy: distinct(0, failAt),
      // from 400 ms after the failure (fall × inter plus margin) to the recovery
      down: distinct(failAt + 400, recoverAt),
      recovered: distinct(recoverAt + 500, Infinity),
    },
    wentDown: lastTarget === undefined ? 'never served after the failure' : approx(lastTarget.t - failAt, TOL),
    cameBack: firstBack === undefined ? 'never' : approx(firstBack.t - recoverAt, TOL),
  }
}

const healthToggle = (s: OriginServer, status: number) => () => {
  s.behaviour.health = status
}

function listen(p: Ports, lines: string, servers: string): string {
  return `${preamble()}
listen fe
    bind 127.0.0.1:${p.fe}
    balance roundrobin
    # checks answer within inter (100 ms) on a quiet machine; a loaded one must not fail them
    timeout check 1s
${lines}
${servers}
`
}

export const healthScenarios: readonly Scenario[] = [
  {
    name: 'health-tcp-rise-fall',
    group: 'health',
    // bchk: the port b's TCP check connects to (stopping it fails the check while b keeps serving)
    servers: { a: {}, b: {}, bchk: {} },
    config: (p) => listen(p, '', `${srv(p, 'a')}\n${srv(p, 'b', `check port ${p.srv['bchk']} inter 100 fall 2 rise 2`)}`),
    settle: 150,
    run: (ctx) => timeline(ctx, 'b', () => ctx.servers['bchk']!.stop(), () => ctx.servers['bchk']!.start()) as unknown as Promise<Record<string, unknown>>,
    expect: (o) => want('phases', o['phases'], { healthy: ['a', 'b'], down: ['a'], recovered: ['a', 'b'] }),
  },
  {
    name: 'health-httpchk-rise-fall',
    group: 'health',
    servers: { a: {}, b: {} },
    config: (p) => listen(p, '    option httpchk GET /health\n    http-check expect status 200', `${srv(p, 'a', 'check inter 100 fall 2 rise 3')}\n${srv(p, 'b', 'check inter 100 fall 2 rise 3')}`),
    settle: 150,
    run: (ctx) => timeline(ctx, 'b', healthToggle(ctx.servers['b']!, 503), healthToggle(ctx.servers['b']!, 200)) as unknown as Promise<Record<string, unknown>>,
    expect: (o) => want('phases', o['phases'], { healthy: ['a', 'b'], down: ['a'], recovered: ['a', 'b'] }),
  },
  {
    name: 'health-httpchk-short-flap',
    group: 'health',
    servers: { a: {}, b: {} },
    // one failed check (fall 3) must not take b out
    config: (p) => listen(p, '    option httpchk GET /health', `${srv(p, 'a', 'check inter 100 fall 3 rise 2')}\n${srv(p, 'b', 'check inter 100 fall 3 rise 2')}`),
    settle: 150,
    run: async (ctx) => {
      const first = await ctx.send()
      ctx.servers['b']!.behaviour.health = 503
      await sleep(120)
      ctx.servers['b']!.behaviour.health = 200
      await sleep(200)
      const seq: string[] = [first.server]
      for (let i = 0; i < 6; i++) seq.push((await ctx.send()).server)
      return { seq }
    },
    expect: (o) => want('b still served', (o['seq'] as string[]).includes('b'), true),
  },
  {
    name: 'health-backup-takeover',
    group: 'health',
    servers: { a: {}, bk: {} },
    config: (p) => listen(p, '    option httpchk GET /health', `${srv(p, 'a', 'check inter 100 fall 2 rise 2')}\n${srv(p, 'bk', 'backup check inter 100 fall 2 rise 2')}`),
    settle: 150,
    run: (ctx) => timeline(ctx, 'a', healthToggle(ctx.servers['a']!, 500), healthToggle(ctx.servers['a']!, 200)) as unknown as Promise<Record<string, unknown>>,
    expect: (o) => want('phases', o['phases'], { healthy: ['a'], down: ['bk'], recovered: ['a'] }),
  },
  {
    name: 'health-all-down-503',
    group: 'health',
    servers: { a: {} },
    config: (p) => listen(p, '    option httpchk GET /health', srv(p, 'a', 'check inter 100 fall 2 rise 2')),
    settle: 150,
    run: (ctx) => timeline(ctx, 'a', healthToggle(ctx.servers['a']!, 503), healthToggle(ctx.servers['a']!, 200), 600, 600) as unknown as Promise<Record<string, unknown>>,
    expect: (o) => want('phases', o['phases'], { healthy: ['a'], down: ['503'], recovered: ['a'] }),
  },
  {
    name: 'health-backups-first-only',
    group: 'health',
    servers: { a: {}, bk1: {}, bk2: {} },
    config: (p) => listen(p, '    option httpchk GET /health', `${srv(p, 'a', 'check inter 100 fall 2 rise 2')}\n${srv(p, 'bk1', 'backup')}\n${srv(p, 'bk2', 'backup')}`),
    settle: 150,
    run: (ctx) => timeline(ctx, 'a', healthToggle(ctx.servers['a']!, 500), healthToggle(ctx.servers['a']!, 200), 600, 600) as unknown as Promise<Record<string, unknown>>,
    expect: (o) => want('phases', o['phases'], { healthy: ['a'], down: ['bk1'], recovered: ['a'] }),
  },
  {
    name: 'health-allbackups',
    group: 'health',
    servers: { a: {}, bk1: {}, bk2: {} },
    config: (p) => listen(p, '    option httpchk GET /health\n    option allbackups', `${srv(p, 'a', 'check inter 100 fall 2 rise 2')}\n${srv(p, 'bk1', 'backup')}\n${srv(p, 'bk2', 'backup')}`),
    settle: 150,
    run: (ctx) => timeline(ctx, 'a', healthToggle(ctx.servers['a']!, 500), healthToggle(ctx.servers['a']!, 200), 600, 600) as unknown as Promise<Record<string, unknown>>,
    expect: (o) => want('phases', o['phases'], { healthy: ['a'], down: ['bk1', 'bk2'], recovered: ['a'] }),
  },
]
