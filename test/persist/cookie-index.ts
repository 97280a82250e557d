import t from 'tap'
import { isSwitchyardError } from '../../lib/errors.js'
import { CookieIndex, isValidServerCookie } from '../../lib/persist/cookie-index.js'
import { makeServerViews } from '../fixtures/server-views.js'

const names = (list: readonly { name: string }[] | undefined): string[] | undefined => list?.map((s) => s.name)

t.test('lookup by value, declaration order kept across changes', async (t) => {
  const [s1, s2, s3, s4] = makeServerViews(['s1', 's2', 's3', 's4'])
  const index = new CookieIndex()
  index.set(s1!, 'A')
  index.set(s2!, 'B')
  index.set(s3!, 'A')
  index.set(s4!, undefined)
  t.same(names(index.serversFor('A')), ['s1', 's3'])
  t.same(names(index.serversFor('B')), ['s2'])
  t.equal(index.serversFor('C'), undefined)
  t.equal(index.valueOf(s4!), undefined)
  t.equal(index.valueOf(s1!), 'A')
  // s3 then s1 move to B: s1 was declared first, so it stays first.
  index.set(s3!, 'B')
  index.set(s1!, 'B')
  t.same(names(index.serversFor('B')), ['s1', 's2', 's3'])
  t.equal(index.serversFor('A'), undefined, 'an emptied value disappears')
  index.set(s4!, 'B')
  t.same(names(index.serversFor('B')), ['s1', 's2', 's3', 's4'])
  index.set(s2!, 'B')
  t.same(names(index.serversFor('B')), ['s1', 's2', 's3', 's4'], 'same value: no change')
  index.set(s2!, undefined)
  t.same(names(index.serversFor('B')), ['s1', 's3', 's4'])
  index.set(s2!, 'B')
  t.same(names(index.serversFor('B')), ['s1', 's2', 's3', 's4'], 'back in its declaration place')
  t.same(names(index.servers()), ['s1', 's2', 's3', 's4'])
})

t.test('delete forgets a server; re-adding declares it last', async (t) => {
  const [s1, s2] = makeServerViews(['s1', 's2'])
  const index = new CookieIndex()
  index.set(s1!, 'A')
  index.set(s2!, 'A')
  index.delete(s1!)
  t.same(names(index.serversFor('A')), ['s2'])
  t.equal(index.valueOf(s1!), undefined)
  index.delete(s1!)
  index.set(s1!, 'A')
  t.same(names(index.serversFor('A')), ['s2', 's1'])
  index.set(s2!, undefined)
  index.delete(s2!)
  t.same(names(index.servers()), ['s1'])
})

t.test('server values must be usable in a cookie', async (t) => {
  for (const ok of ['A', 'web-1', 'a_b.c', '57c93b266778480b', "!#$%&'()*+-./:<=>?@[]^_`{}"]) t.equal(isValidServerCookie(ok), true, ok)
  for (const bad of ['', 'a b', 'a;b', 'a,b', 'a"b', 'a\\b', 'a|b', 'a~b', 'é', 'a\tb']) t.equal(isValidServerCookie(bad), false, JSON.stringify(bad))
  const [s1] = makeServerViews(['s1'])
  try {
    new CookieIndex().set(s1!, 'a|b')
    t.fail('accepted')
  } catch (err) {
    t.ok(isSwitchyardError(err) && err.code === 'SWY_ERR_INVALID_OPTION' && err.details['server'] === 's1')
  }
})
