import t from 'tap'
import { isSwitchyardError } from '../../lib/errors.js'
import { createCookiePolicy, isCookieLogged } from '../../lib/persist/policy.js'
import type { CookiePolicyOptions } from '../../lib/persist/types.js'

/** The field named by the error `createCookiePolicy(options)` throws, or 'accepted'. */
function rejected(options: CookiePolicyOptions): unknown {
  try {
    createCookiePolicy(options)
    return 'accepted'
  } catch (err) {
    return isSwitchyardError(err) && err.code === 'SWY_ERR_INVALID_OPTION' ? err.details['field'] : err
  }
}

t.test('defaults: passive, every option off', async (t) => {
  const p = createCookiePolicy({ name: 'SERVERID' })
  t.same(p, {
    name: 'SERVERID', mode: 'passive', indirect: false, nocache: false, postonly: false, preserve: false,
    httponly: false, secure: false, domains: [], attrs: [], maxidle: 0, maxlife: 0, dynamic: false, dynamicKey: undefined,
  })
  t.ok(Object.isFrozen(p))
  t.ok(Object.isFrozen(p.domains))
  t.ok(Object.isFrozen(p.attrs))
})

t.test('every option is carried; arrays are copied', async (t) => {
  const domains = ['.example.com', '.example.org']
  const p = createCookiePolicy({
    name: 'SRV', mode: 'insert', indirect: true, nocache: true, postonly: true, preserve: true, httponly: true, secure: true,
    domains, attrs: ['SameSite=Lax', 'Partitioned'], maxidle: 1_800_000, maxlife: 86_400_000, dynamic: true, dynamicKey: 'k',
  })
  domains.push('.x')
  t.same(p.domains, ['.example.com', '.example.org'])
  t.same([p.mode, p.indirect, p.nocache, p.postonly, p.preserve, p.httponly, p.secure, p.maxidle, p.maxlife, p.dynamic, p.dynamicKey],
    ['insert', true, true, true, true, true, true, 1_800_000, 86_400_000, true, 'k'])
  t.same(p.attrs, ['SameSite=Lax', 'Partitioned'])
})

t.test('what HAProxy refuses', async (t) => {
  t.equal(rejected({ name: '' }), 'cookie.name')
  t.equal(rejected({ name: 'a b' }), 'cookie.name')
  t.equal(rejected({ name: 'a=b' }), 'cookie.name')
  t.equal(rejected({ name: 'a;b' }), 'cookie.name')
  t.equal(rejected({ name: '$Version' }), 'cookie.name')
  t.equal(rejected({ name: 7 as unknown as string }), 'cookie.name')
  t.equal(rejected({ name: 'S', mode: 'bogus' as 'insert' }), 'cookie.mode')
  t.equal(rejected({ name: 'S', mode: 'rewrite', indirect: true }), 'cookie.indirect')
  t.equal(rejected({ name: 'S', preserve: true }), 'cookie.preserve')
  t.equal(rejected({ name: 'S', mode: 'prefix', preserve: true }), 'cookie.preserve')
  t.equal(rejected({ name: 'S', mode: 'insert', domains: ['bad domain'] }), 'cookie.domains')
  t.equal(rejected({ name: 'S', mode: 'insert', domains: [''] }), 'cookie.domains')
  t.equal(rejected({ name: 'S', mode: 'insert', domains: ['a;b'] }), 'cookie.domains')
  t.equal(rejected({ name: 'S', mode: 'insert', attrs: ['a;b'] }), 'cookie.attrs')
  t.equal(rejected({ name: 'S', mode: 'insert', attrs: ['a\nb'] }), 'cookie.attrs')
  t.equal(rejected({ name: 'S', mode: 'insert', attrs: ['a\u007f'] }), 'cookie.attrs')
  t.equal(rejected({ name: 'S', mode: 'insert', attrs: [''] }), 'cookie.attrs')
  t.equal(rejected({ name: 'S', maxidle: -1 }), 'cookie.maxidle')
  t.equal(rejected({ name: 'S', maxidle: 999 }), 'cookie.maxidle')
  t.equal(rejected({ name: 'S', maxlife: Number.NaN }), 'cookie.maxlife')
  t.equal(rejected({ name: 'S', maxlife: Number.POSITIVE_INFINITY }), 'cookie.maxlife')
  t.equal(rejected({ name: 'S', dynamicKey: 3 as unknown as string }), 'cookie.dynamicKey')
})

t.test('what HAProxy accepts', async (t) => {
  t.doesNotThrow(() => createCookiePolicy({ name: "!#$%&'*+-.^_`|~09AZaz" }), 'all token characters (a $ inside)')
  t.doesNotThrow(() => createCookiePolicy({ name: 'S', indirect: true, preserve: true }), 'preserve with indirect')
  t.doesNotThrow(() => createCookiePolicy({ name: 'S', mode: 'insert', preserve: true }), 'preserve with insert')
  t.doesNotThrow(() => createCookiePolicy({ name: 'S', mode: 'prefix', indirect: true }), 'prefix + indirect (not recommended)')
  t.doesNotThrow(() => createCookiePolicy({ name: 'S', mode: 'insert', domains: ['a-b_c.d'], attrs: ['SameSite=None; '.slice(0, 13)] }))
  t.equal(createCookiePolicy({ name: 'S', maxidle: 1000 }).maxidle, 1000, 'one second is the minimum')
  t.equal(createCookiePolicy({ name: 'S', dynamic: true }).dynamicKey, undefined, 'dynamic without a key is allowed (no values)')
})

t.test('isCookieLogged: HAProxy prints -- unless a mode or indirect is set', async (t) => {
  t.equal(isCookieLogged(createCookiePolicy({ name: 'S' })), false)
  t.equal(isCookieLogged(createCookiePolicy({ name: 'S', indirect: true })), true)
  for (const mode of ['insert', 'prefix', 'rewrite'] as const) t.equal(isCookieLogged(createCookiePolicy({ name: 'S', mode })), true, mode)
})
