import t from 'tap'
import type { ServerView } from '../lib/balance/types.js'
import { codeOf, flush, makeBackend, track } from './fixtures/backend.js'

const names = (xs: readonly { lease: { server: ServerView } | undefined }[]): string[] => xs.map((x) => x.lease?.server.name ?? '-')

t.test('server down with a queue, no redispatch: its pinned waiters stay and are served by it when it frees a slot', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 1 }, { maxconn: 1 }] })
  const [s1] = backend.servers as [ServerView]
  const held = await backend.acquire({ pinned: s1 })
  const pinned = track(backend.acquire({ pinned: s1 }))
  const states: string[] = []
  backend.on('server:state', (server, admin, operational) => states.push(`${server.name} ${admin}/${operational} → ${server.admin}/${server.operational}`))
  backend.setOperational(s1, 'down')
  backend.setOperational(s1, 'down') // no change, no event
  t.same(states, ['s1 ready/up → ready/down'])
  t.equal(s1.queued, 1)
  // a new persistent request for a down server is rebalanced
  const fresh = track(backend.acquire({ pinned: s1 }))
  held.release()
  await flush()
  t.same(names([pinned, fresh]), ['s1', 's2'], '2.6 and 3.x: a down server still empties its own queue')
})

t.test('server down or stopping with redispatch: its queue moves to the other servers at once', async (t) => {
  for (const state of ['down', 'stopping'] as const) {
    const { backend } = makeBackend({ redispatch: true, servers: [{ maxconn: 1 }, { maxconn: 1 }, { maxconn: 1 }] })
    const [s1, s2] = backend.servers as [ServerView, ServerView]
    await backend.acquire({ pinned: s1 })
    await backend.acquire({ pinned: s2 })
    const waiting = [track(backend.acquire({ pinned: s1 })), track(backend.acquire({ pinned: s1 })), track(backend.acquire({ pinned: s1 }))]
    const moved: [string, number][] = []
    backend.on('queue:redistribute', (server, n) => moved.push([server.name, n]))
    backend.setOperational(s1, state)
    await flush()
    t.same(moved, [['s1', 3]], state)
    t.same(names(waiting), ['s3', '-', '-'], `${state}: one served by s3, the rest wait in the backend queue`)
    t.equal(backend.counters().queued, 2)
    t.equal(backend.counters().redistributed, 3)
    t.equal(s1.queued, 0)
  }
})

t.test('drain: redistributed only with redispatch; a draining server serves its own queue but never the backend queue', async (t) => {
  const keep = makeBackend({ servers: [{ maxconn: 1 }, { maxconn: 1 }] })
  const [k1, k2] = keep.backend.servers as [ServerView, ServerView]
  const k1lease = await keep.backend.acquire({ pinned: k1 })
  await keep.backend.acquire({ pinned: k2 })
  const own = track(keep.backend.acquire({ pinned: k1 }))
  const shared = track(keep.backend.acquire())
  keep.backend.setAdmin(k1, 'drain')
  t.equal(k1.queued, 1, 'stays without redispatch')
  k1lease.release()
  await flush()
  t.same(names([own, shared]), ['s1', '-'], 'the draining server takes its own waiter only')
  own.lease!.release()
  await flush()
  t.equal(shared.state, 'pending', 'and never the backend queue')

  const move = makeBackend({ redispatch: true, servers: [{ maxconn: 1 }, { maxconn: 2 }] })
  const [m1] = move.backend.servers as [ServerView]
  await move.backend.acquire({ pinned: m1 })
  const waiter = track(move.backend.acquire({ pinned: m1 }))
  move.backend.setAdmin(m1, 'drain')
  await flush()
  t.equal(waiter.lease?.server.name, 's2')
})

