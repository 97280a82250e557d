import t from 'tap'
import { CheckRunner, type RunnerHooks, type RunnerTiming } from '../../lib/health/check-runner.js'
import type { CheckResult, Probe, ProbeContext, ProbeResult } from '../../lib/health/types.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { flush } from '../fixtures/backend.js'

interface Harness {
  clock: FakeClock
  runner: CheckRunner
  results: (CheckResult & { at: number })[]
  starts: number[]
  contexts: ProbeContext[]
}

function harness(probe: Probe, timing: Partial<RunnerTiming> = {}, hooks: Partial<RunnerHooks> = {}, random = () => 0.5): Harness {
  const clock = new FakeClock()
  const results: Harness['results'] = []
  const starts: number[] = []
  const contexts: ProbeContext[] = []
  const runner = new CheckRunner(
    (context) => {
      starts.push(clock.now())
      contexts.push(context)
      return probe(context)
    },
    { inter: 1000, timeout: 0, connectTimeout: 0, spread: 0, ...timing },
    { clock, scheduler: clock, random },
    {
      interval: hooks.interval ?? (() => 1000),
      running: hooks.running ?? (() => true),
      result: (result) => {
        results.push({ ...result, at: clock.now() })
        hooks.result?.(result)
      },
    },
  )
  return { clock, runner, results, starts, contexts }
}

/** A probe whose attempts settle when the test says so (or when aborted). */
function manual(): { probe: (context: ProbeContext) => Promise<ProbeResult>; settle(result: ProbeResult): void; pending: number } {
  const waiting: ((r: ProbeResult) => void)[] = []
  const state = {
    probe: (context: ProbeContext) =>
      new Promise<ProbeResult>((resolve) => {
        waiting.push(resolve)
        context.signal.addEventListener('abort', () => resolve({ status: 'L4CON', message: 'aborted by the test probe' }))
      }),
    settle(result: ProbeResult) {
      waiting.shift()!(result)
    },
    get pending() {
      return waiting.length
    },
  }
  return state
}

const OK: ProbeResult = { status: 'L4OK' }

t.test('attempts run every interval after the previous one completed', async (t) => {
  const intervals = [1000, 200, 3000]
  const h = harness(() => OK, {}, { interval: () => intervals.shift() ?? 500 })
  t.equal(h.runner.active, false)
  h.runner.start(50)
  t.equal(h.runner.active, true)
  h.runner.start(0)
  h.clock.advance(50 + 1000 + 200 + 3000 + 500)
  t.same(h.starts, [50, 1050, 1250, 4250, 4750], 'the interval is asked after each result')
  t.same(h.results[0], { status: 'L4OK', code: undefined, message: 'Layer4 check passed', duration: 0, reply: undefined, at: 50 })
})

t.test('an asynchronous attempt: the next one is scheduled from its completion', async (t) => {
  const m = manual()
  const h = harness(m.probe)
  h.runner.start(0)
  h.clock.advance(0)
  t.equal(h.runner.inProgress, true)
  h.clock.advance(300)
  m.settle({ status: 'L7OK', code: 204, message: 'No Content', reply: 'x' })
  await flush()
  t.equal(h.runner.inProgress, false)
  t.same(h.results[0], { status: 'L7OK', code: 204, message: 'No Content', duration: 300, reply: 'x', at: 300 })
  h.clock.advance(999)
  t.same(h.starts, [0], 'not yet')
  h.clock.advance(1)
  t.same(h.starts, [0, 1300])
})

t.test('never two attempts at once: a slow check delays the next one', async (t) => {
  const m = manual()
  let inFlight = 0
  let peak = 0
  const h = harness((context) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    return m.probe(context).finally(() => inFlight--)
  }, { inter: 5000 }, { interval: () => 100 })
  h.runner.start(0)
  for (let i = 0; i < 3; i++) {
    h.clock.advance(700)
    m.settle(OK)
    await flush()
  }
  t.equal(peak, 1)
  t.same(h.starts, [0, 800, 1500], 'each 100 ms after the previous completion')
})

