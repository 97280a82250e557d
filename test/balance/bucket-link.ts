import t from 'tap'
import { linkAfter, unlink, type BucketLink } from '../../lib/balance/bucket-link.js'

interface Item extends BucketLink<Item> {
  readonly name: string
}

function item(name: string): Item {
  return { name, key: 0, bucket: 0, next: null, prev: null, owner: null }
}

/** Names around the circular list from `head`, forwards and backwards. */
function around(head: Item | null): [string[], string[]] {
  const fwd: string[] = []
  const back: string[] = []
  if (head === null) return [fwd, back]
  let e = head
  do {
    fwd.push(e.name)
    e = e.next!
  } while (e !== head)
  e = head.prev!
  do {
    back.push(e.name)
    e = e.prev!
  } while (e !== head.prev)
  return [fwd, back]
}

t.test('linkAfter and unlink keep a circular doubly linked list', async (t) => {
  const [a, b, c] = ['a', 'b', 'c'].map(item) as [Item, Item, Item]
  const heads: (Item | null)[] = [a]
  a.next = a
  a.prev = a
  linkAfter(a, c)
  linkAfter(a, b)
  t.same(around(heads[0]!), [['a', 'b', 'c'], ['c', 'b', 'a']])
  // Unlinking the head makes its successor the head.
  t.equal(unlink(heads, 0, a), b)
  t.same(around(heads[0]!), [['b', 'c'], ['c', 'b']])
  t.same([a.next, a.prev, a.owner], [null, null, null])
  // Unlinking another node keeps the head.
  t.equal(unlink(heads, 0, c), b)
  t.same(around(heads[0]!), [['b'], ['b']])
  // Unlinking the last node empties the list.
  t.equal(unlink(heads, 0, b), null)
  t.equal(heads[0], null)
})