t.test('maintenance always flushes the queue (3.1+), whatever redispatch says; ready again pulls the backend queue', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 1 }, { maxconn: 1 }] })
  const [s1, s2] = backend.servers as [ServerView, ServerView]
  await backend.acquire({ pinned: s1 })
  const s2lease = await backend.acquire({ pinned: s2 })
  const waiting = [track(backend.acquire({ pinned: s1, priorityClass: 1 })), track(backend.acquire({ pinned: s1 }))]
  backend.setAdmin(s1, 'maint')
  t.equal(s1.queued, 0)
  t.equal(backend.counters().queued, 2, 'moved to the backend queue, keeping their keys')
  s2lease.release()
  await flush()
  t.same(names(waiting), ['-', 's2'], 'the class-0 waiter goes first')
  backend.setAdmin(s1, 'maint') // unchanged
  backend.setAdmin(s1, 'ready') // but s1 is still full with its first request
  await flush()
  t.equal(waiting[0]!.state, 'pending')
})

t.test('last usable server gone: backend-queue waiters fail with no server at once; server-queue waiters stay', async (t) => {
  const { backend } = makeBackend({ timeoutQueue: 10_000, servers: [{ maxconn: 1 }] })
  const [s1] = backend.servers as [ServerView]
  const held = await backend.acquire()
  const shared = [track(backend.acquire()), track(backend.acquire())]
  const nosrv: number[] = []
  backend.on('nosrv', () => nosrv.push(backend.counters().queued))
  backend.setWeight(s1, 0)
  await flush()
  t.same(shared.map(codeOf), ['SWY_ERR_NO_SERVER', 'SWY_ERR_NO_SERVER'])
  t.same(nosrv, [1, 0], 'emitted after each removal')
  t.same(backend.counters().noServer, 2)
  held.release()
  const pinned = track(backend.acquire({ pinned: s1 })) // weight 0 still takes persistent traffic
  await flush()
  t.equal(pinned.lease?.server.name, 's1')
  // entering maintenance with nowhere else to go: its own waiters fail with no server
  const queued = track(backend.acquire({ pinned: s1 }))
  backend.setAdmin(s1, 'maint')
  await flush()
  t.equal(codeOf(queued), 'SWY_ERR_NO_SERVER')
  t.same(backend.counters().noServer, 3)
})

t.test('server coming up pulls from the backend queue at once', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 1 }, { maxconn: 2, operational: 'down' }] })
  const [, s2] = backend.servers as [ServerView, ServerView]
  await backend.acquire()
  const waiting = [track(backend.acquire()), track(backend.acquire()), track(backend.acquire())]
  backend.setOperational(s2, 'up')
  await flush()
  t.same(names(waiting), ['s2', 's2', '-'])
})

t.test('backups: take the backend queue only while in the current group', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 1 }, { maxconn: 1, backup: true }, { maxconn: 1, backup: true }] })
  const [s1, b1, b2] = backend.servers as [ServerView, ServerView, ServerView]
  const s1lease = await backend.acquire()
  // b2 holds a persistent request and releases it while s1 is up: it must not take the backend queue
  const b2lease = await backend.acquire({ pinned: b2 })
  const waiting = [track(backend.acquire()), track(backend.acquire()), track(backend.acquire())]
  b2lease.release()
  await flush()
  t.same(names(waiting), ['-', '-', '-'], 'a backup outside the group takes nothing')
  backend.setOperational(s1, 'down')
  await flush()
  t.same(names(waiting), ['s2', '-', '-'], 'first backup takes over')
  s1lease.release()
  waiting[0]!.lease!.release()
  await flush()
  t.same(names(waiting).slice(1), ['s2', '-'])
  t.equal(b1.served, 1)
})

t.test('allbackups: every usable backup takes from the backend queue', async (t) => {
  const { backend } = makeBackend({ allbackups: true, servers: [{ maxconn: 1 }, { maxconn: 1, backup: true }, { maxconn: 1, backup: true }] })
  const [s1] = backend.servers as [ServerView]
  await backend.acquire()
  const waiting = [track(backend.acquire()), track(backend.acquire()), track(backend.acquire())]
  backend.setAdmin(s1, 'maint')
  await flush()
  t.same(names(waiting).sort(), ['-', 's2', 's3'])
})

