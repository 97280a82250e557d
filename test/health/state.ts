import t from 'tap'
import {
  checkInterval,
  classifyOutcome,
  failCheck,
  firstCheckDelay,
  initialHealth,
  isPassing,
  maxHealth,
  onErrorHealth,
  passCheck,
  spreadDelay,
  startSpread,
  statusText,
  verdict,
  type HealthContext,
  type StatusFacts,
} from '../../lib/health/state.js'

const P = { rise: 2, fall: 3 }

t.test('§5.3 counter: from fully UP exactly `fall` failures take it down, one success while falling restores it', (t) => {
  const seq: number[] = []
  let h = maxHealth(P)
  t.equal(h, 4)
  for (let i = 0; i < 3; i++) seq.push((h = failCheck(h, P)))
  t.same(seq, [3, 2, 0], '4 → 3 (UP 2/3) → 2 (UP 1/3) → 0 (DOWN)')
  t.equal(failCheck(0, P), 0, 'stays at 0')
  t.equal(passCheck(3, P), 4, 'one success while falling: fully UP again')
  t.equal(passCheck(2, P), 4)
  t.equal(passCheck(4, P), 4, 'stays at the top')
  t.end()
})

t.test('§5.3 counter: from DOWN exactly `rise` successes bring it up, one failure while rising resets to 0', (t) => {
  const rows: [rise: number, fall: number, passesToUp: number][] = [
    [2, 3, 2],
    [1, 1, 1],
    [3, 2, 3],
    [5, 5, 5],
  ]
  for (const [rise, fall, n] of rows) {
    const p = { rise, fall }
    let h = 0
    let passes = 0
    while (!isPassing(h, p)) {
      h = passCheck(h, p)
      passes++
    }
    t.equal(passes, n, `rise ${rise}: ${n} successes`)
    t.equal(h, rise + fall - 1, 'reaching rise jumps to the top')
    let fails = 0
    while (isPassing(h, p)) {
      h = failCheck(h, p)
      fails++
    }
    t.equal(fails, fall, `fall ${fall}: ${fall} failures`)
    t.equal(h, 0)
  }
  t.equal(failCheck(1, P), 0, 'rising (DOWN 1/2) and one failure: back to 0')
  t.end()
})

t.test('§5.4 initial states', (t) => {
  t.equal(initialHealth(P), 2, 'HAProxy: health = rise, UP, one failure → DOWN')
  t.equal(failCheck(initialHealth(P), P), 0)
  t.equal(passCheck(initialHealth(P), P), 4, 'one success → fully UP')
  t.equal(initialHealth(P, 'fully-up'), 4)
  t.equal(initialHealth(P, 'down'), 1, 'one success brings it up')
  t.ok(isPassing(passCheck(initialHealth(P, 'down'), P), P))
  t.equal(initialHealth(P, 'fully-down'), 0)
  t.end()
})

t.test('§5.2 intervals: inter when fully UP, downinter when fully DOWN, fastinter in between', (t) => {
  const iv = { inter: 1000, fastinter: 200, downinter: 3000 }
  t.equal(checkInterval(4, P, iv, false), 1000)
  t.equal(checkInterval(3, P, iv, false), 200, 'going down')
  t.equal(checkInterval(2, P, iv, false), 200, 'not yet checked at start (health = rise)')
  t.equal(checkInterval(1, P, iv, true), 200, 'going up')
  t.equal(checkInterval(0, P, iv, true), 3000)
  t.equal(checkInterval(0, P, iv, false), 200, 'downinter only while the server is DOWN')
  t.end()
})

t.test('spread-checks jitter: ±percent, uniform', (t) => {
  t.equal(spreadDelay(1000, 0, () => 0.9), 1000)
  t.equal(spreadDelay(1000, 10, () => 0), 1100)
  t.equal(spreadDelay(1000, 10, () => 0.5), 1000)
  t.equal(spreadDelay(1000, 10, () => 0.999999), 901)
  t.equal(spreadDelay(1000, 50, () => 0.25), 1250)
  t.equal(spreadDelay(333, 5, () => 0), 349, 'p = trunc(333 × 5 / 100) = 16')
  t.end()
})

