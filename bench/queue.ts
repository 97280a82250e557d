/**
 * Admission and queueing costs.
 *
 * - uncontended acquire+release per second (synchronous `tryAcquire` and
 *   promise-based `acquire`);
 * - enqueue, dequeue and cancel with 1,000 and 100,000 requests waiting, in the
 *   bare pending queue and through the backend (acquire that queues, release
 *   that hands the slot to the next waiter, abort of a waiter) — flat figures
 *   from 1,000 to 100,000 show O(1);
 * - heap bytes per waiting request (needs `--expose-gc`; re-runs itself with
 *   it when missing).
 *
 * Usage: `node --import tsx bench/queue.ts [--ms 300]` or `npm run bench -- queue`.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Backend } from '../lib/backend.js'
import { PendingQueue, QueueTicket } from '../lib/queue/pending-queue.js'
import type { Lease } from '../lib/queue/types.js'
import type { Deps, Timer } from '../lib/types.js'
import { writeResults } from './results.js'

/** Time stands still and timers never fire: the figures are pure bookkeeping. */
const NO_TIMER: Timer = { cancel() {} }
const deps: Deps = { clock: { now: () => 0 }, scheduler: { schedule: () => NO_TIMER }, random: () => 0.5 }

function backendOf(maxconn: number, servers = 4): Backend {
  return new Backend(
    'bench',
    {
      balance: { algorithm: 'roundrobin' },
      timeoutQueue: 5000,
      servers: Array.from({ length: servers }, (_, i) => ({ name: `s${i + 1}`, address: `10.0.0.${i + 1}:80`, maxconn })),
    },
    deps,
  )
}

function opsPerSecond(ms: number, body: (n: number) => void): number {
  body(10_000) // warm-up
  let ops = 0
  let batch = 5_000
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(ms) * 1_000_000n
  let now = start
  while (now < deadline) {
    body(batch)
    ops += batch
    now = process.hrtime.bigint()
    if (batch < 500_000) batch *= 2
  }
  return ops / (Number(now - start) / 1e9)
}

async function asyncOpsPerSecond(ms: number, body: (n: number) => Promise<void>): Promise<number> {
  await body(10_000)
  let ops = 0
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(ms) * 1_000_000n
  let now = start
  while (now < deadline) {
    await body(20_000)
    ops += 20_000
    now = process.hrtime.bigint()
  }
  return ops / (Number(now - start) / 1e9)
}

const ns = (perSecond: number): number => Math.round(1e9 / perSecond)

interface QueueRow {
  readonly where: string
  readonly waiting: number
  readonly enqueueNs: number
  readonly dequeueNs: number
  readonly cancelNs: number
}

const BATCH = 10_000
const ROUNDS = 7

/** Nanoseconds per operation of one timed batch. */
function timed(ops: number, body: () => void): number {
  const start = process.hrtime.bigint()
  body()
  return Number(process.hrtime.bigint() - start) / ops
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round(sorted[sorted.length >> 1]!)
}

let seq = 0

/**
 * The bare pending queue held at `waiting` tickets: each round times BATCH
 * pushes, BATCH deletes of tickets picked at random over the whole queue, and
 * BATCH shifts, then refills (untimed).
 */
function pendingQueueRow(waiting: number, prioritised: boolean): QueueRow {
  const batch = Math.min(BATCH, waiting >> 2)
  const queue = new PendingQueue<QueueTicket>()
  // mixed priorities: 5 classes and varied keys, so that most tickets live in the heap
  const make = prioritised ? () => new QueueTicket(seq % 5, seq % 997, seq++) : () => new QueueTicket(0, 0, seq++)
  const pool: QueueTicket[] = []
  const add = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const t = make()
      queue.push(t)
      pool.push(t)
    }
  }
  add(waiting)
  let random = 12345
  const enqueue: number[] = []
  const dequeue: number[] = []
  const cancel: number[] = []
  const out: (QueueTicket | undefined)[] = new Array(batch)
  for (let round = 0; round < ROUNDS; round++) {
    const fresh = Array.from({ length: batch }, make)
    enqueue.push(timed(batch, () => {
      for (const t of fresh) queue.push(t)
    }))
    for (const t of fresh) pool.push(t)
    const victims: QueueTicket[] = []
    for (let i = 0; i < batch; i++) {
      random = (Math.imul(random, 1664525) + 1013904223) >>> 0
      const at = random % pool.length
      victims.push(pool[at]!)
      pool[at] = pool[pool.length - 1]!
      pool.pop()
    }
    cancel.push(timed(batch, () => {
      for (const t of victims) queue.delete(t)
    }))
    dequeue.push(timed(batch, () => {
      for (let i = 0; i < batch; i++) out[i] = queue.shift(0)
    }))
    const shifted = new Set(out)
    const kept = pool.filter((t) => !shifted.has(t))
    pool.length = 0
    for (const t of kept) pool.push(t)
    add(batch)
  }
  return {
    where: prioritised ? 'pending queue, mixed priorities (heap)' : 'pending queue, default priority (FIFO lane)',
    waiting: queue.size,
    enqueueNs: median(enqueue),
    dequeueNs: median(dequeue),
    cancelNs: median(cancel),
  }
}