t.test('removing a server: its waiters go elsewhere; those with nowhere to go fail with no server', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 1 }, { maxconn: 2 }] })
  const [s1, s2] = backend.servers as [ServerView, ServerView]
  const held = await backend.acquire({ pinned: s1 })
  const waiting = [track(backend.acquire({ pinned: s1 })), track(backend.acquire({ pinned: s1 })), track(backend.acquire({ pinned: s1 }))]
  const removed: string[] = []
  backend.on('server:remove', (server) => removed.push(server.name))
  backend.removeServer('s1')
  await flush()
  t.same(removed, ['s1'])
  t.same(names(waiting), ['s2', 's2', '-'])
  t.equal(backend.server('s1'), undefined)
  t.equal(backend.counters().queued, 1)
  // its lease is still released normally
  held.release()
  t.equal(s1.served, 0)
  // s2 is the last server: removing it fails the backend queue
  backend.removeServer(s2)
  await flush()
  t.equal(codeOf(waiting[2]!), 'SWY_ERR_NO_SERVER')
  // a persistent request for a removed server is balanced again (here: no server)
  const orphan = track(backend.acquire({ pinned: s1 }))
  await flush()
  t.equal(codeOf(orphan), 'SWY_ERR_NO_SERVER')
})

t.test('redistribution of hashed waiters: re-hashed, and refused when the new server’s queue is full', async (t) => {
  const { backend } = makeBackend({
    redispatch: true,
    balance: { algorithm: 'hash', key: { kind: 'uri' }, type: 'consistent', function: 'sdbm', avalanche: true, balanceFactor: 0 },
    servers: [{ maxconn: 1, maxqueue: 5 }, { maxconn: 1, maxqueue: 1 }],
  })
  const [s1, s2] = backend.servers as [ServerView, ServerView]
  // find URIs that hash to each server
  const uris: Record<string, string[]> = { s1: [], s2: [] }
  for (let i = 0; uris['s1']!.length < 3 || uris['s2']!.length < 1; i++) {
    const admission = backend.tryAcquire({ uri: `/k${i}` })
    if (admission.status === 'ok') {
      uris[admission.lease.server.name]!.push(`/k${i}`)
      admission.lease.release()
    }
  }
  await backend.acquire({ uri: uris['s1']![0]! })
  await backend.acquire({ uri: uris['s2']![0]! })
  const waiting = uris['s1']!.map((uri) => track(backend.acquire({ uri })))
  t.equal(s1.queued, 3)
  backend.setOperational(s1, 'down')
  await flush()
  t.equal(s2.queued, 1, 're-hashed onto s2')
  t.same(waiting.map(codeOf), [undefined, 'SWY_ERR_QUEUE_FULL', 'SWY_ERR_QUEUE_FULL'])
  t.equal(backend.counters().servers[1]!.full, 2)
})

t.test('setWeight: absolute and relative; weight 0 stops pulling the backend queue; back up pulls at once', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 1, weight: 10 }, { maxconn: 1 }] })
  const [s1] = backend.servers as [ServerView]
  const weights: [string, number, number][] = []
  backend.on('server:weight', (server, previous) => weights.push([server.name, previous, server.weight]))
  backend.setWeight('s1', '50%')
  backend.setWeight('s1', 5) // unchanged: no event
  backend.setWeight(s1, '300%')
  t.same(weights, [['s1', 10, 5], ['s1', 5, 30]])
  t.throws(() => backend.setWeight(s1, 300), { code: 'SWY_ERR_INVALID_OPTION' })
  const s1lease = await backend.acquire({ pinned: s1 })
  await backend.acquire()
  const waiting = track(backend.acquire())
  backend.setWeight(s1, 0)
  s1lease.release()
  await flush()
  t.equal(waiting.state, 'pending', 'weight 0: not usable, no backend queue')
  backend.setWeight(s1, 1)
  await flush()
  t.equal(waiting.lease?.server.name, 's1')
  const fixed = makeBackend({ balance: { algorithm: 'static-rr' }, servers: [{ weight: 2 }] })
  t.throws(() => fixed.backend.setWeight('s1', 3), { code: 'SWY_ERR_INVALID_OPTION' })
})

