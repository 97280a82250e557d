import t from 'tap'
import type { BucketLink } from '../../lib/balance/bucket-link.js'
import { PositionQueue } from '../../lib/balance/position-queue.js'
import { seededRandom } from '../fixtures/seeded-random.js'

interface Item extends BucketLink<Item> {
  readonly name: string
}

function item(name: string): Item {
  return { name, key: 0, bucket: 0, next: null, prev: null, owner: null }
}

/** Drains the queue in order (peek + delete) and returns the names. */
function drain(queue: PositionQueue<Item>): string[] {
  const out: string[] = []
  for (let e = queue.peek(); e !== undefined; e = queue.peek()) {
    out.push(e.name)
    queue.delete(e)
  }
  return out
}

t.test('ring size is a power of two', async (t) => {
  t.equal(new PositionQueue<Item>(256, 0).buckets, 1)
  t.equal(new PositionQueue<Item>(256, 1).buckets, 1)
  t.equal(new PositionQueue<Item>(256, 5).buckets, 8)
  const queue = new PositionQueue<Item>(256, 64)
  t.equal(queue.buckets, 64)
  queue.resize(100)
  t.equal(queue.buckets, 128)
})

t.test('smallest key first, equal keys in insertion order, within and across buckets', async (t) => {
  const queue = new PositionQueue<Item>(256, 16)
  t.equal(queue.peek(), undefined)
  const [a, b, c, d, e, f] = ['a', 'b', 'c', 'd', 'e', 'f'].map(item) as [Item, Item, Item, Item, Item, Item]
  queue.insert(a, 256 * 3 + 10) // bucket 3
  queue.insert(b, 256 * 3 + 5) // bucket 3, smaller key: becomes the bucket head
  queue.insert(c, 256 * 3 + 10) // same key as a: after it
  queue.insert(d, 256 * 3 + 7) // between b and a
  queue.insert(e, 256 * 2 + 255) // bucket 2
  queue.insert(f, 256 * 7) // bucket 7
  t.equal(queue.size, 6)
  t.equal(a.owner, queue)
  t.equal(a.bucket, 3)
  t.equal(a.key, 256 * 3 + 10)
  t.same(drain(queue), ['e', 'b', 'd', 'a', 'c', 'f'])
  t.equal(queue.size, 0)
  t.equal(a.owner, null)
})

t.test('a key below the ones already peeked is found (the lower bound moves back)', async (t) => {
  const queue = new PositionQueue<Item>(1, 8)
  const [a, b, c] = ['a', 'b', 'c'].map(item) as [Item, Item, Item]
  queue.insert(a, 6)
  t.equal(queue.peek(), a)
  queue.insert(b, 2)
  t.equal(queue.peek(), b)
  queue.delete(b)
  queue.insert(c, 4)
  t.same(drain(queue), ['c', 'a'])
})

t.test('bucket numbers a ring size apart share a slot and keep their order', async (t) => {
  const queue = new PositionQueue<Item>(1, 4)
  const names = ['k13', 'k5', 'k9', 'k1', 'k6', 'k2', 'k5b']
  const keys = [13, 5, 9, 1, 6, 2, 5]
  names.forEach((n, i) => queue.insert(item(n), keys[i]!))
  t.same(drain(queue), ['k1', 'k2', 'k5', 'k5b', 'k6', 'k9', 'k13'])
})

t.test('delete anywhere: head, middle, tail, alone', async (t) => {
  const queue = new PositionQueue<Item>(256, 4)
  const items = ['a', 'b', 'c', 'd', 'x'].map(item)
  items.slice(0, 4).forEach((it, i) => queue.insert(it, 512 + i))
  queue.insert(items[4]!, 3000)
  queue.delete(items[1]!)
  queue.delete(items[3]!)
  queue.delete(items[0]!)
  t.equal(queue.peek()?.name, 'c')
  queue.delete(items[2]!)
  t.equal(queue.peek()?.name, 'x')
  queue.delete(items[4]!)
  t.equal(queue.peek(), undefined)
  // Empty again: a new, larger first key starts the scan from there.
  queue.insert(items[0]!, 256 * 1000)
  t.equal(queue.peek(), items[0])
})

t.test('bucket numbers beyond 2^31 map to their slot', async (t) => {
  const queue = new PositionQueue<Item>(256, 8)
  const base = 2 ** 40
  const [a, b, c] = ['a', 'b', 'c'].map(item) as [Item, Item, Item]
  queue.insert(b, 256 * (base + 9))
  queue.insert(a, 256 * (base + 1) + 3)
  queue.insert(c, 256 * (base + 9) + 1)
  t.same(drain(queue), ['a', 'b', 'c'])
})

t.test('matches a sorted-list model under random operations, with and without aliasing', async (t) => {
  for (const ring of [1, 4, 64, 4096]) {
    const random = seededRandom(ring)
    const queue = new PositionQueue<Item>(16, ring)
    const items = Array.from({ length: 40 }, (_, i) => item(`i${i}`))
    const model = new Map<Item, { key: number; seq: number }>()
    let seq = 0
    let floor = 0
    let mismatches = 0
    for (let step = 0; step < 20_000; step++) {
      const it = items[Math.floor(random() * items.length)]!
      if (model.has(it)) {
        queue.delete(it)
        model.delete(it)
      } else {
        // Mostly ahead of a moving floor (as FWRR's positions), sometimes anywhere.
        const key = random() < 0.8 ? floor + Math.floor(random() * 2000) : Math.floor(random() * (floor + 1))
        queue.insert(it, key)
        model.set(it, { key, seq: seq++ })
      }
      floor += Math.floor(random() * 20)
      let best: Item | undefined
      for (const [i, m] of model) {
        const b = best === undefined ? undefined : model.get(best)!
        if (b === undefined || m.key < b.key || (m.key === b.key && m.seq < b.seq)) best = i
      }
      if (queue.peek() !== best) mismatches++
    }
    t.equal(mismatches, 0, `ring of ${ring}`)
  }
})
