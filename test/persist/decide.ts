import t from 'tap'
import { CookieIndex } from '../../lib/persist/cookie-index.js'
import { decidePersistence, isServerDown, redispatched } from '../../lib/persist/decide.js'
import { createCookiePolicy } from '../../lib/persist/policy.js'
import { readRequestCookies } from '../../lib/persist/request-cookies.js'
import type { PersistDecision, PersistOptions, PersistRules } from '../../lib/persist/types.js'
import { makeServerViews, type MutableServerView } from '../fixtures/server-views.js'

const policy = createCookiePolicy({ name: 'SRV', mode: 'insert', indirect: true, maxidle: 60_000, maxlife: 3_600_000 })
const T = 1795295801_000 // cookie date awIKP = 1795295804 s

/** s1 (A), s2 (B), s3 (C), s4 a backup sharing A, s5 without a value. */
function farm(): { servers: MutableServerView[]; index: CookieIndex } {
  const servers = makeServerViews(['s1', 's2', 's3', 's4', 's5'], ['s4'])
  const index = new CookieIndex()
  index.set(servers[0]!, 'A')
  index.set(servers[1]!, 'B')
  index.set(servers[2]!, 'C')
  index.set(servers[3]!, 'A')
  index.set(servers[4]!, undefined)
  return { servers, index }
}

function decide(header: string | undefined, index: CookieIndex, options: PersistOptions = {}, rules?: PersistRules, now = T, p = policy): PersistDecision {
  return decidePersistence(p, readRequestCookies(header, p, 'GET', now), index, options, rules)
}

const summary = (d: PersistDecision): string => `${d.requestFlag} ${d.outcome} ${d.server?.name ?? '-'} ${d.direct ? 'direct' : 'lb'}`

t.test('isServerDown: DOWN or MAINT; drain, NOLB, starting and weight 0 still take persistent traffic', async (t) => {
  const [s] = makeServerViews(['s1'])
  const server = s!
  t.equal(isServerDown(server), false, 'up')
  server.operational = 'down'
  t.equal(isServerDown(server), true, 'down')
  server.operational = 'up'
  server.admin = 'maint'
  t.equal(isServerDown(server), true, 'maint')
  server.admin = 'drain'
  t.equal(isServerDown(server), false, 'drain')
  server.admin = 'ready'
  for (const op of ['stopping', 'starting'] as const) {
    server.operational = op
    t.equal(isServerDown(server), false, op)
  }
  server.operational = 'up'
  server.weight = 0
  t.equal(isServerDown(server), false, 'weight 0')
})

t.test('§4.1 flags: none, valid, invalid, empty', async (t) => {
  const { index } = farm()
  t.equal(summary(decide(undefined, index)), 'N none - lb')
  t.equal(summary(decide('x=1', index)), 'N none - lb')
  t.equal(summary(decide('SRV=B', index)), 'V hit s2 direct')
  t.equal(summary(decide('SRV=Z', index)), 'I miss - lb')
  t.equal(summary(decide('SRV=', index)), 'I miss - lb', 'an empty value never matches')
  t.equal(summary(decide('SRV=b', index)), 'I miss - lb', 'values are case-sensitive')
  t.equal(summary(decide('SRV=B|awIKP|awIKP', index)), 'V hit s2 direct', 'dates do not take part in the match')
})

t.test('§4.7 down and unusable servers', async (t) => {
  const { servers, index } = farm()
  const b = servers[1]!
  for (const [change, label] of [[() => (b.admin = 'drain'), 'drain'], [() => (b.operational = 'stopping'), 'NOLB'], [() => (b.weight = 0), 'weight 0'], [() => (b.operational = 'starting'), 'slow start']] as const) {
    const saved = { admin: b.admin, operational: b.operational, weight: b.weight }
    change()
    t.equal(summary(decide('SRV=B', index)), 'V hit s2 direct', label)
    Object.assign(b, saved)
  }
  b.operational = 'down'
  t.equal(summary(decide('SRV=B', index)), 'D miss - lb', 'DOWN: balanced, flag D (then DI)')
  t.equal(summary(decide('SRV=B', index, { persist: true })), 'D hit s2 direct', 'option persist: sent anyway')
  t.equal(summary(decide('SRV=B', index, {}, { forcePersist: true })), 'D hit s2 direct', 'force-persist: sent anyway')
  b.operational = 'up'
  b.admin = 'maint'
  t.equal(summary(decide('SRV=B', index)), 'D miss - lb', 'MAINT counts as DOWN')
  t.equal(summary(decide('SRV=B', index, { persist: true, redispatch: true })), 'D hit s2 direct')
})

t.test('redispatch permission: option redispatch, never with force-persist', async (t) => {
  const { index } = farm()
  t.equal(decide('SRV=B', index).mayRedispatch, false)
  t.equal(decide('SRV=B', index, { redispatch: true }).mayRedispatch, true)
  const forced = decide('SRV=B', index, { redispatch: true }, { forcePersist: true })
  t.equal(forced.mayRedispatch, false)
  t.equal(forced.forcePersist, true)
  t.equal(decide(undefined, index, { redispatch: true }).mayRedispatch, true, 'also for balanced requests')
  // §3.8: queued requests leave a failed server only with redispatch, without persist or force-persist.
  t.equal(decide('SRV=B', index, { redispatch: true }).mayRedistribute, true)
  t.equal(decide('SRV=B', index).mayRedistribute, false)
  t.equal(decide('SRV=B', index, { redispatch: true, persist: true }).mayRedistribute, false)
  t.equal(decide('SRV=B', index, { redispatch: true, persist: true }).mayRedispatch, true, 'persist still redispatches failed connections')
  t.equal(forced.mayRedistribute, false)
})