t.test('setMaxconn: a raise pulls waiting requests; static limits stay static; setMaxqueue', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 1 }] })
  const [s1] = backend.servers as [ServerView]
  const limits: string[] = []
  backend.on('server:limits', (server) => limits.push(`${server.minconn}/${server.maxconn}/${server.maxqueue}`))
  await backend.acquire()
  const waiting = [track(backend.acquire()), track(backend.acquire()), track(backend.acquire())]
  backend.setMaxconn(s1, 3)
  await flush()
  t.same(names(waiting), ['s1', 's1', '-'])
  backend.setMaxconn('s1', 0)
  await flush()
  t.same(names(waiting), ['s1', 's1', 's1'], '0 = unlimited')
  backend.setMaxqueue(s1, 4)
  t.same(limits, ['3/3/0', '0/0/0', '0/0/4'])
})

t.test('addServer: a new usable server pulls from the backend queue at once', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 1 }] })
  await backend.acquire()
  const waiting = [track(backend.acquire()), track(backend.acquire())]
  const added: string[] = []
  backend.on('server:add', (server) => added.push(server.name))
  const s2 = backend.addServer({ name: 's2', address: '127.0.0.1:9100', maxconn: 1 })
  await flush()
  t.same(added, ['s2'])
  t.same(names(waiting), ['s2', '-'])
  t.equal(backend.servers.length, 2)
  t.equal(backend.counters().servers[1]!.name, s2.name)
  // a server added in maintenance takes nothing
  backend.addServer({ name: 's3', address: '127.0.0.1:9101', admin: 'maint' })
  await flush()
  t.equal(waiting[1]!.state, 'pending')
})

t.test('slow start: the maxconn ramp limits a starting server; processQueue pulls as it grows', async (t) => {
  const { backend, clock } = makeBackend({ servers: [{ maxconn: 10 }, { maxconn: 0, operational: 'down' }] })
  const [s1] = backend.servers as [ServerView]
  backend.setOperational(s1, 'down')
  backend.setSlowStart(s1, { start: 0, end: 10_000 })
  t.equal(backend.limitOf(s1), 10, 'the ramp applies only while starting')
  backend.setOperational(s1, 'starting')
  t.equal(backend.limitOf(s1), 1)
  const waiting = Array.from({ length: 6 }, () => track(backend.acquire()))
  await flush()
  t.equal(s1.served, 1)
  clock.advance(5000)
  t.equal(backend.limitOf(s1), 5)
  backend.processQueue(s1)
  await flush()
  t.equal(s1.served, 5)
  backend.setOperational(s1, 'up')
  await flush()
  t.equal(s1.served, 6)
  t.equal(waiting.filter((w) => w.state === 'ok').length, 6)
  backend.setSlowStart('s1', undefined)
  backend.setOperational(s1, 'starting')
  t.equal(backend.limitOf(s1), 10, 'no window, no ramp')
})

