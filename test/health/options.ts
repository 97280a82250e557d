import t from 'tap'
import { resolveServerHealth } from '../../lib/health/options.js'
import * as defaults from '../../lib/options/defaults.js'

t.test('HAProxy defaults (§13)', (t) => {
  const r = resolveServerHealth({ check: true })
  t.same(r, {
    check: {
      type: 'tcp',
      probe: undefined,
      policy: { rise: 2, fall: 3 },
      intervals: { inter: 2000, fastinter: 2000, downinter: 2000 },
      timeout: 0,
      connectTimeout: 0,
      addr: undefined,
      port: undefined,
      tls: undefined,
      http: undefined,
    },
    agent: undefined,
    observe: undefined,
    slowstart: 0,
    initialState: 'up',
    shutdownOnDown: false,
    shutdownBackupsOnUp: false,
  })
  t.same(
    [defaults.DEFAULT_CHECK_INTER, defaults.DEFAULT_CHECK_RISE, defaults.DEFAULT_CHECK_FALL, defaults.DEFAULT_AGENT_INTER, defaults.DEFAULT_ERROR_LIMIT, defaults.DEFAULT_ON_ERROR],
    [2000, 2, 3, 2000, 10, 'fail-check'],
  )
  t.same(resolveServerHealth({}), { ...r, check: undefined }, 'no check, no agent: never checked')
  t.equal(resolveServerHealth({ check: false }).check, undefined)
  t.end()
})

t.test('fastinter and downinter default to inter', (t) => {
  t.same(resolveServerHealth({ check: { inter: 500 } }).check!.intervals, { inter: 500, fastinter: 500, downinter: 500 })
  t.same(resolveServerHealth({ check: { inter: 1000, fastinter: 200, downinter: 3000 } }).check!.intervals, { inter: 1000, fastinter: 200, downinter: 3000 })
  t.end()
})

t.test('HTTP checks: `option httpchk` defaults, host and headers', (t) => {
  t.same(resolveServerHealth({ check: { type: 'http' } }).check!.http, {
    method: 'OPTIONS',
    path: '/',
    version: 'HTTP/1.0',
    headers: [],
    body: undefined,
    expect: undefined,
    disableOn404: false,
  })
  const c = resolveServerHealth({ check: { http: { method: 'GET', path: '/health', version: 'HTTP/1.1', host: 'app', headers: { 'x-check': '1' }, disableOn404: true } } }).check!
  t.equal(c.type, 'http', 'http implies the type')
  t.same(c.http!.headers, [['Host', 'app'], ['x-check', '1']])
  t.equal(c.http!.disableOn404, true)
  t.same(resolveServerHealth({ check: { http: { host: 'a', headers: [['host', 'b']] } } }).check!.http!.headers, [['host', 'b']], 'an explicit Host header wins')
  t.equal(resolveServerHealth({ check: { type: 'ssl-hello' } }).check!.http, undefined)
  t.end()
})

t.test('agent and observe', (t) => {
  t.same(resolveServerHealth({ agent: { port: 9999 } }).agent, { port: 9999, addr: undefined, send: undefined, inter: 2000, timeout: 0, connectTimeout: 0, probe: undefined })
  t.same(resolveServerHealth({ check: true, observe: 'layer7' }).observe, { mode: 'layer7', errorLimit: 10, onError: 'fail-check' })
  t.same(resolveServerHealth({ check: true, observe: { mode: 'layer4', errorLimit: 3, onError: 'mark-down' } }).observe, { mode: 'layer4', errorLimit: 3, onError: 'mark-down' })
  const probe = () => ({ status: 'CHECKED' as const, reply: 'up\n' })
  t.equal(resolveServerHealth({ agent: { probe } }).agent!.probe, probe, 'a custom agent probe needs no port')
  t.end()
})

t.test('invariants the machine relies on', (t) => {
  const bad: [string, Parameters<typeof resolveServerHealth>[0]][] = [
    ['rise 0', { check: { rise: 0 } }],
    ['fall 1.5', { check: { fall: 1.5 } }],
    ['inter 0', { check: { inter: 0 } }],
    ['fastinter -1', { check: { fastinter: -1 } }],
    ['timeout -1', { check: { timeout: -1 } }],
    ['agent without port', { agent: {} }],
    ['agent inter 0', { agent: { port: 1, inter: 0 } }],
    ['observe without check', { observe: 'layer4' }],
    ['error limit 0', { check: true, observe: { mode: 'layer7', errorLimit: 0 } }],
    ['slowstart -1', { slowstart: -1 }],
  ]
  for (const [name, options] of bad) t.throws(() => resolveServerHealth(options), { code: 'SWY_ERR_INVALID_OPTION' }, name)
  t.end()
})