t.test('§4.7 / guide 4.2: a backup sharing a value takes over; declaration order decides', async (t) => {
  const { servers, index } = farm()
  const [a, , , backupA] = servers
  t.equal(summary(decide('SRV=A', index)), 'V hit s1 direct', 'the active server, declared first, wins')
  a!.operational = 'down'
  t.equal(summary(decide('SRV=A', index)), 'V hit s4 direct', 'active down: the backup with the same value')
  t.equal(summary(decide('SRV=A', index, { persist: true })), 'D hit s1 direct', 'option persist: the first match even if down')
  backupA!.admin = 'maint'
  t.equal(summary(decide('SRV=A', index)), 'D miss - lb', 'both down: balanced')
  // Declared the other way round, the backup wins while it is up.
  const other = new CookieIndex()
  other.set(backupA!, 'A')
  other.set(a!, 'A')
  backupA!.admin = 'ready'
  a!.operational = 'up'
  t.equal(summary(decide('SRV=A', other)), 'V hit s4 direct')
})

t.test('ignore-persist and use-server: the cookie is unused', async (t) => {
  const { index } = farm()
  const ignored = decide('SRV=B', index, {}, { ignorePersist: true })
  t.equal(summary(ignored), 'U unused - lb')
  t.equal(ignored.ignorePersist, true)
  t.equal(summary(decide(undefined, index, {}, { ignorePersist: true })), 'N none - lb')
  t.equal(summary(decide('SRV=B', index, {}, { assigned: true })), 'U unused - direct', 'use-server marks the request direct')
  t.equal(summary(decide(undefined, index, {}, { assigned: true })), 'N none - direct')
})

t.test('§4.5 expired cookies: E (maxidle), O (maxlife), then balanced', async (t) => {
  const { index } = farm()
  t.equal(summary(decide('SRV=B|awIKP|awIKP', index, {}, undefined, (1795295804 + 61) * 1000)), 'E miss - lb')
  t.equal(summary(decide('SRV=B|awIKP|awIKO', index, {}, undefined, (1795295800 + 3601) * 1000)), 'O miss - lb')
  t.equal(summary(decide('SRV=B|awIKP|awIKP', index, {}, { ignorePersist: true }, (1795295804 + 61) * 1000)), 'E miss - lb', 'expiry is reported even when ignored')
})

t.test('several occurrences follow HAProxy: the first usable pins, flags are sticky', async (t) => {
  const { servers, index } = farm()
  t.equal(summary(decide('SRV=Z; SRV=B', index)), 'V hit s2 direct', 'invalid then valid')
  t.equal(summary(decide('SRV=B; SRV=C', index)), 'V hit s2 direct', 'the first valid wins')
  t.equal(summary(decide('SRV=B; SRV=Z', index)), 'V hit s2 direct', 'a later invalid one changes nothing')
  servers[1]!.operational = 'down'
  t.equal(summary(decide('SRV=B; SRV=Z', index)), 'D miss - lb', 'down then invalid: D stays')
  t.equal(summary(decide('SRV=B; SRV=C', index)), 'V hit s3 direct', 'down then valid')
  servers[1]!.operational = 'up'
  const late = (1795295804 + 61) * 1000
  t.equal(summary(decide('SRV=C; SRV=B|awIKP', index, {}, undefined, late)), 'E hit s3 direct', 'a later expired duplicate sets E but keeps the pinned server')
  t.equal(summary(decide('SRV=B|awIKP; SRV=C', index, {}, undefined, late)), 'V hit s3 direct', 'expired then valid')
})

t.test('passive cookies persist but log --; servers without a value are never chosen', async (t) => {
  const { index } = farm()
  const passive = createCookiePolicy({ name: 'SRV' })
  const d = decide('SRV=B', index, {}, undefined, T, passive)
  t.equal(summary(d), '- hit s2 direct')
  t.equal(index.serversFor(''), undefined)
})

t.test('redispatched(): persistence dropped, V becomes D when the server changes', async (t) => {
  const { servers, index } = farm()
  const pinned = decide('SRV=B', index, { redispatch: true })
  const moved = redispatched(pinned, servers[0])
  t.equal(summary(moved), 'D hit - lb')
  t.equal(moved.redispatched, true)
  t.equal(moved.cookies, pinned.cookies)
  t.equal(summary(redispatched(pinned, servers[1])), 'V hit - lb', 'same server again: V stays')
  t.equal(summary(redispatched(pinned, undefined)), 'D hit - lb', 'queued in the backend: the server changed')
  t.equal(summary(redispatched(decide(undefined, index), servers[2])), 'N none - lb')
  const down = decide('SRV=Z', index)
  t.equal(redispatched(down, servers[0]).requestFlag, 'I')
  const used = decide('SRV=B', index, {}, { assigned: true })
  t.equal(redispatched(used, servers[0]).direct, false)
})