t.test('backend-wide maxconn: excess waits; a freed slot goes to whichever server has waiters', async (t) => {
  const { backend, clock } = makeBackend({ maxconn: 2, servers: [{}, {}] }) // servers unlimited
  const [s1, s2] = backend.servers as [ServerView, ServerView]
  const a = await backend.acquire({ pinned: s1 })
  const b = await backend.acquire({ pinned: s1 })
  t.equal(backend.tryAcquire().status, 'queued')
  clock.advance(1)
  const pinned = track(backend.acquire({ pinned: s2 })) // waits on s2's own queue: the backend is capped
  clock.advance(1)
  const shared = track(backend.acquire())
  clock.advance(1)
  const more = track(backend.acquire({ pinned: s1 }))
  t.same([s2.queued, s1.queued, backend.counters().queued], [1, 1, 1])
  a.release() // s1 frees a slot: the backend queue's head is earlier than s1's own
  await flush()
  t.same(names([pinned, shared, more]), ['-', 's1', '-'])
  b.release() // s1 again: its own queue
  await flush()
  t.same(names([pinned, shared, more]), ['-', 's1', 's1'])
  shared.lease!.release() // s1 has nothing left: the room is offered to s2's queue
  await flush()
  t.same(names([pinned, shared, more]), ['s2', 's1', 's1'])
  t.equal(backend.counters().served, 2)
})

t.test('backend-wide maxconn: a release on a server that takes nothing hands the room to the balancer’s choice', async (t) => {
  const { backend } = makeBackend({ maxconn: 2, servers: [{ maxconn: 0 }, { maxconn: 0 }] })
  const [s1] = backend.servers as [ServerView]
  const a = await backend.acquire({ pinned: s1 })
  await backend.acquire({ pinned: s1 })
  backend.setAdmin(s1, 'drain') // s1 no longer takes balanced traffic
  const waiting = [track(backend.acquire()), track(backend.acquire())]
  a.release()
  await flush()
  t.same(names(waiting), ['s2', '-'])
})

t.test('backend-wide maxconn with hashing: waiters queue on the hashed server', async (t) => {
  const { backend } = makeBackend({
    maxconn: 1,
    balance: { algorithm: 'hash', key: { kind: 'uri' }, type: 'map-based', function: 'sdbm', avalanche: false, balanceFactor: 0 },
    servers: [{}],
  })
  const held = await backend.acquire({ uri: '/' })
  const waiting = track(backend.acquire({ uri: '/' }))
  t.equal(held.server.queued, 1)
  held.release()
  await flush()
  t.equal(waiting.state, 'ok')
})

t.test('events are emitted after the change is committed', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 1 }, { maxconn: 1 }] })
  const seen: string[] = []
  backend.on('lease:acquire', (lease) => seen.push(`acquire ${lease.server.name} served=${lease.server.served}`))
  backend.on('lease:release', (lease) => seen.push(`release ${lease.server.name} served=${lease.server.served}`))
  backend.on('server:state', (server) => seen.push(`state ${server.name} usable=${String(server.usable)}`))
  const lease = await backend.acquire()
  lease.release()
  backend.setAdmin('s2', 'drain')
  t.same(seen, ['acquire s1 served=1', 'release s1 served=0', 'state s2 usable=false'])
})

t.test('backend-wide maxconn: room offered to the balancer finds every server full, then the next release serves', async (t) => {
  const { backend } = makeBackend({ maxconn: 2, servers: [{ maxconn: 0 }, { maxconn: 1 }] })
  const [s1, s2] = backend.servers as [ServerView, ServerView]
  const a = await backend.acquire({ pinned: s1 })
  const b = await backend.acquire({ pinned: s2 }) // now capped
  const waiting = track(backend.acquire())
  backend.setAdmin(s1, 'drain')
  a.release()
  await flush()
  t.equal(waiting.state, 'pending', 's2 is full and s1 drains')
  b.release()
  await flush()
  t.equal(waiting.lease?.server.name, 's2')
})

t.test('backend-wide maxconn: the offered room runs out while several servers have waiters', async (t) => {
  const { backend, clock } = makeBackend({ maxconn: 2, servers: [{}, {}, {}] })
  const [s1, s2, s3] = backend.servers as [ServerView, ServerView, ServerView]
  const a = await backend.acquire({ pinned: s1 })
  await backend.acquire({ pinned: s1 })
  clock.advance(1)
  const w2 = track(backend.acquire({ pinned: s2 }))
  const w3 = track(backend.acquire({ pinned: s3 }))
  a.release()
  await flush()
  t.same([w2.state, w3.state], ['ok', 'pending'], 'one slot: s2 takes it, s3 keeps waiting')
})