t.test('without timeout check the whole attempt must end within inter', async (t) => {
  const m = manual()
  const h = harness(m.probe, { inter: 1000 })
  h.runner.start(0)
  h.clock.advance(999)
  t.same(h.results, [])
  h.clock.advance(1)
  await flush()
  t.same(h.results[0], { status: 'L4TOUT', code: undefined, message: 'Layer4 timeout', duration: 1000, reply: undefined, at: 1000 })
  t.equal(h.contexts[0]!.signal.aborted, true)

  h.clock.advance(1000)
  h.contexts[1]!.reached('response')
  h.clock.advance(1000)
  await flush()
  t.equal(h.results[1]!.status, 'L7TOUT', 'connected: a layer-7 timeout, still bounded by inter')
  t.equal(h.results[1]!.duration, 1000)
})

t.test('timeout check: connect gets min(inter, timeout connect), then a fresh timeout check', async (t) => {
  const m = manual()
  const h = harness(m.probe, { inter: 2000, timeout: 500, connectTimeout: 300 })
  h.runner.start(0)
  h.clock.advance(300)
  await flush()
  t.same(h.results.map((r) => [r.status, r.duration]), [['L4TOUT', 300]], 'connect limited to timeout connect')

  h.clock.advance(1000)
  h.clock.advance(250)
  h.contexts[1]!.reached('response')
  h.clock.advance(499)
  t.equal(h.results.length, 1)
  h.clock.advance(1)
  await flush()
  t.same(h.results.map((r) => [r.status, r.duration]), [['L4TOUT', 300], ['L7TOUT', 750]], 'then 500 ms from the connection')
})

t.test('timeout check without timeout connect: connecting is bounded by inter; TLS stage times out as L6TOUT', async (t) => {
  const m = manual()
  const h = harness(m.probe, { inter: 1000, timeout: 200 })
  h.runner.start(0)
  h.clock.advance(999)
  t.same(h.results, [])
  h.clock.advance(1)
  await flush()
  t.equal(h.results[0]!.status, 'L4TOUT')

  h.clock.advance(1000)
  h.contexts[1]!.reached('connect')
  h.clock.advance(10)
  h.contexts[1]!.reached('handshake')
  h.contexts[1]!.reached('response')
  h.clock.advance(199)
  t.equal(h.results.length, 1)
  h.clock.advance(1)
  await flush()
  t.same([h.results[1]!.status, h.results[1]!.duration], ['L7TOUT', 210], 'only leaving connect rearms; the stage names the timeout')

  h.clock.advance(1000)
  h.contexts[2]!.reached('handshake')
  h.clock.advance(200)
  await flush()
  t.equal(h.results[2]!.status, 'L6TOUT')
  h.contexts[2]!.reached('response')
  t.equal(h.clock.pending, 1, 'progress reported after the end is ignored')
})

t.test('agent timing with timeout check and a long inter', async (t) => {
  const m = manual()
  const h = harness(m.probe, { inter: 100, timeout: 5000, connectTimeout: 3000 })
  h.runner.start(0)
  h.clock.advance(100)
  await flush()
  t.same([h.results[0]!.status, h.results[0]!.duration], ['L4TOUT', 100], 'min(inter, timeout connect)')
})

t.test('a probe that throws or rejects: SOCKERR', async (t) => {
  const behaviours: (() => ProbeResult | Promise<ProbeResult>)[] = [
    () => {
      throw new Error('boom')
    },
    () => Promise.reject(new Error('async boom')),
    () => Promise.reject('a string'),
  ]
  const h = harness(() => behaviours.shift()!())
  h.runner.start(0)
  h.clock.advance(0)
  h.clock.advance(1000)
  await flush()
  h.clock.advance(1000)
  await flush()
  t.same(h.results.map((r) => [r.status, r.message]), [['SOCKERR', 'boom'], ['SOCKERR', 'async boom'], ['SOCKERR', 'a string']])
})

t.test('the context tells whether the server runs', async (t) => {
  let running = true
  const h = harness(() => OK, {}, { running: () => running })
  h.runner.start(0)
  h.clock.advance(0)
  running = false
  h.clock.advance(1000)
  t.same(h.contexts.map((c) => c.running), [true, false])
})

