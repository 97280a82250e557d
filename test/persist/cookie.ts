import t from 'tap'
import { CookiePersistence } from '../../lib/persist/cookie.js'
import { redispatched } from '../../lib/persist/decide.js'
import { createCookiePolicy } from '../../lib/persist/policy.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { makeServerViews, type MutableServerView } from '../fixtures/server-views.js'

const EPOCH = 1795295801_000 // a Unix time: cookie dates are wall-clock dates

function named(names: readonly string[], extra: { backup?: readonly string[] } = {}): MutableServerView[] {
  return makeServerViews(names, extra.backup)
}

t.test('servers: explicit values, dynamic values, removal', async (t) => {
  const p = new CookiePersistence(createCookiePolicy({ name: 'SRV', mode: 'insert', dynamic: true, dynamicKey: 'MySecret' }))
  const [s1, s2, s3] = makeServerViews(['s1', 's2', 's3']) // addresses 127.0.0.1:9000, :9001, :9002
  t.equal(p.setServer(s1!, 'A'), 'A', 'an explicit value wins over dynamic')
  t.equal(p.setServer(s2!), '57c93b266778480b', '§4.6 value of 127.0.0.1:9001')
  t.equal(p.setServer(s3!), '0b60a3e078e4927e')
  t.equal(p.cookieOf(s2!), '57c93b266778480b')
  t.same(p.lookup.serversFor('A')?.map((s) => s.name), ['s1'])
  p.setDynamicCookieKey('Other')
  t.not(p.cookieOf(s2!), '57c93b266778480b', 'a new key changes dynamic values')
  t.equal(p.cookieOf(s1!), 'A', 'explicit values stay')
  t.equal(p.policy.dynamicKey, 'Other')
  p.setDynamicCookieKey('MySecret')
  p.setDynamicCookies(false)
  t.equal(p.cookieOf(s2!), undefined, 'disabled: dynamic values cleared')
  t.equal(p.policy.dynamic, false)
  p.setDynamicCookies(true)
  t.equal(p.cookieOf(s2!), '57c93b266778480b')
  s2!.address = '127.0.0.1:9002'
  t.equal(p.setServer(s2!), '0b60a3e078e4927e', 'recomputed after an address change')
  t.same(p.lookup.serversFor('0b60a3e078e4927e')?.map((s) => s.name), ['s2', 's3'], 'shared, declaration order')
  p.removeServer(s3!)
  t.same(p.lookup.serversFor('0b60a3e078e4927e')?.map((s) => s.name), ['s2'])
  t.equal(p.cookieOf(s3!), undefined)
  const noKey = new CookiePersistence(createCookiePolicy({ name: 'SRV', mode: 'insert', dynamic: true }))
  t.equal(noKey.setServer(s1!), undefined, 'dynamic without a key: no value')
  const named = new CookiePersistence(createCookiePolicy({ name: 'SRV', mode: 'insert', dynamic: true, dynamicKey: 'k' }))
  s1!.address = 'app.internal:80'
  t.equal(named.setServer(s1!), undefined, 'a named server: no dynamic value')
})

t.test('request(): no-cookie requests share one frozen decision', async (t) => {
  const p = new CookiePersistence(createCookiePolicy({ name: 'SERVERID', mode: 'insert', indirect: true }))
  const [a] = makeServerViews(['s1'])
  p.setServer(a!, 'A')
  const d1 = p.request(undefined, 'GET', EPOCH)
  t.equal(p.request('x=1', 'GET', EPOCH + 1), d1)
  t.ok(Object.isFrozen(d1))
  t.same([d1.requestFlag, d1.outcome, d1.server], ['N', 'none', undefined])
  t.not(p.request(undefined, 'POST', EPOCH), d1, 'per method class')
  t.not(p.request(undefined, 'GET', EPOCH, { ignorePersist: true }), d1, 'rules are not cached')
  t.not(p.request(undefined, 'GET', EPOCH, { forcePersist: true }), d1)
  t.not(p.request(undefined, 'GET', EPOCH, { assigned: true }), d1)
  t.equal(p.request(undefined, 'GET', EPOCH, { forcePersist: false, ignorePersist: false }), d1, 'rules that did not match change nothing')
  t.equal(p.request('SERVERID=A', 'GET', EPOCH).server, a)
  const normalised = p.request('x = 1', 'GET', EPOCH)
  t.same([normalised.cookies.rewritten, normalised.cookies.rewrittenHeader, normalised.outcome], [true, 'x=1', 'none'])
  const local = p.response(d1, undefined, 503, {}, EPOCH)
  t.same([local.setCookieChanged, local.logFlags], [false, 'NN'], 'a response no server produced gets no cookie')
})