t.test('a backend built without servers; state changes after close do nothing', async (t) => {
  const { backend: base, clock } = makeBackend()
  const empty = new (base.constructor as typeof import('../lib/backend.js').Backend)('empty', { balance: { algorithm: 'roundrobin' } }, { clock, scheduler: clock, random: () => 0 })
  t.same(empty.servers, [])
  t.same(empty.tryAcquire(), { status: 'nosrv' })
  empty.addServer({ name: 'a', address: 'x', maxconn: 1 })
  await empty.acquire()
  const waiting = track(empty.acquire())
  empty.close()
  empty.setAdmin('a', 'maint')
  empty.setMaxconn('a', 5)
  await flush()
  t.equal(codeOf(waiting), 'SWY_ERR_CLOSED')
  t.equal(empty.counters().served, 1)
})

t.test('slow start also ramps the effective weight of dynamic algorithms (§5.9), not of static ones', async (t) => {
  const { backend, clock } = makeBackend({ servers: [{ weight: 20 }, {}] })
  const [s1] = backend.servers as [ServerView]
  backend.setOperational(s1, 'down')
  backend.setSlowStart(s1, { start: 0, end: 10_000 })
  t.equal(s1.eweight, 320, 'not starting: full weight')
  backend.setOperational(s1, 'starting')
  const displayed: number[] = [Math.ceil(s1.eweight / 16)]
  for (let e = 1; e <= 9; e++) {
    clock.advance(1000)
    backend.processQueue(s1)
    displayed.push(Math.ceil(s1.eweight / 16))
  }
  t.same(displayed, [2, 3, 5, 7, 9, 12, 13, 15, 17, 19], 'HAProxy’s observed weights for weight 20, slowstart 10 s')
  backend.setOperational(s1, 'up')
  t.equal(s1.eweight, 320)
  const fixed = makeBackend({ balance: { algorithm: 'static-rr' }, servers: [{ weight: 20 }] })
  const f1 = fixed.backend.servers[0]!
  fixed.backend.setOperational(f1, 'down')
  fixed.backend.setSlowStart(f1, { start: 0, end: 10_000 })
  fixed.backend.setOperational(f1, 'starting')
  t.equal(f1.eweight, 320, 'static algorithms use the full weight')
})

t.test('a removed server keeps its bookkeeping until its last lease is released', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 4 }, { maxconn: 4 }] })
  const [s1] = backend.servers as [ServerView]
  backend.setOperational(s1, 'down')
  backend.setSlowStart(s1, { start: 0, end: 10_000 })
  backend.setOperational(s1, 'starting')
  const lease = await backend.acquire({ pinned: s1 })
  backend.removeServer(s1)
  t.equal(backend.limitOf(s1), 1, 'still ramped while a lease is held')
  lease.release()
  t.equal(backend.limitOf(s1), 4, 'forgotten after the last release')
  const s3 = backend.addServer({ name: 's3', address: 'x' })
  backend.removeServer(s3) // nothing held: forgotten at once
  t.equal(backend.servers.length, 1)
})

t.test('pinned with persist: a DOWN or MAINT server is still reached (option persist / force-persist)', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 1 }, {}] })
  const [s1] = backend.servers as [ServerView]
  backend.setOperational(s1, 'down')
  const forced = backend.tryAcquire({ pinned: s1, persist: true })
  t.equal(forced.status === 'ok' ? forced.lease.server.name : forced.status, 's1')
  const waiting = track(backend.acquire({ pinned: s1, persist: true }))
  t.equal(s1.queued, 1, 'waits in the down server queue')
  const plain = backend.tryAcquire({ pinned: s1 })
  t.equal(plain.status === 'ok' ? plain.lease.server.name : plain.status, 's2', 'without persist: balanced')
  if (forced.status === 'ok') forced.lease.release()
  await flush()
  t.same(names([waiting]), ['s1'])
  backend.setAdmin(s1, 'maint')
  const maint = backend.tryAcquire({ pinned: s1, persist: true })
  t.equal(maint.status === 'ok' ? maint.lease.server.name : maint.status, 'queued', 'maintenance too: its own queue')
})

