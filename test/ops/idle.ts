import t from 'tap'
import { pendingRequests, waitIdle } from '../../lib/ops/idle.js'
import { makeBackend } from '../fixtures/backend.js'

t.test('resolves at once when nothing is pending', async (t) => {
  const { backend, clock } = makeBackend()
  t.equal(pendingRequests([backend]), 0)
  t.equal(await waitIdle([backend], clock, 10), true)
})

t.test('resolves true after the last release, false when the delay ran out first', async (t) => {
  const { backend, clock } = makeBackend({ servers: [{ maxconn: 1 }] })
  const lease = await backend.acquire()
  const queued = backend.acquire()
  t.equal(pendingRequests([backend]), 2)
  const idle = waitIdle([backend], clock, Infinity)
  lease.release('ok', 200)
  const second = await queued
  t.equal(pendingRequests([backend]), 1)
  second.release('ok', 200)
  t.equal(await idle, true)

  const third = await backend.acquire()
  const timedOut = waitIdle([backend], clock, 10)
  clock.advance(10)
  t.equal(await timedOut, false)
  // A release just before the delay runs out: the timer settles first, the late check does nothing.
  const late = waitIdle([backend], clock, 5)
  third.release('ok', 200)
  clock.advance(5)
  t.equal(await late, false)
})