t.test('guide: insert indirect, a whole keep-alive session at codec level', async (t) => {
  const clock = new FakeClock(EPOCH)
  const p = new CookiePersistence(createCookiePolicy({ name: 'SERVERID', mode: 'insert', indirect: true, nocache: true }), { redispatch: true })
  const [a, b] = named(['A', 'B'])
  p.setServer(a!, 'A')
  p.setServer(b!, 'B')
  // Request 1: no cookie → balanced (say to B) → the response carries the cookie.
  const d1 = p.request(undefined, 'GET', clock.now())
  t.equal(d1.server, undefined)
  const r1 = p.response(d1, b, 200, { 'cache-control': 'max-age=60' }, clock.now())
  t.same([r1.setCookie, r1.cacheControlPrivate, r1.logFlags], [['SERVERID=B; path=/'], true, 'NI'])
  // Requests 2..4 on the same connection: each one is persisted on its own.
  for (let i = 0; i < 3; i++) {
    clock.advance(1000)
    const d = p.request('SERVERID=B; lang=fr', 'GET', clock.now())
    t.equal(d.server, b)
    t.same([d.cookies.rewritten, d.cookies.rewrittenHeader], [true, 'lang=fr'], 'the server never sees SERVERID')
    const r = p.response(d, d.server, 200, {}, clock.now())
    t.same([r.setCookieChanged, r.logFlags], [false, 'VN'])
  }
  // B goes down: the next request is balanced to A and gets a new cookie (DI).
  b!.operational = 'down'
  const d5 = p.request('SERVERID=B', 'GET', clock.now())
  t.same([d5.server, d5.requestFlag, d5.outcome], [undefined, 'D', 'miss'])
  const r5 = p.response(d5, a, 200, {}, clock.now())
  t.same([r5.setCookie, r5.logFlags], [['SERVERID=A; path=/'], 'DI'])
})

t.test('a cookie naming a dead server, with and without persist and redispatch', async (t) => {
  const policy = createCookiePolicy({ name: 'SERVERID', mode: 'insert', indirect: true })
  const setup = (options: { persist?: boolean; redispatch?: boolean }) => {
    const p = new CookiePersistence(policy, options)
    const [a, b] = named(['A', 'B'])
    p.setServer(a!, 'A')
    p.setServer(b!, 'B')
    b!.operational = 'down'
    return { p, a: a!, b: b! }
  }
  {
    const { p, a } = setup({})
    const d = p.request('SERVERID=B', 'GET', EPOCH)
    t.same([d.server, d.requestFlag, d.mayRedispatch], [undefined, 'D', false], 'default: balanced')
    t.equal(p.response(d, a, 200, {}, EPOCH).logFlags, 'DI')
  }
  {
    const { p, a } = setup({ redispatch: true })
    const d = p.request('SERVERID=B', 'GET', EPOCH)
    t.same([d.server, d.requestFlag, d.mayRedispatch], [undefined, 'D', true], 'redispatch alone: balanced too')
    t.equal(p.response(d, a, 200, {}, EPOCH).logFlags, 'DI')
  }
  {
    const { p, b } = setup({ persist: true })
    const d = p.request('SERVERID=B', 'GET', EPOCH)
    t.same([d.server, d.requestFlag, d.direct, d.mayRedispatch], [b, 'D', true, false], 'persist: sent to the down server, never redispatched')
    t.equal(p.response(d, b, 200, {}, EPOCH).logFlags, 'DN', 'if it answers, the cookie stays')
  }
  {
    const { p, a, b } = setup({ persist: true, redispatch: true })
    const d = p.request('SERVERID=B', 'GET', EPOCH)
    t.same([d.server, d.mayRedispatch], [b, true], 'persist + redispatch: tried, then redispatched on failure')
    const moved = redispatched(d, a)
    t.equal(p.response(moved, a, 200, {}, EPOCH).logFlags, 'DI')
  }
  {
    const { p, b } = setup({ redispatch: true })
    const d = p.request('SERVERID=B', 'GET', EPOCH, { forcePersist: true })
    t.same([d.server, d.requestFlag, d.mayRedispatch], [b, 'D', false], 'force-persist: sent anyway, redispatch disabled')
  }
  {
    const { p, a } = setup({})
    const d = p.request('SERVERID=A', 'GET', EPOCH)
    a.operational = 'down'
    t.equal(d.server, a, 'a decision is not re-evaluated: state changes reach queued requests through redispatched()')
  }
})

