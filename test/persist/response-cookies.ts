import t from 'tap'
import type { ServerView } from '../../lib/balance/types.js'
import { CookieIndex } from '../../lib/persist/cookie-index.js'
import { decidePersistence, redispatched } from '../../lib/persist/decide.js'
import { createCookiePolicy } from '../../lib/persist/policy.js'
import { readRequestCookies } from '../../lib/persist/request-cookies.js'
import { applyResponseCookies, buildSetCookie, cookieLogFlags } from '../../lib/persist/response-cookies.js'
import type { CookiePolicy, CookiePolicyOptions, CookieResponse, PersistDecision, PersistRules, ResponseHeaders } from '../../lib/persist/types.js'
import { makeServerViews } from '../fixtures/server-views.js'

const T = 1795295801_000 // §4.5: quantum 448823951 = awIKP (1795295804 s)
const [a, b, nocookie] = makeServerViews(['s1', 's2', 's3'])
const index = new CookieIndex()
index.set(a!, 'A')
index.set(b!, 'B')

interface Exchange {
  /** Request Cookie header. */
  cookie?: string
  method?: string
  rules?: PersistRules
  /** The server that answered: default the pinned one, else `a`. */
  server?: ServerView | undefined
  status?: number
  headers?: ResponseHeaders
  now?: number
  persist?: boolean
}

function exchange(policy: CookiePolicy, x: Exchange = {}): { decision: PersistDecision; res: CookieResponse } {
  const now = x.now ?? T
  const cookies = readRequestCookies(x.cookie, policy, x.method ?? 'GET', now)
  const decision = decidePersistence(policy, cookies, index, { persist: x.persist === true }, x.rules)
  const server = 'server' in x ? x.server : (decision.server ?? a)
  const serverCookie = server === undefined ? undefined : index.valueOf(server)
  const res = applyResponseCookies(policy, decision, { server, serverCookie, status: x.status ?? 200, headers: x.headers ?? {} }, now)
  return { decision, res }
}

/** The Set-Cookie list the client receives. */
function sent(x: Exchange, res: CookieResponse): readonly string[] {
  const raw = x.headers?.['set-cookie']
  const original = raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw
  return res.setCookieChanged ? res.setCookie! : original
}

function run(options: CookiePolicyOptions, x: Exchange = {}): { flags: string; setCookie: readonly string[]; ccPrivate: boolean } {
  const { res } = exchange(createCookiePolicy(options), x)
  return { flags: res.logFlags, setCookie: sent(x, res), ccPrivate: res.cacheControlPrivate }
}

const insertIndirect: CookiePolicyOptions = { name: 'SERVERID', mode: 'insert', indirect: true }

t.test('§4.2 inserted header format, attribute order exactly as HAProxy', async (t) => {
  const p = createCookiePolicy({ name: 'SRV', mode: 'insert', httponly: true, secure: true, domains: ['.example.com', '.example.org'], attrs: ['SameSite=Lax', 'Partitioned'] })
  t.equal(buildSetCookie(p, 'a', T), 'SRV=a; path=/; domain=.example.com; domain=.example.org; HttpOnly; Secure; SameSite=Lax; Partitioned')
  t.equal(buildSetCookie(createCookiePolicy({ name: 'SERVERID', mode: 'insert' }), 'A', T), 'SERVERID=A; path=/')
  t.equal(buildSetCookie(createCookiePolicy({ name: 'S', mode: 'insert', secure: true }), 'x', T), 'S=x; path=/; Secure')
  t.equal(buildSetCookie(createCookiePolicy({ name: 'S', mode: 'insert', attrs: ['Max-Age=5'] }), 'x', T), 'S=x; path=/; Max-Age=5')
  // A server without a value: a deletion, with the same attributes.
  t.equal(buildSetCookie(p, undefined, T), 'SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/; domain=.example.com; domain=.example.org; HttpOnly; Secure; SameSite=Lax; Partitioned')
})

