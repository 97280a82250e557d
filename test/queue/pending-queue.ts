import t from 'tap'
import { PendingQueue, QueueTicket, ticketBefore } from '../../lib/queue/pending-queue.js'
import { TIME_KEY_RANGE, clampPriorityClass, clampPriorityOffset, relativeTimeKey, timeKey } from '../../lib/queue/priority-key.js'
import { seededRandom } from '../fixtures/seeded-random.js'

class Named extends QueueTicket {
  readonly name: string
  readonly originalKey: number
  constructor(name: string, priorityClass: number, key: number, seq: number) {
    super(priorityClass, key, seq)
    this.name = name
    this.originalKey = key
  }
}

let seq = 0
function ticket(name: string, arrival: number, priorityClass = 0, offset = 0): Named {
  return new Named(name, clampPriorityClass(priorityClass), timeKey(arrival, clampPriorityOffset(offset)), seq++)
}

function drain(queue: PendingQueue<Named>, now: number): string[] {
  const out: string[] = []
  for (let next = queue.shift(now); next !== undefined; next = queue.shift(now)) out.push(next.name)
  return out
}

t.test('default priorities are served first in, first out', (t) => {
  const queue = new PendingQueue<Named>()
  t.equal(queue.size, 0)
  t.equal(queue.peek(0), undefined)
  t.equal(queue.shift(0), undefined)
  for (let i = 0; i < 5; i++) queue.push(ticket(`r${i}`, 100 + (i >> 1)))
  t.equal(queue.size, 5)
  t.equal(queue.peek(200)?.name, 'r0')
  t.equal(queue.size, 5, 'peek leaves the ticket in place')
  t.same(drain(queue, 200), ['r0', 'r1', 'r2', 'r3', 'r4'])
  t.equal(queue.size, 0)
  t.end()
})

t.test('§3.3 verified order: B C D E F queued → D E B F C', (t) => {
  const queue = new PendingQueue<Named>()
  queue.push(ticket('B', 1000, 0))
  queue.push(ticket('C', 1001, 5))
  queue.push(ticket('D', 1002, -1))
  queue.push(ticket('E', 1003, 0, -5000))
  queue.push(ticket('F', 1004, 0, 5000))
  t.same(drain(queue, 1010), ['D', 'E', 'B', 'F', 'C'])
  t.end()
})

t.test('exact key ties keep arrival order, in the lane and in the heap', (t) => {
  const queue = new PendingQueue<Named>()
  queue.push(ticket('a', 10, 0, 5)) // key 15
  queue.push(ticket('b', 15, 0, 0)) // key 15, lane
  queue.push(ticket('c', 20, 0, -5)) // key 15, heap
  queue.push(ticket('d', 21, 0, -6)) // key 15, heap
  queue.push(ticket('e', 30, 3))
  queue.push(ticket('f', 30, 3))
  t.same(drain(queue, 40), ['a', 'b', 'c', 'd', 'e', 'f'])
  t.end()
})

t.test('ticketBefore orders by class, then key, then arrival', (t) => {
  const a = new QueueTicket(0, 10, 1)
  t.ok(ticketBefore(a, new QueueTicket(1, 0, 0)))
  t.notOk(ticketBefore(new QueueTicket(1, 0, 0), a))
  t.ok(ticketBefore(a, new QueueTicket(0, 11, 0)))
  t.ok(ticketBefore(a, new QueueTicket(0, 10, 2)))
  t.notOk(ticketBefore(a, new QueueTicket(0, 10, 0)))
  t.end()
})

t.test('delete removes any ticket: lane head, middle, tail; heap top, middle, last', (t) => {
  const queue = new PendingQueue<Named>()
  const lane = [0, 1, 2, 3, 4].map((i) => ticket(`l${i}`, 100 + i))
  for (const x of lane) queue.push(x)
  const heap = [0, 1, 2, 3, 4, 5].map((i) => ticket(`h${i}`, 200, 1, -i)) // h5 first
  for (const x of heap) queue.push(x)
  t.equal(queue.size, 11)
  queue.delete(lane[2]!)
  queue.delete(lane[0]!)
  queue.delete(lane[4]!)
  t.equal(lane[2]!.prev, undefined, 'links are cleared')
  t.equal(lane[2]!.next, undefined)
  queue.delete(heap[5]!) // top
  queue.delete(heap[0]!) // a leaf, possibly the last slot
  queue.delete(heap[3]!)
  t.equal(heap[5]!.heapIndex, -1)
  t.equal(queue.size, 5)
  t.same(drain(queue, 300), ['l1', 'l3', 'h4', 'h2', 'h1'])
  // deleting the very last heap element
  const one = ticket('x', 0, 2)
  queue.push(ticket('y', 0))
  queue.push(one)
  queue.delete(one)
  t.same(drain(queue, 300), ['y'])
  t.end()
})

