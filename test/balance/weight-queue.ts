import t from 'tap'
import type { BucketLink } from '../../lib/balance/bucket-link.js'
import { WeightQueue } from '../../lib/balance/weight-queue.js'
import { seededRandom } from '../fixtures/seeded-random.js'

interface Item extends BucketLink<Item> {
  readonly name: string
}

function item(name: string): Item {
  return { name, key: 0, bucket: 0, next: null, prev: null, owner: null }
}

/** Drains the queue in order (peek + delete) and returns the names. */
function drain(queue: WeightQueue<Item>): string[] {
  const out: string[] = []
  for (let e = queue.peek(); e !== undefined; e = queue.peek()) {
    out.push(e.name)
    queue.delete(e)
  }
  return out
}

t.test('heaviest first, equal weights in insertion order', async (t) => {
  const queue = new WeightQueue<Item>(4096)
  t.equal(queue.peek(), undefined)
  const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(item) as [Item, Item, Item, Item, Item]
  queue.insert(a, 16)
  queue.insert(b, 4096)
  queue.insert(c, 16)
  queue.insert(d, 0)
  queue.insert(e, 4096)
  t.equal(queue.peek(), b)
  t.equal(a.owner, queue)
  t.equal(a.key, 16)
  t.same(drain(queue), ['b', 'e', 'a', 'c', 'd'])
  t.equal(a.owner, null)
  t.equal(a.next, null)
  t.equal(a.prev, null)
})

t.test('a re-inserted node goes to the back of its weight', async (t) => {
  const queue = new WeightQueue<Item>(4096)
  const items = ['a', 'b', 'c'].map(item)
  for (const i of items) queue.insert(i, 32)
  queue.delete(items[0]!)
  queue.insert(items[0]!, 32)
  t.same(drain(queue), ['b', 'c', 'a'])
})

t.test('delete anywhere: head, middle, tail, alone', async (t) => {
  const queue = new WeightQueue<Item>(4096)
  const items = ['a', 'b', 'c', 'd', 'x'].map(item)
  for (const i of items.slice(0, 4)) queue.insert(i, 100)
  queue.insert(items[4]!, 50)
  queue.delete(items[1]!) // middle
  queue.delete(items[3]!) // tail
  queue.delete(items[0]!) // head
  t.equal(queue.peek()?.name, 'c')
  queue.delete(items[2]!) // alone: the top moves down to 50
  t.equal(queue.peek()?.name, 'x')
  queue.delete(items[4]!)
  t.equal(queue.peek(), undefined)
})

t.test('the heaviest weight is found again across bitmap words', async (t) => {
  const queue = new WeightQueue<Item>(4096)
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(item) as [Item, Item, Item, Item]
  queue.insert(a, 4096) // word 128
  queue.insert(b, 33) // word 1
  queue.insert(c, 31) // word 0
  queue.insert(d, 63) // word 1
  queue.delete(b) // not the top: the top stays
  t.equal(queue.peek(), a)
  queue.delete(a)
  t.equal(queue.peek(), d)
  queue.delete(d)
  t.equal(queue.peek(), c)
  queue.insert(b, 2000)
  t.equal(queue.peek(), b)
})

t.test('matches a sorted-list model under random operations', async (t) => {
  const random = seededRandom(5)
  const queue = new WeightQueue<Item>(4096)
  const items = Array.from({ length: 50 }, (_, i) => item(`i${i}`))
  // Model: queued items with their weight and insertion sequence.
  const model = new Map<Item, { weight: number; seq: number }>()
  let seq = 0
  let mismatches = 0
  for (let step = 0; step < 20_000; step++) {
    const it = items[Math.floor(random() * items.length)]!
    if (model.has(it)) {
      queue.delete(it)
      model.delete(it)
    } else {
      // Few distinct weights so that ties are common.
      const weight = random() < 0.5 ? 16 * Math.floor(random() * 4) : Math.floor(random() * 4097)
      queue.insert(it, weight)
      model.set(it, { weight, seq: seq++ })
    }
    let best: Item | undefined
    for (const [i, m] of model) {
      const b = best === undefined ? undefined : model.get(best)!
      if (b === undefined || m.weight > b.weight || (m.weight === b.weight && m.seq < b.seq)) best = i
    }
    if (queue.peek() !== best) mismatches++
  }
  t.equal(mismatches, 0)
})