t.test('stop leaves no timer and drops the result in flight; start waits for it to settle', async (t) => {
  const m = manual()
  const h = harness(m.probe)
  h.runner.start(100)
  h.runner.stop()
  t.equal(h.clock.pending, 0, 'the first attempt is cancelled before it runs')
  h.runner.start(0)
  h.clock.advance(0)
  h.runner.stop()
  t.equal(h.clock.pending, 0, 'no timer pending')
  t.equal(h.contexts[0]!.signal.aborted, true)
  t.equal(h.runner.inProgress, false)
  h.runner.stop()
  h.runner.start(10)
  t.equal(h.clock.pending, 0, 'the stopped attempt has not settled yet')
  await flush()
  t.same(h.results, [], 'its result is dropped')
  t.equal(h.clock.pending, 1, 'once settled, the restart is armed')
  h.clock.advance(10)
  t.same(h.starts, [0, 10])

  h.runner.stop()
  h.runner.start(5)
  h.runner.stop()
  await flush()
  t.equal(h.clock.pending, 0, 'stopped again before it settled: nothing armed')
  h.runner.start(0)
  h.clock.advance(0)
  t.same(h.starts, [0, 10, 10])
})

t.test('the signal is created on first use, aborted if the attempt already was', async (t) => {
  let settle!: (result: ProbeResult) => void
  const h = harness(() => new Promise<ProbeResult>((resolve) => (settle = resolve)))
  h.runner.start(0)
  h.clock.advance(0)
  h.runner.stop()
  t.equal(h.contexts[0]!.signal.aborted, true, 'looked at after the stop')
  settle(OK)
  await flush()
  t.same(h.results, [])
})

t.test('onAbort: one listener, called once on abort, at once when already aborted', async (t) => {
  const calls: string[] = []
  let settle!: (result: ProbeResult) => void
  const h = harness((context) => {
    context.onAbort(() => calls.push('replaced'))
    context.onAbort(() => {
      calls.push('listener')
      settle({ status: 'L4CON' })
    })
    return new Promise<ProbeResult>((resolve) => (settle = resolve))
  })
  h.runner.start(0)
  h.clock.advance(1000)
  await flush()
  t.same(calls, ['listener'])
  t.equal(h.results[0]!.status, 'L4TOUT')
  h.contexts[0]!.onAbort(() => calls.push('late'))
  t.same(calls, ['listener', 'late'])
})

t.test('a result hook may stop, or stop and restart, the runner', async (t) => {
  let runner: CheckRunner | undefined
  let action: 'stop' | 'restart' | undefined = 'stop'
  const h = harness(() => OK, {}, {
    result: () => {
      if (action === 'stop') runner!.stop()
      if (action === 'restart') {
        runner!.stop()
        runner!.start(70)
      }
      action = undefined
    },
  })
  runner = h.runner
  h.runner.start(0)
  h.clock.advance(0)
  t.equal(h.clock.pending, 0, 'stopped from the hook: nothing rearmed')
  action = 'restart'
  h.runner.start(0)
  h.clock.advance(0)
  t.equal(h.clock.pending, 1, 'restarted from the hook: one timer')
  h.clock.advance(70)
  t.same(h.starts, [0, 0, 70])
})

t.test('expedite brings the next attempt forward, never later', async (t) => {
  const m = manual()
  const h = harness(m.probe, { inter: 10_000 }, { interval: () => 2000 })
  h.runner.expedite(100)
  h.runner.start(0)
  h.clock.advance(0)
  h.runner.expedite(100)
  t.equal(h.clock.pending, 1, 'in flight: only its deadline is pending')
  m.settle(OK)
  await flush()
  h.clock.advance(500)
  h.runner.expedite(2000)
  h.runner.expedite(200)
  h.clock.advance(200)
  t.same(h.starts, [0, 700])
})

t.test('spread-checks jitter on every interval', async (t) => {
  const draws = [0, 0.999999, 0.5]
  const h = harness(() => OK, { spread: 10 }, { interval: () => 1000 }, () => draws.shift() ?? 0.5)
  h.runner.start(0)
  h.clock.advance(4000)
  t.same(h.starts, [0, 1100, 2001, 3001])
})