t.test('wrap-around: a key behind the look-back boundary is served after recent ones', (t) => {
  const queue = new PendingQueue<Named>()
  // Waiting with a large negative offset: 1000 − 524287 = −523287, which wraps
  // once now passes 1001 (boundary = now − 524288).
  queue.push(ticket('early', 1000, 0, -524287))
  queue.push(ticket('plain', 1000))
  t.same(drain(queue, 1000), ['early', 'plain'], 'at 1000 the negative offset still wins')
  queue.push(ticket('early2', 1000, 0, -524287))
  queue.push(ticket('plain2', 1000))
  t.same(drain(queue, 1002), ['plain2', 'early2'], 'at 1002 it has wrapped behind (HAProxy quirk)')
  // A default-priority lane head that waited past the boundary moves behind newer arrivals.
  queue.push(ticket('old', 0))
  queue.push(ticket('older-class', 0, -1))
  queue.push(ticket('new', 600_000))
  t.same(drain(queue, 600_000), ['older-class', 'new', 'old'])
  t.end()
})

t.test('a wrapped heap top is lifted, even by several ranges', (t) => {
  const queue = new PendingQueue<Named>()
  queue.push(ticket('lane', 3 * TIME_KEY_RANGE, 0))
  // class 1 goes to the heap; at 3 × 2^20, 'hi' (key 0) lifts to 3 × 2^20 and 'x' to 3 × 2^20 + 10
  queue.push(ticket('hi', 0, 1))
  queue.push(ticket('x', 10, 1))
  queue.push(ticket('y', 3 * TIME_KEY_RANGE, 1, 1))
  t.same(drain(queue, 3 * TIME_KEY_RANGE), ['lane', 'hi', 'y', 'x'])
  t.end()
})

t.test('randomized: same order as HAProxy’s relative comparison, with deletes', (t) => {
  const random = seededRandom(42)
  const queue = new PendingQueue<Named>()
  const live = new Set<Named>()
  let now = 0
  let checked = 0
  const expectedNext = (): Named | undefined => {
    let best: Named | undefined
    for (const x of live) {
      if (best === undefined) { best = x; continue }
      const ra = relativeTimeKey(x.originalKey, now)
      const rb = relativeTimeKey(best.originalKey, now)
      if (x.priorityClass < best.priorityClass || (x.priorityClass === best.priorityClass && (ra < rb || (ra === rb && x.seq < best.seq)))) best = x
    }
    return best
  }
  for (let step = 0; step < 20_000; step++) {
    const r = random()
    if (r < 0.45) {
      const mostlyDefault = random() < 0.7
      const cls = mostlyDefault ? 0 : Math.floor(random() * 5) - 2
      const offset = mostlyDefault ? 0 : Math.floor((random() - 0.5) * 2 * 524287)
      const x = ticket(`t${step}`, now, cls, offset)
      queue.push(x)
      live.add(x)
    } else if (r < 0.75) {
      const expected = expectedNext()
      const got = queue.shift(now)
      t.equal(got, expected) || t.fail(`step ${step}`)
      if (got !== undefined) live.delete(got)
      checked++
    } else if (r < 0.9) {
      if (live.size > 0) {
        const victims = [...live]
        const victim = victims[Math.floor(random() * victims.length)]!
        queue.delete(victim)
        live.delete(victim)
      }
    } else {
      // mostly small steps, sometimes minutes (wraps happen)
      now += random() < 0.9 ? random() * 50 : random() * 400_000
    }
    if (queue.size !== live.size) t.fail(`size ${queue.size} != ${live.size}`)
  }
  t.ok(checked > 5000)
  t.end()
})
