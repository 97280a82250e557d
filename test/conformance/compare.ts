import t from 'tap'
import { approx, diff, plain } from '../../conformance/harness/compare.js'

t.test('equal observations have no differences', async (t) => {
  t.same(diff({ a: [1, 'x', { b: null }] }, { a: [1, 'x', { b: null }] }), [])
})

t.test('values, missing keys and lengths are reported with their path', async (t) => {
  t.same(diff({ s: ['a', 'b'], n: 1, o: { k: true } }, { s: ['a', 'c', 'd'], n: 2, o: {} }), [
    's.length: haproxy=2 switchyard=3',
    's[1]: haproxy="b" switchyard="c"',
    'n: haproxy=1 switchyard=2',
    'o.k: haproxy=true switchyard=undefined',
  ])
  t.same(diff([1], { 0: 1 }), ['haproxy=[1] switchyard={"0":1}'].map((x) => `: ${x}`))
  t.same(diff('x'.repeat(200), 'y'), [`: haproxy="${'x'.repeat(116)}... switchyard="y"`])
})

t.test('approx values match within the larger tolerance', async (t) => {
  t.same(diff({ t: approx(100.4, 50) }, { t: approx(149, 10) }), [])
  t.same(diff({ t: approx(100, 20) }, { t: approx(150, 30) }), ['t: haproxy=100ms switchyard=150ms (±30)'])
  t.same(diff(approx(25, 10, '%'), approx(50, 10, '%')), [': haproxy=25% switchyard=50% (±10)'])
  t.same(diff(approx(5, 1), 5), [': haproxy=5ms switchyard=5'])
})

t.test('long arrays stop after 50 differences', async (t) => {
  const a = Array.from({ length: 80 }, (_, i) => i)
  const b = a.map((i) => i + 1)
  t.equal(diff(a, b).length, 50)
})

t.test('plain unwraps approx values', async (t) => {
  t.same(plain({ a: [approx(1.6, 5)], b: 'x' }), { a: [2], b: 'x' })
})
