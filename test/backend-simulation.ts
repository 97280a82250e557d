import t from 'tap'
import type { Backend, BackendOptions } from '../lib/backend.js'
import type { ServerView } from '../lib/balance/types.js'
import { isSwitchyardError } from '../lib/errors.js'
import type { ServerSpec } from '../lib/server.js'
import { flush, makeBackend } from './fixtures/backend.js'
import { seededRandom } from './fixtures/seeded-random.js'

/**
 * Randomized simulation: arrivals (some pinned, some prioritised, some with a
 * signal that aborts later), releases (some twice), queue timeouts and server
 * state changes, all on the fake clock. Checks, at every slot assignment, that
 * no server exceeds its effective limit and the backend its maxconn; and at
 * the end, that every request ended exactly once and the counters agree.
 */
/** The assertions this file uses (any tap test satisfies it). */
interface Asserts {
  equal(found: unknown, wanted: unknown, ...message: [] | [string]): unknown
  same(found: unknown, wanted: unknown, ...message: [] | [string]): unknown
  ok(value: unknown, ...message: [] | [string]): unknown
  fail(message: string): unknown
}

interface Outcomes {
  served: number
  timeout: number
  abort: number
  full: number
  nosrv: number
}

async function simulate(
  t: Asserts,
  label: string,
  requests: number,
  seed: number,
  options: Omit<Partial<BackendOptions>, 'servers'> & { servers: Partial<ServerSpec>[] },
): Promise<void> {
  const random = seededRandom(seed)
  const { backend, clock } = makeBackend(options)
  const maxconn = options.maxconn ?? 0
  const settled = new Uint8Array(requests)
  const outcomes: Outcomes = { served: 0, timeout: 0, abort: 0, full: 0, nosrv: 0 }
  let violations = 0
  let inFlight = 0
  let acquired = 0
  let released = 0
  let changes = 0
  let added = 0

  backend.on('lease:acquire', (lease) => {
    acquired++
    inFlight++
    const server = lease.server
    if (server.maxconn > 0 && server.served > backend.limitOf(server)) violations++
    if (maxconn > 0 && inFlight > maxconn) violations++
    const service = 0.5 + random() * 10
    clock.schedule(service, () => {
      // counted before the release: the slot may be handed on inside release()
      inFlight--
      lease.release(random() < 0.05 ? 'connect-error' : 'ok')
      if (random() < 0.05) lease.release() // harmless
    })
  })
  backend.on('lease:release', () => {
    released++
  })

  const live = (): ServerView[] => backend.servers as ServerView[]
  const change = (): void => {
    changes++
    const servers = live()
    // recoveries are drawn twice as often as failures so that the backend stays mostly up
    const action = Math.floor(random() * 15)
    if (action === 11 || servers.length === 0) {
      backend.addServer({ name: `n${++added}`, address: `10.0.0.${added}:80`, maxconn: 1 + Math.floor(random() * 6), maxqueue: Math.floor(random() * 3) })
      return
    }
    const server = servers[Math.floor(random() * servers.length)]!
    switch (action) {
      case 0:
        return backend.setOperational(server, 'down')
      case 1:
        return backend.setOperational(server, 'up')
      case 2:
        backend.setSlowStart(server, { start: clock.now(), end: clock.now() + 2000 })
        return backend.setOperational(server, 'starting')
      case 3:
        return backend.setOperational(server, 'stopping')
      case 4:
        return backend.setAdmin(server, 'drain')
      case 5:
        return backend.setAdmin(server, 'maint')
      case 6:
        return backend.setAdmin(server, 'ready')
      case 7:
        return backend.setWeight(server, random() < 0.3 ? 0 : random() < 0.5 ? '50%' : 1 + Math.floor(random() * 5))
      case 8:
        return backend.setMaxconn(server, Math.floor(random() * 10))
      case 9:
        return backend.processQueue(server)
      case 10:
        if (servers.length > 3) backend.removeServer(server)
        return
      case 12:
        return backend.setWeight(server, 2)
      default:
        backend.setAdmin(server, 'ready')
        return backend.setOperational(server, 'up')
    }
  }

  for (let id = 0; id < requests; id++) {
    // bursts: mostly fast arrivals, sometimes a pause that lets the queue drain
    clock.advance(random() < 0.995 ? random() * 0.4 : random() * 300)
    if (random() < 0.003) change()
    const servers = live()
    const pinned = random() < 0.25 && servers.length > 0 ? servers[Math.floor(random() * servers.length)] : undefined
    let signal: AbortSignal | undefined
    if (random() < 0.1) {
      const controller = new AbortController()
      signal = controller.signal
      clock.schedule(random() * 300, () => controller.abort())
    }
    const request = {
      pinned,
      signal,
      uri: `/item/${Math.floor(random() * 50)}`,
      priorityClass: random() < 0.1 ? Math.floor(random() * 5) - 2 : undefined,
      priorityOffset: random() < 0.1 ? Math.floor((random() - 0.5) * 400) : undefined,
    }
    backend.acquire(request).then(
      () => {
        settled[id]!++
        outcomes.served++
      },
      (error: unknown) => {
        settled[id]!++
        if (isSwitchyardError(error)) {
          if (error.code === 'SWY_ERR_QUEUE_TIMEOUT') outcomes.timeout++
          else if (error.code === 'SWY_ERR_QUEUE_FULL') outcomes.full++
          else if (error.code === 'SWY_ERR_NO_SERVER') outcomes.nosrv++
          else t.fail(`unexpected ${error.code}`)
        } else if ((error as Error).name === 'AbortError') outcomes.abort++
        else t.fail(`unexpected ${String(error)}`)
      },
    )
    if (id % 1000 === 999) await flush()
  }
  // no more arrivals: let everything in flight, waiting or scheduled finish
  while (clock.runNext());
  await flush()

  t.equal(violations, 0, `${label}: no server above its effective limit, backend never above its maxconn`)
  let once = 0
  for (const count of settled) if (count === 1) once++
  t.equal(once, requests, `${label}: every request ended exactly once`)
  const total = outcomes.served + outcomes.timeout + outcomes.abort + outcomes.full + outcomes.nosrv
  t.equal(total, requests, `${label}: served + timed out + aborted + rejected`)
  t.equal(acquired, outcomes.served)
  t.equal(released, acquired, `${label}: every lease released once`)
  const c = backend.counters()
  t.same(
    [c.served, c.waiting, c.queued, c.beconn, c.total, c.timeouts, c.aborts, c.full, c.noServer],
    [0, 0, 0, 0, outcomes.served, outcomes.timeout, outcomes.abort, outcomes.full, outcomes.nosrv],
    `${label}: counters agree`,
  )
  t.ok(c.servers.every((s) => s.queued === 0 && s.served === 0))
  t.equal(clock.pending, 0)
  // the mix really exercised every path
  t.ok(outcomes.served > requests / 4 && outcomes.timeout > 0 && outcomes.abort > 0 && changes > requests / 500, `${label}: ${JSON.stringify(outcomes)}, ${changes} changes`)
  t.ok(c.redistributed > 0, `${label}: ${c.redistributed} redistributed`)
  return void closeCheck(t, backend)
}

