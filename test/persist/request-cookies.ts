import t from 'tap'
import { createCookiePolicy } from '../../lib/persist/policy.js'
import { isCacheableMethod, readRequestCookies } from '../../lib/persist/request-cookies.js'
import type { CookiePolicy, RequestCookies } from '../../lib/persist/types.js'
import { seededRandom } from '../fixtures/seeded-random.js'

const insertIndirect = createCookiePolicy({ name: 'SERVERID', mode: 'insert', indirect: true })
const insert = createCookiePolicy({ name: 'SERVERID', mode: 'insert' })
const rewrite = createCookiePolicy({ name: 'SERVERID', mode: 'rewrite' })
const passive = createCookiePolicy({ name: 'SERVERID' })
const prefix = createCookiePolicy({ name: 'JSESSIONID', mode: 'prefix' })

/** The header the server receives: `null` when the Cookie header is removed. */
function forwarded(input: string | readonly string[], r: RequestCookies): string | readonly string[] | null {
  if (!r.rewritten) return input
  return r.rewrittenHeader ?? null
}

function read(header: string | readonly string[] | undefined, policy: CookiePolicy, now = 0): RequestCookies {
  return readRequestCookies(header, policy, 'GET', now)
}

// Every expected string below was also checked against HAProxy's own loop
// (http_manage_client_side_cookies compiled as a local oracle).
t.test('§4.1 insert + indirect: the cookie is removed, valid or not, other cookies kept in order', async (t) => {
  const cases: ReadonlyArray<readonly [string, string | null, readonly string[]]> = [
    ['other=1; SERVERID=b; x=2', 'other=1; x=2', ['b']],
    ['SERVERID=A', null, ['A']],
    ['SERVERID=A; x=1', 'x=1', ['A']],
    ['x=1; SERVERID=A', 'x=1', ['A']],
    ['x=1;SERVERID=A;y=2', 'x=1; y=2', ['A']],
    ['x=1;  SERVERID=A;  y=2', 'x=1; y=2', ['A']],
    ['SERVERID=zzz; x=1', 'x=1', ['zzz']],
    ['SERVERID=; x=1', 'x=1', ['']],
    ['SERVERID=A; $Path=/; x=1', 'x=1', ['A']],
    ['x=1; SERVERID=A; $Path=/', 'x=1', ['A']],
    ['$Version=1; SERVERID=A', null, ['A']],
    ['SERVERID=A, x=1', 'x=1', ['A']],
    ['x=1, SERVERID=A, y=2', 'x=1, y=2', ['A']],
    ['SERVERID=A; SERVERID=B; x=1', 'x=1', ['A', 'B']],
    ['SERVERID=A;x=1;SERVERID=B;y=2;SERVERID=C', 'x=1; y=2', ['A', 'B', 'C']],
    ['a = 1 ; SERVERID=A ; b=2', 'a=1; b=2', ['A']],
    ['SERVERID = A ; x = 1', 'x=1', ['A']],
    ['SERVERID=A;', null, ['A']],
    [';SERVERID=A', null, ['A']],
    ['x=1; SERVERID=A;', 'x=1; ', ['A']],
    ['flag; SERVERID=A', 'flag', ['A']],
    ['SERVERID=A|awIKP|awIKP; x=1', 'x=1', ['A']],
    ['a= ;SERVERID=x;b=1', 'a=; b=1', ['x']],
    ['  ;SERVERID=A;b=1', '; b=1', ['A']],
  ]
  for (const [input, expected, values] of cases) {
    const r = read(input, insertIndirect)
    t.same(forwarded(input, r), expected, JSON.stringify(input))
    t.same(r.occurrences.map((o) => o.value), values, `${JSON.stringify(input)} values`)
    t.equal(r.found?.value, values[0])
  }
})

t.test('cookies that are not ours are left alone', async (t) => {
  for (const input of ['x="a;SERVERID=B"', 'serverid=A', 'SERVERIDX=A; SERVERI=B', 'x=1; y=2', '', 'SERVERID', '$SERVERID=A']) {
    const r = read(input, insertIndirect)
    t.equal(r.rewritten, false, JSON.stringify(input))
    t.equal(r.found, undefined)
  }
})