t.test('§4.5 dates in the inserted value', async (t) => {
  const idle = createCookiePolicy({ name: 'SRV', mode: 'insert', maxidle: 1_800_000 })
  const life = createCookiePolicy({ name: 'SRV', mode: 'insert', maxlife: 86_400_000 })
  const both = createCookiePolicy({ name: 'SRV', mode: 'insert', maxidle: 1_800_000, maxlife: 86_400_000 })
  t.equal(buildSetCookie(both, 'a', T), 'SRV=a|awIKP|awIKP; path=/', '§4.5 verified example')
  t.equal(buildSetCookie(idle, 'a', T), 'SRV=a|awIKP; path=/', 'maxidle only: last date')
  t.equal(buildSetCookie(life, 'a', T), 'SRV=a|awIKP|awIKP; path=/', 'maxlife: last and first')
  t.equal(buildSetCookie(both, 'a', T, 1795295800_000), 'SRV=a|awIKP|awIKO; path=/', 'the first date is kept')
  t.equal(buildSetCookie(both, 'a', T + 4000), 'SRV=a|awIKQ|awIKQ; path=/')
  t.equal(buildSetCookie(both, undefined, T), 'SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/', 'no dates on a deletion')
})

t.test('guide flow, insert indirect: first response sets the cookie, later requests stick without re-sending it', async (t) => {
  const first = run(insertIndirect)
  t.same(first, { flags: 'NI', setCookie: ['SERVERID=A; path=/'], ccPrivate: false })
  const again = exchange(createCookiePolicy(insertIndirect), { cookie: 'SERVERID=A' })
  t.equal(again.decision.server, a)
  t.equal(again.decision.cookies.rewrittenHeader, undefined, 'the server never sees the cookie')
  t.equal(again.res.logFlags, 'VN')
  t.equal(again.res.setCookieChanged, false)
  t.ok(Object.isFrozen(again.res), 'unchanged responses share a frozen result')
  t.equal(exchange(createCookiePolicy(insertIndirect), { cookie: 'SERVERID=A' }).res, again.res)
  t.same(run(insertIndirect, { cookie: 'SERVERID=Z' }), { flags: 'II', setCookie: ['SERVERID=A; path=/'], ccPrivate: false })
})

t.test('§4.4 observed flag pairs', async (t) => {
  const dated = { ...insertIndirect, maxidle: 60_000, maxlife: 3_600_000 }
  t.equal(run(insertIndirect).flags, 'NI', 'first visit')
  t.equal(run(insertIndirect, { cookie: 'SERVERID=A' }).flags, 'VN', 'return visit')
  t.equal(run(insertIndirect, { cookie: 'SERVERID=Z' }).flags, 'II', 'invalid')
  t.equal(run(dated, { cookie: 'SERVERID=A|awIKP|awIKP', now: (1795295804 + 61) * 1000 }).flags, 'EI', 'expired')
  t.equal(run(dated, { cookie: 'SERVERID=A|awIKP|awIKO', now: (1795295800 + 3601) * 1000 }).flags, 'OI', 'too old')
  t.equal(run(dated, { cookie: 'SERVERID=A|awIKP|awIKP', now: (1795295804 + 4) * 1000 }).flags, 'VU', 'refresh')
  t.equal(run(insertIndirect, { cookie: 'SERVERID=A', headers: { 'set-cookie': 'SERVERID=x; path=/' } }).flags, 'VD', 'server cookie deleted')
  b!.operational = 'down'
  t.same(run(insertIndirect, { cookie: 'SERVERID=B' }), { flags: 'DI', setCookie: ['SERVERID=A; path=/'], ccPrivate: false }, 'redispatch from a down server')
  b!.operational = 'up'
})

t.test('guide flow, insert indirect nocache: Cache-control: private only on cacheable responses', async (t) => {
  const nocache = { ...insertIndirect, nocache: true }
  t.equal(run(nocache).ccPrivate, false, 'a plain response gets no Cache-control: private')
  t.same(run(nocache, { headers: { 'cache-control': 'max-age=60' } }), { flags: 'NI', setCookie: ['SERVERID=A; path=/'], ccPrivate: true })
  t.equal(run(nocache, { method: 'POST', headers: { 'cache-control': 'max-age=60' } }).ccPrivate, false, 'POST is not cacheable')
  t.equal(run(nocache, { headers: { etag: '"v1"' } }).ccPrivate, true)
  t.equal(run(nocache, { headers: { 'cache-control': 'private, max-age=60' } }).ccPrivate, false)
  t.equal(run(nocache, { cookie: 'SERVERID=A', headers: { 'cache-control': 'max-age=60' } }).ccPrivate, false, 'nothing inserted: nothing added')
  t.equal(run(insertIndirect, { headers: { 'cache-control': 'max-age=60' } }).ccPrivate, false, 'without nocache')
})