t.test('first checks: spread over the smallest interval ≥ 1 s', (t) => {
  t.equal(startSpread([]), 0)
  t.equal(startSpread([500, 100]), 0, 'short intervals do not dictate the spread')
  t.equal(startSpread([3000, 2000, 500, 5000]), 2000)
  // Observed: 3 servers inter 3s → first checks at ≈0, 1, 2 s.
  t.same([0, 1, 2].map((k) => firstCheckDelay(k, 3, 3000, 3000, 0, () => 0.5)), [0, 1000, 2000])
  t.equal(firstCheckDelay(1, 2, 2000, 10_000, 0, Math.random), 5000, 'raised to the check’s own interval')
  t.equal(firstCheckDelay(1, 4, 0, 100, 0, Math.random), 25, 'no interval ≥ 1 s: its own')
  t.equal(firstCheckDelay(1, 2, 1000, 1000, 10, () => 0), 550, 'jitter on the span: (1000 + 100) × 1/2')
  t.end()
})

function ctx(overrides: Partial<HealthContext>): HealthContext {
  return { maint: false, operational: 'up', checkEnabled: true, health: 4, agentEnabled: false, agentHealth: 1, ...overrides }
}

t.test('verdicts (check_notify_*)', (t) => {
  const rows: [string, Parameters<typeof verdict>[0], Partial<HealthContext>, boolean, ReturnType<typeof verdict>][] = [
    ['failure leaving the counter at 0 → down', 'failed', { health: 0 }, false, 'down'],
    ['failure while still above 0 → nothing', 'failed', { health: 3 }, false, undefined],
    ['already down → nothing', 'failed', { health: 0, operational: 'down' }, false, undefined],
    ['failure in maintenance → nothing', 'failed', { health: 0, maint: true }, false, undefined],
    ['agent failure → down when the agent counter is 0', 'failed', { agentEnabled: true, agentHealth: 0 }, true, 'down'],
    ['pass of a down server at rise → up', 'passed', { health: 4, operational: 'down' }, false, 'up'],
    ['pass below rise → nothing', 'passed', { health: 1, operational: 'down' }, false, undefined],
    ['pass while the agent says down → nothing', 'passed', { operational: 'down', agentEnabled: true, agentHealth: 0 }, false, undefined],
    ['disabled agent does not hold it', 'passed', { operational: 'down', agentEnabled: false, agentHealth: 0 }, false, 'up'],
    ['pass in maintenance → nothing', 'passed', { operational: 'down', maint: true }, false, undefined],
    ['pass of an up server → nothing', 'passed', {}, false, undefined],
    ['pass of a starting server → nothing', 'passed', { operational: 'starting' }, false, undefined],
    ['pass ends NOLB', 'passed', { operational: 'stopping' }, false, 'up'],
    ['agent up does not end NOLB', 'passed', { operational: 'stopping', agentEnabled: true }, true, undefined],
    ['agent up with no check → up', 'passed', { operational: 'down', checkEnabled: false, health: 0, agentEnabled: true }, true, 'up'],
    ['conditional pass of an up server → stopping', 'conditional', {}, false, 'stopping'],
    ['conditional pass while NOLB → nothing', 'conditional', { operational: 'stopping' }, false, undefined],
    ['conditional pass of a down server → nothing', 'conditional', { operational: 'down' }, false, undefined],
    ['neutral → nothing', 'neutral', { health: 0 }, false, undefined],
  ]
  for (const [name, outcome, context, fromAgent, expected] of rows) t.equal(verdict(outcome, ctx(context), P, fromAgent), expected, name)
  t.end()
})