function closeCheck(t: Asserts, backend: Backend): void {
  backend.close()
  t.equal(backend.closed, true)
}

t.test('100,000 requests: roundrobin, backend maxconn, dynamic limits, redispatch', async (t) => {
  await simulate(t, 'roundrobin', 100_000, 11, {
    maxconn: 30,
    fullconn: 25,
    timeoutQueue: 200,
    redispatch: true,
    servers: [
      { maxconn: 8, maxqueue: 6 },
      { minconn: 2, maxconn: 10 },
      { maxconn: 4, weight: 3 },
      { maxconn: 6, backup: true },
      { maxconn: 3, maxqueue: 2 },
    ],
  })
})

t.test('20,000 requests: consistent hashing, no redispatch, no backend maxconn', async (t) => {
  await simulate(t, 'chash', 20_000, 12, {
    timeoutConnect: 150,
    balance: { algorithm: 'hash', key: { kind: 'uri' }, type: 'consistent', function: 'sdbm', avalanche: true, balanceFactor: 0 },
    servers: [{ maxconn: 5, maxqueue: 20 }, { maxconn: 3 }, { maxconn: 4, minconn: 1 }, { maxconn: 2, backup: true }],
    fullconn: 10,
  })
})

t.test('20,000 requests: leastconn with allbackups', async (t) => {
  await simulate(t, 'leastconn', 20_000, 13, {
    balance: { algorithm: 'leastconn' },
    allbackups: true,
    timeoutQueue: 100,
    servers: [{ maxconn: 5 }, { maxconn: 3 }, { maxconn: 2, backup: true }, { maxconn: 2, backup: true }],
  })
})