t.test('§4.2 the server’s own cookie with our name in insert mode', async (t) => {
  const headers = { 'set-cookie': ['a=1', 'SERVERID=xyz; Path=/', 'b=2'] }
  t.same(run(insertIndirect, { headers }), { flags: 'NI', setCookie: ['a=1', 'b=2', 'SERVERID=A; path=/'], ccPrivate: false }, 'deleted, ours inserted last')
  t.same(run({ name: 'SERVERID', mode: 'insert' }, { cookie: 'SERVERID=A', headers }).setCookie, ['a=1', 'b=2'], 'insert without indirect: deleted too')
  // preserve: the application may end persistence (logout).
  const logout = { 'set-cookie': 'SERVERID=; Expires=Thu, 01-Jan-1970 00:00:01 GMT' }
  t.same(run({ ...insertIndirect, preserve: true }, { cookie: 'SERVERID=A', headers: logout }), { flags: 'VP', setCookie: [logout['set-cookie']], ccPrivate: false })
  t.same(run({ ...insertIndirect, preserve: true }, { headers: logout }), { flags: 'NP', setCookie: [logout['set-cookie']], ccPrivate: false }, 'and nothing is inserted')
  t.same(run({ ...insertIndirect, preserve: true }).setCookie, ['SERVERID=A; path=/'], 'preserve inserts when the server set nothing')
  t.same(run(insertIndirect, { headers: { 'set-cookie': 'SERVERID = xyz ; Path=/' } }).setCookie, ['SERVERID=A; path=/'])
})

t.test('postonly, ignore-persist, no server, interim responses', async (t) => {
  const post = { ...insertIndirect, postonly: true }
  t.same(run(post).setCookie, [], 'GET: nothing inserted')
  t.equal(run(post).flags, 'NN')
  t.same(run(post, { method: 'POST' }).setCookie, ['SERVERID=A; path=/'])
  const ignore = { rules: { ignorePersist: true } }
  t.same(run(insertIndirect, ignore), { flags: 'NN', setCookie: [], ccPrivate: false }, 'ignore-persist: no cookie inserted')
  const theirs = { 'set-cookie': 'SERVERID=theirs' }
  t.same(run(insertIndirect, { ...ignore, cookie: 'SERVERID=A', headers: theirs }), { flags: 'UN', setCookie: ['SERVERID=theirs'], ccPrivate: false }, 'and the server cookie is not even looked at')
  t.same(run(insertIndirect, { server: undefined }).setCookie, [], 'no server answered: nothing inserted')
  t.same(run(insertIndirect, { server: undefined, cookie: 'SERVERID=A', headers: theirs }).setCookie, [], 'indirect + direct still deletes')
  t.same(run(insertIndirect, { status: 100 }), { flags: 'NN', setCookie: [], ccPrivate: false }, '1xx left alone')
  t.same(run(insertIndirect, { status: 103, headers: theirs }).setCookie, ['SERVERID=theirs'])
  t.same(run(insertIndirect, { status: 101 }).setCookie, ['SERVERID=A; path=/'], '101 is processed')
  t.same(run(insertIndirect, { server: nocookie }), { flags: 'NI', setCookie: ['SERVERID=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/'], ccPrivate: false }, 'a server without a value: deletion')
  t.same(run(insertIndirect, { cookie: 'SERVERID=A', rules: { assigned: true } }).setCookie, [], 'use-server: direct, nothing inserted')
})