t.test('§5.8 passive classification', (t) => {
  const rows: [Parameters<typeof classifyOutcome>[0], number | undefined, string, string][] = [
    ['connect-error', undefined, 'error', 'error'],
    ['connect-timeout', undefined, 'error', 'error'],
    ['response-timeout', undefined, 'ok', 'error'],
    ['bad-response', undefined, 'ok', 'error'],
    ['client-abort', undefined, 'none', 'none'],
    ['ok', undefined, 'ok', 'ok'],
    ['ok', 200, 'ok', 'ok'],
    ['ok', 404, 'ok', 'ok'],
    ['ok', 499, 'ok', 'ok'],
    ['ok', 500, 'ok', 'error'],
    ['ok', 501, 'ok', 'ok'],
    ['ok', 502, 'ok', 'error'],
    ['ok', 503, 'ok', 'error'],
    ['ok', 504, 'ok', 'error'],
    ['ok', 505, 'ok', 'ok'],
    ['ok', 506, 'ok', 'error'],
    ['ok', 100, 'ok', 'ok'],
  ]
  for (const [outcome, status, l4, l7] of rows) {
    t.equal(classifyOutcome(outcome, status, 'layer4'), l4, `layer4 ${outcome} ${String(status)}`)
    t.equal(classifyOutcome(outcome, status, 'layer7'), l7, `layer7 ${outcome} ${String(status)}`)
  }
  t.end()
})

t.test('§5.8 on-error actions from fully UP (rise 2 fall 3): observed statuses', (t) => {
  t.same(onErrorHealth(4, 'fastinter', P), { health: 4, failed: false, counted: false }, 'fastinter: still fully UP')
  t.same(onErrorHealth(4, 'fail-check', P), { health: 3, failed: true, counted: true }, 'fail-check: UP 2/3')
  t.same(onErrorHealth(4, 'sudden-death', P), { health: 2, failed: true, counted: true }, 'sudden-death: UP 1/3')
  t.same(onErrorHealth(4, 'mark-down', P), { health: 0, failed: true, counted: true }, 'mark-down: DOWN')
  t.same(onErrorHealth(2, 'sudden-death', P), { health: 0, failed: true, counted: true }, 'sudden-death at rise: DOWN')
  t.same(onErrorHealth(0, 'fail-check', P), { health: 0, failed: true, counted: false }, 'already 0: not counted')
  t.same(onErrorHealth(0, 'mark-down', P), { health: 0, failed: true, counted: true })
  t.end()
})

function facts(overrides: Partial<StatusFacts>): StatusFacts {
  return { ...ctx({}), admin: 'ready', policy: P, ...overrides }
}

t.test('§6.2 status text', (t) => {
  const rows: [Partial<StatusFacts>, string][] = [
    [{}, 'UP'],
    [{ health: 3 }, 'UP 2/3'],
    [{ health: 2 }, 'UP 1/3'],
    [{ operational: 'starting' }, 'UP'],
    [{ checkEnabled: false, health: 0 }, 'no check'],
    [{ operational: 'down', health: 0 }, 'DOWN'],
    [{ operational: 'down', health: 1 }, 'DOWN 1/2'],
    [{ operational: 'down', health: 1, checkEnabled: false }, 'DOWN'],
    [{ operational: 'down', health: 0, agentEnabled: true, agentHealth: 0 }, 'DOWN (agent)'],
    [{ operational: 'stopping' }, 'NOLB'],
    [{ operational: 'stopping', health: 3 }, 'NOLB 2/3'],
    [{ admin: 'drain' }, 'DRAIN'],
    [{ admin: 'drain', health: 3 }, 'DRAIN 2/3'],
    [{ admin: 'drain', agentEnabled: true }, 'DRAIN (agent)'],
    [{ admin: 'drain', operational: 'down', health: 0 }, 'DOWN'],
    [{ admin: 'maint' }, 'MAINT'],
    [{ admin: 'maint', operational: 'down' }, 'MAINT'],
  ]
  for (const [overrides, text] of rows) t.equal(statusText(facts(overrides)), text, JSON.stringify(overrides))
  t.end()
})