t.test('§4.1 insert without indirect, rewrite, passive: forwarded as is', async (t) => {
  for (const policy of [insert, rewrite, passive]) {
    const r = read('x=1; SERVERID=A; y=2', policy)
    t.equal(r.rewritten, false, policy.mode)
    t.equal(r.found?.value, 'A')
  }
  // Without our cookie, spaces and tabs around a cookie's '=' are still removed.
  for (const [input, expected] of [['x=1; a\t=\t2', 'x=1; a=2'], ['a= 1', 'a=1'], ['a =1', 'a=1'], ['a\t=1', 'a=1'], ['a=\t1', 'a=1']] as const) {
    t.equal(forwarded(input, read(input, insertIndirect)), expected, JSON.stringify(input))
  }
  t.equal(read('a=b= c', insertIndirect).rewritten, false, 'an "= " inside a value is not touched')
  // Spaces around '=' are still removed, from every cookie (HAProxy rewrites in place).
  const r = read('a = 1; SERVERID = A', rewrite)
  t.equal(forwarded('a = 1; SERVERID = A', r), 'a=1; SERVERID=A')
  t.equal(r.found?.value, 'A')
})

t.test('§4.1 prefix: SRV~ is stripped, the application cookie is forwarded', async (t) => {
  const cases: ReadonlyArray<readonly [string, string, readonly string[]]> = [
    ['JSESSIONID=b~xyz; o=1', 'JSESSIONID=xyz; o=1', ['b']],
    ['o=1; JSESSIONID=a~abc', 'o=1; JSESSIONID=abc', ['a']],
    ['JSESSIONID=~abc', 'JSESSIONID=abc', ['']],
    ['JSESSIONID = a~abc', 'JSESSIONID=abc', ['a']],
    ['JSESSIONID=a~b~c', 'JSESSIONID=b~c', ['a']],
    ['JSESSIONID=a~x; JSESSIONID=b~y', 'JSESSIONID=x; JSESSIONID=y', ['a', 'b']],
  ]
  for (const [input, expected, values] of cases) {
    const r = read(input, prefix)
    t.same(forwarded(input, r), expected, input)
    t.same(r.occurrences.map((o) => o.value), values)
  }
  // Without '~' the value is left untouched; the whole value is compared with server values.
  const plain = read('JSESSIONID=xyz', prefix)
  t.equal(plain.rewritten, false)
  t.equal(plain.found?.value, 'xyz')
  // Prefix mode does not read dates.
  const dated = read('JSESSIONID=a|awIKP', prefix)
  t.equal(dated.found?.value, 'a|awIKP')
  t.equal(dated.lastSeen, undefined)
})

t.test('several Cookie header lines: each handled, emptied lines dropped', async (t) => {
  const lines = ['a=1', 'SERVERID=A', 'b=2; SERVERID=A']
  const r = read(lines, insertIndirect)
  t.same(r.rewrittenHeader, ['a=1', 'b=2'])
  t.same(r.occurrences.map((o) => o.value), ['A', 'A'])
  t.same(read(['x=1', 'y=2'], insertIndirect).rewritten, false)
  const only = read(['SERVERID=A'], insertIndirect)
  t.equal(only.rewritten, true)
  t.equal(only.rewrittenHeader, undefined, 'no line left: no Cookie header')
  t.same(read(['SERVERID=A', 'x=1'], insertIndirect).rewrittenHeader, ['x=1'])
  t.same(read(['JSESSIONID=a~1', 'JSESSIONID=b~2'], prefix).rewrittenHeader, ['JSESSIONID=1', 'JSESSIONID=2'])
  t.same(read([], insertIndirect).rewritten, false)
})

t.test('no cookie, nothing to rewrite: shared frozen results, no allocation', async (t) => {
  const none = read(undefined, insertIndirect)
  t.equal(read('x=1; y=2', insertIndirect), none, 'same object')
  t.equal(read(['x=1'], prefix), none)
  t.ok(Object.isFrozen(none))
  t.same(none.occurrences, [])
  t.equal(none.rewritten, false)
  t.equal(readRequestCookies(undefined, insert, 'POST', 0), readRequestCookies('z=1', insert, 'POST', 0))
  t.equal(readRequestCookies(undefined, insert, 'DELETE', 0), readRequestCookies('z=1', insert, 'PUT', 0))
  t.not(readRequestCookies(undefined, insert, 'POST', 0), none)
})

t.test('method classes: POST for postonly, GET/HEAD/OPTIONS/TRACE for nocache (case-sensitive)', async (t) => {
  for (const m of ['GET', 'HEAD', 'OPTIONS', 'TRACE']) {
    t.equal(isCacheableMethod(m), true, m)
    const r = readRequestCookies('SERVERID=A', insert, m, 0)
    t.same([r.post, r.cacheableMethod], [false, true], m)
  }
  for (const m of ['POST', 'PUT', 'get', 'CONNECT', 'PATCH']) t.equal(isCacheableMethod(m), false, m)
  t.same([readRequestCookies('SERVERID=A', insert, 'POST', 0).post, readRequestCookies(undefined, insert, 'POST', 0).post], [true, true])
  t.same([readRequestCookies('SERVERID=A', insert, 'post', 0).post, readRequestCookies('SERVERID=A', insert, 'post', 0).cacheableMethod], [false, false])
})