t.test('guide chapter 4.2: soft-stop with backup servers sharing cookies', async (t) => {
  // server webA … cookie A check port 81; server bkpA (same host) … cookie A check port 80 backup
  const p = new CookiePersistence(createCookiePolicy({ name: 'SERVERID', mode: 'insert', indirect: true }), { redispatch: true })
  const [webA, webB, webC, bkpA, bkpB, bkpC] = named(['webA', 'webB', 'webC', 'bkpA', 'bkpB', 'bkpC'], { backup: ['bkpA', 'bkpB', 'bkpC'] })
  for (const [s, v] of [[webA, 'A'], [webB, 'B'], [webC, 'C'], [bkpA, 'A'], [bkpB, 'B'], [bkpC, 'C']] as const) p.setServer(s!, v)
  t.equal(p.request('SERVERID=A', 'GET', EPOCH).server, webA, 'normally the active server')
  // The admin removes the marker file checked on port 81: webA is DOWN, the application still runs.
  webA!.operational = 'down'
  const d = p.request('SERVERID=A', 'GET', EPOCH)
  t.same([d.server, d.requestFlag], [bkpA, 'V'], 'existing sessions go on on the same host through the backup')
  t.same([p.response(d, bkpA, 200, {}, EPOCH).logFlags, p.response(d, bkpA, 200, {}, EPOCH).setCookieChanged], ['VN', false], 'same value: no new cookie')
  t.equal(p.request(undefined, 'GET', EPOCH).server, undefined, 'new clients are balanced (to webB/webC)')
  bkpA!.operational = 'down'
  t.same([p.request('SERVERID=A', 'GET', EPOCH).server, p.request('SERVERID=A', 'GET', EPOCH).requestFlag], [undefined, 'D'], 'application stopped too: sessions move')
  t.equal(p.request('SERVERID=B', 'GET', EPOCH).server, webB)
})

t.test('maxidle / maxlife with a fake clock', async (t) => {
  const clock = new FakeClock(EPOCH)
  const p = new CookiePersistence(createCookiePolicy({ name: 'SRV', mode: 'insert', indirect: true, maxidle: 30_000, maxlife: 120_000 }))
  const [a, b] = named(['a', 'b'])
  p.setServer(a!, 'a')
  p.setServer(b!, 'b')
  // First visit at 1795295801 s: dated awIKP (1795295804 s).
  const first = p.response(p.request(undefined, 'GET', clock.now()), a, 200, {}, clock.now())
  t.same(first.setCookie, ['SRV=a|awIKP|awIKP; path=/'])
  let cookie = first.inserted!.slice(0, first.inserted!.indexOf(';'))
  const visit = (advance: number): { flags: string; cookie: string | undefined } => {
    clock.advance(advance)
    const d = p.request(cookie, 'GET', clock.now())
    const r = p.response(d, d.server ?? b, 200, {}, clock.now())
    if (r.inserted !== undefined) cookie = r.inserted.slice(0, r.inserted.indexOf(';'))
    return { flags: r.logFlags, cookie: r.inserted }
  }
  t.same(visit(2000), { flags: 'VN', cookie: undefined }, '1795295803: the date is not in the past yet')
  t.same(visit(2000), { flags: 'VU', cookie: 'SRV=a|awIKQ|awIKP; path=/' }, '1795295805: refreshed, first date kept')
  t.same(visit(30_000), { flags: 'VU', cookie: 'SRV=a|awIKX|awIKP; path=/' }, 'within maxidle of the refreshed date')
  // That date is 1795295836 (rounded up): at 1795295866 the cookie is exactly 30 s idle, still valid.
  t.same(visit(31_000), { flags: 'VU', cookie: 'SRV=a|awIKf|awIKP; path=/' }, 'exactly maxidle: still valid')
  t.same(visit(35_000), { flags: 'EI', cookie: 'SRV=b|awIKo|awIKo; path=/' }, 'idle for more than 30 s: expired, balanced, new dates')
  // Keep it busy: refreshed every few seconds, but maxlife (120 s) ends it anyway.
  const flags: string[] = []
  for (let i = 0; i < 40 && !flags.includes('OI'); i++) flags.push(visit(4000).flags)
  t.equal(flags.at(-1), 'OI', 'too old even though never idle')
  t.ok(flags.slice(0, -1).every((f) => f === 'VU'), 'refreshed on every request until then')
  t.equal(flags.length, 31, 'expired on the first request more than 120 s after the first date')
})
