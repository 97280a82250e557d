import t from 'tap'
import { shouldRedispatch } from '../../lib/adapters/redispatch.js'
import type { ServerView } from '../../lib/balance/types.js'
import { makeServers } from '../fixtures/servers.js'

const up = makeServers([1])[0]!
const state = (operational: ServerView['operational']): ServerView => ({ ...up, operational }) as ServerView

t.test('off: never', async (t) => {
  for (let k = 1; k <= 3; k++) t.equal(shouldRedispatch(0, 3, k, state('down'), true), false)
})

t.test('plain redispatch (−1): the last retry only', async (t) => {
  t.same([1, 2, 3].map((k) => shouldRedispatch(-1, 3, k, up, false)), [false, false, true])
  t.same([1, 2].map((k) => shouldRedispatch(-1, 2, k, up, false)), [false, true])
  t.same([1].map((k) => shouldRedispatch(-1, 1, k, up, false)), [true])
})

t.test('interval P > 0: every P-th retry', async (t) => {
  t.same([1, 2, 3, 4].map((k) => shouldRedispatch(1, 4, k, up, false)), [true, true, true, true])
  t.same([1, 2, 3, 4].map((k) => shouldRedispatch(2, 4, k, up, false)), [false, true, false, true])
})

t.test('interval N < −1: every (retries + 1 + N)-th retry; a period ≤ 0 never fires by itself', async (t) => {
  t.same([1, 2, 3, 4].map((k) => shouldRedispatch(-3, 4, k, up, false)), [false, true, false, true])
  t.same([1, 2].map((k) => shouldRedispatch(-5, 2, k, up, false)), [false, false])
})

t.test('a down, starting or maintenance server is always left; stopping and drain are not', async (t) => {
  t.equal(shouldRedispatch(-1, 3, 1, state('down'), false), true)
  t.equal(shouldRedispatch(-1, 3, 1, state('starting'), false), true)
  t.equal(shouldRedispatch(-1, 3, 1, { ...up, admin: 'maint' } as ServerView, false), true)
  t.equal(shouldRedispatch(-1, 3, 1, state('stopping'), false), false)
  t.equal(shouldRedispatch(-1, 3, 1, { ...up, admin: 'drain', weight: 0, eweight: 0, usable: false } as ServerView, false), false)
})

t.test('several usable actives and no hashing: every retry', async (t) => {
  t.same([1, 2, 3].map((k) => shouldRedispatch(-1, 3, k, up, true)), [true, true, true])
  t.same([1, 2].map((k) => shouldRedispatch(-5, 2, k, up, true)), [true, true])
})