// §4.5: at Unix time 1795295801 the cookie date is awIKP = 448823951 → 1795295804 s.
const T = 1795295801_000
const STAMP = 1795295804_000
const dated = createCookiePolicy({ name: 'SRV', mode: 'insert', indirect: true, maxidle: 1_800_000, maxlife: 86_400_000 })

t.test('§4.5 dates are decoded (value × 4 s)', async (t) => {
  const r = read('SRV=a|awIKP|awIKP', dated, T)
  t.same(r.found, { value: 'a', lastSeen: STAMP, firstSeen: STAMP, expired: undefined })
  t.same([r.lastSeen, r.firstSeen], [STAMP, STAMP])
  const lastOnly = read('SRV=a|awIKP', dated, T)
  t.same([lastOnly.found?.lastSeen, lastOnly.found?.firstSeen], [STAMP, undefined])
  const none = read('SRV=a', dated, T)
  t.same([none.found?.value, none.lastSeen, none.firstSeen, none.found?.expired], ['a', undefined, undefined, undefined], 'a cookie without dates is accepted')
  // Malformed dates are ignored, never fatal.
  for (const v of ['a|awI=P', 'a|awIK', 'a|AAAAA', 'a|', 'a||', 'a|awIKP|', 'a|awIKP|awIK', 'a|awIKP|AAAAA']) {
    const m = read(`SRV=${v}`, dated, T)
    t.equal(m.found?.value, 'a', v)
    t.equal(m.found?.firstSeen, undefined, `${v} first`)
  }
  t.equal(read('SRV=a||awIKP', dated, T).firstSeen, STAMP, 'an empty last date, a valid first date')
  t.equal(read('SRV=a|awIKPzz', dated, T).lastSeen, STAMP, 'five characters are read')
  t.equal(read('SRV=|awIKP', dated, T).found?.value, '', 'empty server part')
  // Dates are read in every mode but prefix, even without maxidle/maxlife.
  t.equal(read('SERVERID=a|awIKP', rewrite, T).lastSeen, STAMP)
})

t.test('§4.5 maxidle: idle for more than maxidle, or a last date more than 86400 s ahead', async (t) => {
  const idle = createCookiePolicy({ name: 'SRV', mode: 'insert', maxidle: 1_800_000 })
  const at = (nowS: number) => read('SRV=a|awIKP', idle, nowS * 1000)
  t.equal(at(1795295804 + 1800).found?.expired, undefined, 'exactly maxidle: still valid')
  t.equal(at(1795295804 + 1800).lastSeen, STAMP)
  const expired = at(1795295804 + 1801)
  t.equal(expired.found?.expired, 'maxidle')
  t.equal(expired.found?.lastSeen, STAMP, 'the occurrence still reports its date')
  t.equal(expired.lastSeen, undefined, 'the request keeps no date')
  t.equal(at(1795295804 + 1801).found?.value, 'a')
  t.equal(at(1795295804 - 86400).found?.expired, undefined, 'one day ahead is tolerated')
  t.equal(at(1795295804 - 86401).found?.expired, 'maxidle', 'more than one day ahead is not')
  t.equal(read('SRV=a|awIKP', createCookiePolicy({ name: 'SRV', mode: 'insert' }), 10 * T).found?.expired, undefined, 'no maxidle: never expires')
})

t.test('§4.5 maxlife is checked first (O before E)', async (t) => {
  const life = createCookiePolicy({ name: 'SRV', mode: 'insert', maxidle: 60_000, maxlife: 3_600_000 })
  // last = awIKP (1795295804), first = 4 s before that is quantum 448823950.
  const cookie = 'SRV=a|awIKP|awIKO'
  t.equal(read(cookie, life, (1795295804 + 60) * 1000).found?.expired, undefined)
  t.equal(read(cookie, life, (1795295804 + 61) * 1000).found?.expired, 'maxidle')
  t.equal(read(cookie, life, (1795295800 + 3600) * 1000).found?.expired, 'maxidle', 'idle before too old')
  t.equal(read(cookie, life, (1795295800 + 3601) * 1000).found?.expired, 'maxlife', 'both: too old wins')
  t.equal(read('SRV=a|awIKP|awIKP', life, (1795295804 - 86401) * 1000).found?.expired, 'maxlife', 'first date too far ahead')
  t.equal(read('SRV=a||awIKP', life, (1795295804 + 3601) * 1000).found?.expired, 'maxlife', 'maxlife without a last date')
})