t.test('§4.5 refresh rules on direct requests', async (t) => {
  const idle = { ...insertIndirect, maxidle: 60_000 }
  const life = { ...insertIndirect, maxlife: 3_600_000 }
  const both = { ...insertIndirect, maxidle: 60_000, maxlife: 3_600_000 }
  const stamp = 1795295804
  // last (awIKP = 1795295804) is not before now: nothing; before now: refreshed (at most every 4 s).
  t.same(run(both, { cookie: 'SERVERID=A|awIKP|awIKO', now: stamp * 1000 }), { flags: 'VN', setCookie: [], ccPrivate: false })
  t.same(run(both, { cookie: 'SERVERID=A|awIKP|awIKO', now: (stamp + 1) * 1000 }), { flags: 'VU', setCookie: ['SERVERID=A|awIKQ|awIKO; path=/'], ccPrivate: false }, 'first date kept')
  t.same(run(idle, { cookie: 'SERVERID=A', now: T }).setCookie, ['SERVERID=A|awIKP; path=/'], 'maxidle, no date yet: dated now')
  t.equal(run(idle, { cookie: 'SERVERID=A', now: T }).flags, 'VU')
  t.same(run(life, { cookie: 'SERVERID=A|awIKP', now: stamp * 1000 }).setCookie, ['SERVERID=A|awIKP|awIKP; path=/'], 'maxlife, no first date: set now')
  t.same(run(life, { cookie: 'SERVERID=A|awIKP|awIKP', now: stamp * 1000 }).setCookie, [], 'maxlife, dates current')
  t.same(run(idle, { cookie: 'SERVERID=A|awIKP|awIKO', now: stamp * 1000 }).setCookie, ['SERVERID=A|awIKP; path=/'], 'maxlife unset but a first date: rewritten without it')
  t.same(run(insertIndirect, { cookie: 'SERVERID=A|awIKO', now: stamp * 1000 }).setCookie, ['SERVERID=A; path=/'], 'no maxidle but a stale date: dates dropped')
  t.same(run(insertIndirect, { cookie: 'SERVERID=A|awIKP', now: stamp * 1000 }).setCookie, [], 'no maxidle, current date: nothing')
  t.same(run(insertIndirect, { cookie: 'SERVERID=A', now: stamp * 1000 }).setCookie, [], 'no dates configured or present: nothing')
  t.same(run(both, { cookie: 'SERVERID=Z|awIKP|awIKO', now: stamp * 1000 }).setCookie, ['SERVERID=A|awIKP|awIKO; path=/'], 'a new server keeps the carried first date (HAProxy source)')
})

t.test('redispatched requests get a fresh cookie: DI', async (t) => {
  const policy = createCookiePolicy(insertIndirect)
  const pinned = decidePersistence(policy, readRequestCookies('SERVERID=B', policy, 'GET', T), index, { redispatch: true })
  const moved = redispatched(pinned, a)
  const res = applyResponseCookies(policy, moved, { server: a, serverCookie: 'A', status: 200, headers: {} }, T)
  t.same([res.logFlags, res.inserted], ['DI', 'SERVERID=A; path=/'])
})

t.test('guide flow, rewrite: the server’s value is replaced, attributes kept', async (t) => {
  const rewrite = { name: 'SRV', mode: 'rewrite' } as const
  t.same(run(rewrite, { headers: { 'set-cookie': 'SRV=anything; Path=/' } }), { flags: 'NR', setCookie: ['SRV=A; Path=/'], ccPrivate: false })
  t.same(run(rewrite, { server: b, headers: { 'set-cookie': ['x=1', 'SRV = zz ; Path=/'] } }).setCookie, ['x=1', 'SRV=B ; Path=/'])
  t.same(run(rewrite, { headers: { 'set-cookie': 'SRV=x,y; Expires=Thu, 01-Jan-2099 00:00:00 GMT' } }).setCookie, ['SRV=A,y; Expires=Thu, 01-Jan-2099 00:00:00 GMT'], 'the value ends at a comma')
  t.same(run(rewrite, { headers: { 'set-cookie': 'SRV="q;r"; Path=/' } }).setCookie, ['SRV=A; Path=/'], 'quoted values are one value')
  t.same(run(rewrite, { server: nocookie, headers: { 'set-cookie': 'SRV=x' } }), { flags: 'NP', setCookie: ['SRV=x'], ccPrivate: false }, 'a server without a value: passed')
  t.same(run(rewrite), { flags: 'NN', setCookie: [], ccPrivate: false }, 'nothing inserted')
  t.same(run(rewrite, { cookie: 'SRV=A', headers: { 'set-cookie': 'SRV=x' } }).flags, 'VR')
})