/**
 * Through the backend: one server with maxconn 1 held, `waiting` requests
 * waiting, on a hand-driven clock. Enqueue = `acquire()` that has to wait
 * (promise included); dequeue = `release()` handing the slot to the next
 * waiter (promise resolution included); cancel = `timeout queue` expiring a
 * batch (SwitchyardError creation included). Waiters arrive in batches at
 * distinct times so that one timer firing expires exactly one batch.
 */
async function backendRow(waiting: number): Promise<QueueRow> {
  const batch = Math.min(BATCH, waiting >> 2)
  let now = 0
  let fire: (() => void) | undefined
  const driven: Deps = {
    clock: { now: () => now },
    scheduler: {
      schedule: (_delay, fn) => {
        fire = fn
        return NO_TIMER
      },
    },
    random: () => 0.5,
  }
  const timeout = 1_000_000
  const backend = new Backend('bench', { balance: { algorithm: 'roundrobin' }, timeoutQueue: timeout, servers: [{ name: 's1', address: 'x', maxconn: 1 }] }, driven)
  let held = await backend.acquire()
  let next: Lease | undefined
  backend.on('lease:acquire', (lease) => {
    next = lease
  })
  const noop = (): void => {}
  let newest = 0
  let oldest = 0
  const arrive = (): void => {
    now = newest++
    for (let i = 0; i < batch; i++) backend.acquire().then(noop, noop)
  }
  for (let b = 0; b < waiting / batch; b++) arrive()
  const enqueue: number[] = []
  const dequeue: number[] = []
  const cancel: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    enqueue.push(timed(batch, arrive))
    arrive()
    dequeue.push(timed(batch, () => {
      for (let i = 0; i < batch; i++) {
        held.release()
        held = next!
      }
    }))
    oldest++ // the dequeued batch
    now = oldest + timeout
    cancel.push(timed(batch, () => fire!()))
    oldest++ // the expired batch
    await new Promise((resolve) => setImmediate(resolve)) // let the settled promises go
  }
  const size = backend.counters().waiting
  backend.close()
  return { where: 'backend (acquire / release / timeout)', waiting: size, enqueueNs: median(enqueue), dequeueNs: median(dequeue), cancelNs: median(cancel) }
}

/** Abort through an AbortSignal at `waiting` waiting: Node's addEventListener and abort() dispatch dominate. */
async function abortRow(waiting: number): Promise<{ enqueueNs: number; abortNs: number }> {
  const backend = backendOf(1, 1)
  await backend.acquire()
  const noop = (): void => {}
  for (let i = 0; i < waiting; i++) backend.acquire().then(noop, noop)
  const enqueue: number[] = []
  const abort: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const controllers = Array.from({ length: 2000 }, () => new AbortController())
    enqueue.push(timed(controllers.length, () => {
      for (const c of controllers) backend.acquire({ signal: c.signal }).then(noop, noop)
    }))
    abort.push(timed(controllers.length, () => {
      for (const c of controllers) c.abort()
    }))
  }
  backend.close()
  return { enqueueNs: median(enqueue), abortNs: median(abort) }
}

declare const gc: (() => void) | undefined

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc!()
  return process.memoryUsage().heapUsed
}

