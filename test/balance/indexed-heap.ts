import t from 'tap'
import { IndexedHeap, type HeapEntry } from '../../lib/balance/indexed-heap.js'
import { seededRandom } from '../fixtures/seeded-random.js'

interface Item extends HeapEntry {
  readonly name: string
}

function item(name: string): Item {
  return { name, key: 0, seq: 0, pos: -1, owner: null }
}

function walk(heap: IndexedHeap<Item>): string[] {
  const out: string[] = []
  for (let e = heap.walkFirst(); e !== undefined; e = heap.walkNext()) out.push(e.name)
  return out
}

t.test('orders by key, equal keys in insertion order', async (t) => {
  const heap = new IndexedHeap<Item>()
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(item) as [Item, Item, Item, Item]
  heap.insert(a, 5)
  heap.insert(b, 1)
  heap.insert(c, 5)
  heap.insert(d, 1)
  t.same(walk(heap), ['b', 'd', 'a', 'c'])
  t.equal(heap.peek(), b)
  // Re-inserting goes to the back of the key group.
  heap.delete(b)
  heap.insert(b, 1)
  t.same(walk(heap), ['d', 'b', 'a', 'c'])
  t.equal(b.owner, heap)
})

t.test('delete tracks positions and clears ownership', async (t) => {
  const heap = new IndexedHeap<Item>()
  const items = ['a', 'b', 'c', 'd', 'e'].map(item)
  items.forEach((e, i) => heap.insert(e, 10 - i))
  heap.delete(items[4]!) // the root
  heap.delete(items[0]!) // the last leaf
  t.same(walk(heap), ['d', 'c', 'b'])
  t.equal(items[0]!.owner, null)
  t.equal(items[0]!.pos, -1)
  heap.delete(items[1]!)
  heap.delete(items[2]!)
  heap.delete(items[3]!)
  t.equal(heap.peek(), undefined)
  t.same(walk(heap), [], 'walking an empty heap ends at once')
})

t.test('a walk can stop early and restart', async (t) => {
  const heap = new IndexedHeap<Item>()
  for (let i = 0; i < 20; i++) heap.insert(item(`i${i}`), i % 7)
  t.equal(heap.walkFirst()?.name, 'i0')
  t.equal(heap.walkNext()?.name, 'i7')
  t.equal(heap.walkFirst()?.name, 'i0')
  t.same(walk(heap).length, 20)
})

t.test('random operations match a sorted reference', async (t) => {
  const random = seededRandom(3)
  const heap = new IndexedHeap<Item>()
  const pool = Array.from({ length: 200 }, (_, i) => item(`x${i}`))
  // Reference: entries with their insertion counter.
  const ref = new Map<Item, [key: number, order: number]>()
  let order = 0
  const mismatches: number[] = []
  for (let step = 0; step < 5000; step++) {
    const e = pool[Math.floor(random() * pool.length)]!
    if (e.owner === null) {
      const key = Math.floor(random() * 20)
      heap.insert(e, key)
      ref.set(e, [key, order++])
    } else {
      heap.delete(e)
      ref.delete(e)
    }
    if (step % 50 === 0) {
      const expected = [...ref].sort((x, y) => x[1][0] - y[1][0] || x[1][1] - y[1][1]).map(([x]) => x.name)
      if (walk(heap).join() !== expected.join()) mismatches.push(step)
      if (heap.peek()?.name !== expected[0]) mismatches.push(-step)
    }
  }
  t.same(mismatches, [])
})