t.test('guide flow, prefix with JSESSIONID both ways', async (t) => {
  const prefix = { name: 'JSESSIONID', mode: 'prefix' } as const
  const first = exchange(createCookiePolicy(prefix), { headers: { 'set-cookie': 'JSESSIONID=abc; Path=/' } })
  t.same([first.res.logFlags, first.res.setCookie], ['NR', ['JSESSIONID=A~abc; Path=/']])
  const back = exchange(createCookiePolicy(prefix), { cookie: 'JSESSIONID=A~abc; o=1' })
  t.equal(back.decision.server, a)
  t.equal(back.decision.cookies.rewrittenHeader, 'JSESSIONID=abc; o=1', 'the application sees its own value')
  t.equal(back.res.logFlags, 'VN', 'nothing inserted when the server sets no cookie')
  t.same(run(prefix, { cookie: 'JSESSIONID=A~abc', headers: { 'set-cookie': 'JSESSIONID=def' } }).setCookie, ['JSESSIONID=A~def'])
  t.same(run({ ...prefix, indirect: true }, { cookie: 'JSESSIONID=A~abc', headers: { 'set-cookie': 'JSESSIONID=def' } }), { flags: 'VD', setCookie: [], ccPrivate: false }, 'prefix + indirect deletes on direct requests (why it is not recommended)')
})

t.test('passive cookies: untouched responses, -- in the log', async (t) => {
  const passive = { name: 'SRV' }
  t.same(run(passive, { headers: { 'set-cookie': 'SRV=A' } }), { flags: '--', setCookie: ['SRV=A'], ccPrivate: false })
  t.same(run({ name: 'SRV', indirect: true }, { cookie: 'SRV=A', headers: { 'set-cookie': 'SRV=A' } }), { flags: 'VD', setCookie: [], ccPrivate: false }, 'passive + indirect: deleted on direct requests')
  t.same(run({ name: 'SRV', indirect: true, preserve: true }, { cookie: 'SRV=A', headers: { 'set-cookie': 'SRV=A' } }).flags, 'VP')
})

t.test('Set-Cookie lines that are not cookies, and normalisation', async (t) => {
  t.same(run(insertIndirect, { cookie: 'SERVERID=A', headers: { 'set-cookie': ['garbage', ' ', 'x = 1; Path=/', 'SERVERIDX=1'] } }).setCookie, ['garbage', ' ', 'x=1; Path=/', 'SERVERIDX=1'])
  t.same(run(insertIndirect, { cookie: 'SERVERID=A', headers: { 'set-cookie': ['x=1', 'y =2'] } }).setCookie, ['x=1', 'y=2'])
  t.same(run(insertIndirect, { cookie: 'SERVERID=A', headers: { 'set-cookie': ['x=1', 'y=2'] } }), { flags: 'VN', setCookie: ['x=1', 'y=2'], ccPrivate: false })
})

t.test('cookieLogFlags covers every pair', async (t) => {
  t.equal(cookieLogFlags('V', 'N'), 'VN')
  t.equal(cookieLogFlags('-', '-'), '--')
  t.equal(cookieLogFlags('O', 'U'), 'OU')
})

t.test('rewrite corner cases: no server, escaped quotes', async (t) => {
  const rewrite = { name: 'SRV', mode: 'rewrite' } as const
  t.same(run(rewrite, { server: undefined, headers: { 'set-cookie': 'SRV=x' } }), { flags: 'NP', setCookie: ['SRV=x'], ccPrivate: false }, 'no server: passed')
  t.same(run(rewrite, { headers: { 'set-cookie': 'SRV="a\\"b;c"; Path=/' } }).setCookie, ['SRV=A; Path=/'], 'an escaped quote does not end the quoted value')
})