/** Heap bytes per waiting request; the caller's own objects (request, signal) are allocated before the baseline. */
function heapFigures(count: number): Record<string, number> {
  const figures: Record<string, number> = {}
  {
    const queue = new PendingQueue<QueueTicket>()
    const before = heapUsed()
    for (let i = 0; i < count; i++) queue.push(new QueueTicket(0, 0, i))
    figures['pending queue ticket'] = Math.round((heapUsed() - before) / count)
    if (queue.size !== count) throw new Error('size')
  }
  {
    const backend = backendOf(1, 1)
    void backend.acquire()
    const request = {}
    const promises: Promise<Lease>[] = new Array(count)
    const before = heapUsed()
    for (let i = 0; i < count; i++) promises[i] = backend.acquire(request)
    const perWaiter = (heapUsed() - before) / count
    // the array slot holding the caller's promise (8 bytes) is the caller's
    figures['backend waiter (acquire(), promise included)'] = Math.round(perWaiter - 8)
    if (backend.counters().waiting !== count) throw new Error('waiting')
    backend.close()
    for (const p of promises) p.catch(() => {})
  }
  {
    const backend = backendOf(1, 1)
    void backend.acquire()
    const requests = Array.from({ length: count }, () => ({ signal: new AbortController().signal }))
    const promises: Promise<Lease>[] = new Array(count)
    const before = heapUsed()
    for (let i = 0; i < count; i++) promises[i] = backend.acquire(requests[i]!)
    figures['backend waiter with an AbortSignal listener'] = Math.round((heapUsed() - before) / count - 8)
    backend.close()
    for (const p of promises) p.catch(() => {})
  }
  return figures
}

export async function run(args: string[]): Promise<void> {
  const at = args.indexOf('--ms')
  const ms = at === -1 ? 300 : Number(args[at + 1])
  if (args.includes('--heap-only')) {
    console.log(JSON.stringify(heapFigures(100_000)))
    return
  }

  const sync = backendOf(0)
  const syncRate = opsPerSecond(ms, (n) => {
    for (let i = 0; i < n; i++) {
      const admission = sync.tryAcquire()
      if (admission.status === 'ok') admission.lease.release()
    }
  })
  const asyncBackend = backendOf(0)
  const asyncRate = await asyncOpsPerSecond(ms, async (n) => {
    for (let i = 0; i < n; i++) (await asyncBackend.acquire()).release()
  })
  const limited = backendOf(100)
  const limitedRate = opsPerSecond(ms, (n) => {
    for (let i = 0; i < n; i++) {
      const admission = limited.tryAcquire()
      if (admission.status === 'ok') admission.lease.release()
    }
  })
  console.log('uncontended acquire+release (4 servers, roundrobin):')
  console.log(`  tryAcquire + release, maxconn 0     ${(syncRate / 1e6).toFixed(2)} M/s  (${ns(syncRate)} ns)`)
  console.log(`  tryAcquire + release, maxconn 100   ${(limitedRate / 1e6).toFixed(2)} M/s  (${ns(limitedRate)} ns)`)
  console.log(`  await acquire() + release            ${(asyncRate / 1e6).toFixed(2)} M/s  (${ns(asyncRate)} ns)`)

  // warm-up: let the JIT settle before the measured rows
  pendingQueueRow(4_000, false)
  pendingQueueRow(4_000, true)
  await backendRow(4_000)
  const rows: QueueRow[] = []
  for (const waiting of [1_000, 100_000]) {
    rows.push(pendingQueueRow(waiting, false))
    rows.push(pendingQueueRow(waiting, true))
    rows.push(await backendRow(waiting))
  }
  console.log('\nper operation, ns (enqueue / dequeue / cancel):')
  for (const r of rows) {
    console.log(`  ${r.where.padEnd(46)} ${String(r.waiting).padStart(7)} waiting   ${String(r.enqueueNs).padStart(5)} / ${String(r.dequeueNs).padStart(5)} / ${String(r.cancelNs).padStart(5)}`)
  }
  const aborts = await abortRow(100_000)
  console.log(`  backend with an AbortSignal (Node's listener + dispatch)  100000 waiting   acquire({ signal }) ${aborts.enqueueNs} / abort() ${aborts.abortNs}`)

  let heap: Record<string, number>
  if (typeof gc === 'function') {
    heap = heapFigures(100_000)
  } else {
    const self = fileURLToPath(import.meta.url)
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--heap-only'], { encoding: 'utf8' })
    heap = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>
  }
  console.log('\nheap bytes per waiting request (100,000 waiting; target ≤ 300):')
  for (const [what, bytes] of Object.entries(heap)) console.log(`  ${what.padEnd(46)} ${bytes}`)

  const file = writeResults('queue', {
    ms,
    uncontended: { tryAcquireRelease: Math.round(syncRate), tryAcquireReleaseMaxconn: Math.round(limitedRate), acquireRelease: Math.round(asyncRate) },
    rows,
    abortSignal: aborts,
    heap,
  })
  console.log(`\nwrote ${file}`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