t.test('option persist: with redispatch, a server going down, stopping or draining keeps its queue (§3.8)', async (t) => {
  for (const change of ['down', 'stopping', 'drain'] as const) {
    const { backend } = makeBackend({ redispatch: true, persist: true, servers: [{ maxconn: 1 }, { maxconn: 1 }] })
    const [s1] = backend.servers as [ServerView]
    const held = await backend.acquire({ pinned: s1, persist: true })
    const waiting = [track(backend.acquire({ pinned: s1, persist: true })), track(backend.acquire({ pinned: s1, persist: true }))]
    const moved: [string, number][] = []
    backend.on('queue:redistribute', (server, n) => moved.push([server.name, n]))
    if (change === 'drain') backend.setAdmin(s1, 'drain')
    else backend.setOperational(s1, change)
    await flush()
    t.same(moved, [], `${change}: nothing redistributed`)
    t.equal(s1.queued, 2, `${change}: both still wait for s1`)
    t.equal(backend.counters().redistributed, 0)
    held.release()
    await flush()
    t.same(names(waiting), ['s1', '-'], `${change}: s1 serves its own queue`)
  }
})

t.test('option persist does not keep a queue through maintenance (3.1+ flush); force-persist waiters always stay', async (t) => {
  const { backend } = makeBackend({ redispatch: true, persist: true, servers: [{ maxconn: 1 }, { maxconn: 1 }] })
  const [s1] = backend.servers as [ServerView]
  await backend.acquire({ pinned: s1 })
  const plain = track(backend.acquire({ pinned: s1, persist: true }))
  const forced = track(backend.acquire({ pinned: s1, persist: true, forcePersist: true }))
  backend.setAdmin(s1, 'maint')
  await flush()
  t.same(names([plain, forced]), ['s2', '-'], 'the option-persist waiter moved, the force-persist one stayed')
  t.equal(s1.queued, 1)
  t.equal(backend.counters().redistributed, 1)
})

t.test('force-persist waiters stay through a redistribution, in their order; the others move', async (t) => {
  for (const change of ['down', 'drain'] as const) {
    const { backend } = makeBackend({ redispatch: true, servers: [{ maxconn: 1 }, { maxconn: 2 }] })
    const [s1] = backend.servers as [ServerView]
    const held = await backend.acquire({ pinned: s1 })
    const f1 = track(backend.acquire({ pinned: s1, persist: true, forcePersist: true }))
    const plain = track(backend.acquire({ pinned: s1 }))
    const f2 = track(backend.acquire({ pinned: s1, persist: true, forcePersist: true, priorityClass: -1 }))
    const f3 = track(backend.acquire({ pinned: s1, persist: true, forcePersist: true }))
    const moved: [string, number][] = []
    backend.on('queue:redistribute', (server, n) => moved.push([server.name, n]))
    if (change === 'drain') backend.setAdmin(s1, 'drain')
    else backend.setOperational(s1, change)
    await flush()
    t.same(moved, [['s1', 1]], change)
    t.same(names([f1, plain, f2, f3]), ['-', 's2', '-', '-'], `${change}: only the plain waiter moved`)
    t.equal(s1.queued, 3)
    held.release()
    await flush()
    t.same(names([f1, f2, f3]), ['-', 's1', '-'], `${change}: the class −1 waiter first`)
    f2.lease!.release()
    await flush()
    t.same(names([f1, f3]), ['s1', '-'], `${change}: then arrival order`)
    f1.lease!.release()
    await flush()
    t.equal(f3.lease?.server.name, 's1')
  }
})
