import t from 'tap'
import { parseSwitchyardConfig, SwitchyardConfigSchema } from '../../lib/config/schema.js'
import { isSwitchyardError } from '../../lib/errors.js'

function errorOf(value: unknown): string {
  try {
    parseSwitchyardConfig(value)
  } catch (err) {
    return isSwitchyardError(err) ? `${err.code}: ${err.message}` : `not a SwitchyardError: ${String(err)}`
  }
  return 'no error'
}

const VALID = {
  global: { maxconn: 100, hardStopAfter: 5000, grace: 0, spreadChecks: 5 },
  frontends: [
    { name: 'www', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'web', http: { monitorUri: '/up', timeouts: { client: 1000 } }, log: 'http', stats: { uri: '/stats', refresh: 0 }, maxconn: 10 },
    { name: 'db', mode: 'tcp', bind: [{ host: '*', port: 5432, acceptProxy: true }], defaultBackend: 'pg', tcp: { timeouts: { connect: 100, tunnel: 0 }, retries: 2, redispatch: true, server: { sendProxy: 'v2' }, servers: { a: { sendProxy: false } }, monitorNet: ['10.0.0.0/8'] } },
  ],
  backends: {
    web: { options: { balance: 'leastconn', retries: 1, forwardFor: { except: ['127.0.0.0/8'] } }, servers: { s1: { address: '127.0.0.1:8080', weight: 10, check: { inter: 2000 } } } },
    pg: { servers: { a: { address: '127.0.0.1:5433' } } },
  },
}

t.test('a valid configuration parses; mode defaults to http', (t) => {
  const config = parseSwitchyardConfig(VALID)
  t.equal(config.frontends[0]!.mode, 'http')
  t.equal(config.frontends[1]!.mode, 'tcp')
  t.same(config.backends['web']!.servers['s1'], { address: '127.0.0.1:8080', weight: 10, check: { inter: 2000 } })
  t.same(parseSwitchyardConfig({ frontends: [], backends: {} }), { frontends: [], backends: {} })
  t.ok(SwitchyardConfigSchema)
  t.end()
})

t.test('errors name the path, the value and the rule', (t) => {
  const cases: [unknown, RegExp][] = [
    [null, /^SWY_ERR_CONFIG: Invalid configuration: \(config\): .*object/],
    [{ frontends: [] }, /backends: .*record/],
    [{ ...VALID, extra: 1 }, /unknown key `extra`/],
    [{ ...VALID, global: { maxConn: 1 } }, /global: unknown key `maxConn`/],
    [{ ...VALID, global: { spreadChecks: 51 } }, /global\.spreadChecks: .*got 51/],
    [{ frontends: [{ name: 'a', bind: [{ host: '127.0.0.1', port: 70000 }] }], backends: {} }, /frontends\[0\]\.bind\[0\]\.port: .*got 70000/],
    [{ frontends: [{ name: 'a', bind: [] }], backends: {} }, /frontends\[0\]\.bind: /],
    [{ frontends: [{ name: 'a', mode: 'udp', bind: [{ host: 'h', port: 1 }] }], backends: {} }, /frontends\[0\]\.mode: .*got "udp"/],
    [{ frontends: [{ name: 'a', bind: [{ host: 'h', port: 1 }], http: { log: 'x' } }], backends: {} }, /frontends\[0\]\.http: unknown key `log`/],
    [{ frontends: [], backends: { b: { servers: { s: { address: 'h:1', weight: 999 } } } } }, /backends\.b\.servers\.s\.weight: .*got 999/],
    [{ frontends: [], backends: { b: { options: { maxConn: 1 }, servers: {} } } }, /backends\.b\.options: unknown key `maxConn`/],
    [{ frontends: [], backends: { b: { servers: { s: { address: 'h:1', note: 'x'.repeat(80) } } } } }, /unknown key `note`/],
    [{ frontends: [{ name: 'a', bind: [{ host: 'h', port: 1 }], tcp: { server: { sendProxy: 'v3' } } }], backends: {} }, /frontends\[0\]\.tcp\.server\.sendProxy/],
    [{ frontends: [{ name: 'a', bind: [{ host: 'x'.repeat(80), port: -1 }] }], backends: {} }, /port: .*got -1/],
    [{ frontends: [{ name: 'a', bind: [{ host: 'h', port: 1 }], defaultBackend: 'nope' }], backends: {} }, /frontends\[0\]\.defaultBackend: no backend named "nope"/],
    [{ frontends: [{ name: 'a', bind: [{ host: 'h', port: 1 }] }, { name: 'a', bind: [{ host: 'h', port: 2 }] }], backends: {} }, /frontends\[1\]\.name: duplicate frontend "a"/],
  ]
  for (const [value, pattern] of cases) t.match(errorOf(value), pattern, JSON.stringify(value).slice(0, 60))
  t.match(errorOf({ frontends: [{ name: 'a', bind: [{ host: 'x'.repeat(80), port: 1.5 }] }], backends: {} }), /got 1\.5$/)
  t.match(errorOf({ frontends: 'x'.repeat(100), backends: {} }), /frontends: .*got "x{56}\.\.\.$/, 'long values are shortened')
  t.end()
})