t.test('dates are per request: later occurrences see earlier ones (HAProxy keeps one pair per transaction)', async (t) => {
  const idle = createCookiePolicy({ name: 'SRV', mode: 'insert', maxidle: 1_800_000 })
  const later = (1795295804 + 1801) * 1000
  const a = read('SRV=a|awIKP; SRV=b', idle, later)
  t.same(a.occurrences.map((o) => o.expired), ['maxidle', undefined], 'cleared by the expiry: b has no date')
  const b = read('SRV=b; SRV=a|awIKP', idle, later)
  t.same(b.occurrences.map((o) => o.expired), [undefined, 'maxidle'])
  const c = read('SRV=a|awIKP; SRV=b', idle, T)
  t.same([c.lastSeen, c.occurrences[1]?.lastSeen], [STAMP, undefined], 'b inherits the request date, not its own')
  const d = read('SRV=b|awIKO; SRV=a|awIKP', idle, T)
  t.equal(d.lastSeen, STAMP, 'the last one parsed wins')
})

t.test('property: random bytes never throw; indirect mode never forwards the persistence cookie', async (t) => {
  const random = seededRandom(42)
  const pieces = ['SERVERID', 'SERVERID', '=', '=', ';', ';', ',', ' ', '\t', '"', '\\', '$', '~', '|', 'a', 'x', '1', 'awIKP']
  let rewritten = 0
  for (let k = 0; k < 20000; k++) {
    let s = ''
    const n = Math.floor(random() * 16)
    for (let i = 0; i < n; i++) s += random() < 0.1 ? String.fromCharCode(Math.floor(random() * 256)) : pieces[Math.floor(random() * pieces.length)]!
    for (const policy of [insertIndirect, insert, prefix, passive]) {
      const r = readRequestCookies(s, policy, 'GET', T) // must not throw
      if (!r.rewritten) continue
      if (r.rewrittenHeader === '') t.fail(`empty header forwarded for ${JSON.stringify(s)}`)
      if (policy !== insertIndirect) continue
      rewritten++
      if (r.rewrittenHeader !== undefined && read(r.rewrittenHeader as string, insertIndirect).occurrences.length > 0) {
        t.fail(`persistence cookie forwarded for ${JSON.stringify(s)}`)
      }
    }
  }
  t.ok(rewritten > 1000, `${rewritten} rewritten headers checked`)
})

t.test('property: a well-formed cookie string stays well-formed (RFC 6265 cookie-pairs)', async (t) => {
  const random = seededRandom(7)
  const wellFormed = /^[!#-+\--:<-[\]-~]+=[!#-+\--:<-[\]-~]*(?:; [!#-+\--:<-[\]-~]+=[!#-+\--:<-[\]-~]*)*$/
  const names = ['SERVERID', 'JSESSIONID', 'a', 'b_2', 'SERVERIDX', 'x']
  const values = ['A', 'B', 'zz', '', 'a~1', 'q|r', '12345', 'v.w-x']
  for (let k = 0; k < 5000; k++) {
    const pairs = Array.from({ length: 1 + Math.floor(random() * 6) }, () => [names[Math.floor(random() * names.length)]!, values[Math.floor(random() * values.length)]!] as const)
    const input = pairs.map(([n, v]) => `${n}=${v}`).join('; ')
    t.ok(wellFormed.test(input))
    const kept = pairs.filter(([n]) => n !== 'SERVERID').map(([n, v]) => `${n}=${v}`).join('; ')
    const r = read(input, insertIndirect)
    t.same(forwarded(input, r), kept === '' ? null : kept, input)
    const stripped = pairs.map(([n, v]) => (n === 'JSESSIONID' && v.includes('~') ? `${n}=${v.slice(v.indexOf('~') + 1)}` : `${n}=${v}`)).join('; ')
    const p = read(input, prefix)
    t.equal(forwarded(input, p), stripped, input)
    t.ok(wellFormed.test(stripped))
  }
})

t.test('oversized and duplicated headers are handled in one linear pass', async (t) => {
  const big = Array.from({ length: 20000 }, (_, i) => `c${i}=${'v'.repeat(40)}`).join('; ')
  const r = read(big + '; SERVERID=A', insertIndirect)
  t.equal(r.found?.value, 'A')
  t.equal(r.rewrittenHeader, big)
  const many = Array.from({ length: 5000 }, (_, i) => `SERVERID=s${i}`).join('; ') + '; keep=1'
  const d = read(many, insertIndirect)
  t.equal(d.occurrences.length, 5000)
  t.equal(d.occurrences[4999]?.value, 's4999')
  t.equal(d.rewrittenHeader, 'keep=1')
  const quoted = 'x="' + 'a;'.repeat(50000)
  t.equal(read(quoted + '; SERVERID=A', insertIndirect).found, undefined, 'an unterminated quote swallows the rest, as in HAProxy')
})
