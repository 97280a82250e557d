import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { loadHaproxyConfig } from '../../../lib/config/haproxy/load.js'
import type { LoadedConfig } from '../../../lib/config/types.js'
import { expectConfigError, HAPROXY_FIXTURES, loadFixture } from '../../fixtures/config.js'

type Check = (t: Test, loaded: LoadedConfig) => void

const httpchk = (method: string, path: string, version?: string) => ({ method, path, ...(version === undefined ? {} : { version }) })
const head = (path: string) => httpchk('HEAD', path, 'HTTP/1.0')

/** The section 1 farm: four servers with cookies A..D and an HTTP check. */
function webfarm(t: Test, l: LoadedConfig, backend: string, cookie: Record<string, unknown>, extraServer: Record<string, unknown> = {}): void {
  const b = l.config.backends[backend]!
  t.equal(b.options?.balance, 'roundrobin')
  t.same(b.options?.cookie, cookie)
  t.same(Object.keys(b.servers), ['webA', 'webB', 'webC', 'webD'])
  for (const [i, name] of ['webA', 'webB', 'webC', 'webD'].entries()) {
    t.same(b.servers[name], { address: `127.0.1.${11 + i}:8080`, cookie: name.slice(3), check: { http: head('/index.html') }, ...extraServer }, name)
  }
}

function listenFrontend(t: Test, l: LoadedConfig, name: string, host: string, port: number, mode: 'http' | 'tcp' = 'http'): void {
  const f = l.config.frontends.find((x) => x.name === name)!
  t.equal(f.mode, mode)
  t.same(f.bind, [{ host, port }])
  t.equal(f.defaultBackend, name)
}

const httpcloseWarning = (t: Test, l: LoadedConfig, line: number) =>
  t.same(l.warnings.map((w) => [w.line, w.keyword]), [[line, 'option httpclose']])

const insert = { name: 'SERVERID', mode: 'insert', indirect: true }
const prefix = { name: 'JSESSIONID', mode: 'prefix' }

function multisite(t: Test, l: LoadedConfig, name: string, servers: Record<string, [string, string, number, boolean]>, checkPort?: number): void {
  const b = l.config.backends[name]!
  t.equal(b.options?.redispatch, true)
  for (const [server, [address, cookie, inter, backup]] of Object.entries(servers)) {
    t.same(b.servers[server], {
      address,
      ...(backup ? { backup: true } : {}),
      cookie,
      check: { inter, ...(checkPort === undefined ? {} : { port: backup ? checkPort : checkPort }), http: head('/') },
    }, server)
  }
}

function layer7(t: Test, l: LoadedConfig, listen: string, dispatch: string, prefixServers: string[], site: number): void {
  t.same(l.config.global, { grace: 20000 })
  const b = l.config.backends[listen]!
  t.same(b.options, { balance: 'roundrobin', forwardFor: true, cookie: prefix })
  prefixServers.forEach((w, i) => {
    t.same(b.servers[w], { address: `127.${site}.2.${i + 1}:8080`, cookie: w, check: { inter: 2000, port: 8081, http: head('/') } })
    t.same(b.servers[`B${w.slice(1)}`], { address: `127.${site}.2.${i + 1}:8080`, backup: true, cookie: w, check: { inter: 4000, port: 8080, http: head('/') } })
  })
  const tcp = l.config.frontends.find((f) => f.mode === 'tcp')!
  t.same(tcp.bind, [{ host: `127.${site}.1.11`, port: 8081 }])
  t.same(l.config.backends[tcp.name], { servers: { dispatch: { address: dispatch } } })
}

const guide = (version: string): Record<string, Check> => ({
  [`guide-${version}-01-cookie-insert.cfg`]: (t, l) => {
    listenFrontend(t, l, 'webfarm', '127.0.1.1', 8080)
    webfarm(t, l, 'webfarm', insert)
    t.same(l.warnings, [])
  },
  [`guide-${version}-02-httpclose.cfg`]: (t, l) => {
    webfarm(t, l, 'webfarm', insert)
    httpcloseWarning(t, l, version === '1.1.34' ? 14 : 15)
  },
  [`guide-${version}-03-httpclose-forwardfor.cfg`]: (t, l) => {
    webfarm(t, l, 'webfarm', insert)
    t.equal(l.config.backends['webfarm']!.options?.forwardFor, true)
    httpcloseWarning(t, l, version === '1.1.34' ? 14 : 15)
  },
  [`guide-${version}-06-cookie-prefix.cfg`]: (t, l) => {
    webfarm(t, l, 'webfarm', prefix)
    t.equal(l.config.backends['webfarm']!.options?.forwardFor, true)
  },
  [`guide-${version}-08-alteon-httplog.cfg`]: (t, l) => {
    listenFrontend(t, l, 'webfarm', '127.0.0.1', 8080)
    webfarm(t, l, 'webfarm', prefix)
    t.equal(l.config.frontends[0]!.log, 'http')
    t.same(l.warnings.map((w) => w.keyword), ['option httpclose', 'option dontlognull'])
  },
  [`guide-${version}-09-tse-proxy.cfg`]: (t, l) => {
    const f = l.config.frontends[0]!
    t.equal(f.mode, 'tcp')
    t.same(f.bind, [3389, 1494, 5900].map((port) => ({ host: '0.0.0.0', port })))
    t.same(f.tcp, { monitorNet: ['127.0.1.252/31'] })
    t.same(l.config.backends['tse-proxy'], { options: { balance: 'roundrobin' }, servers: { 'tse-farm': { address: '127.0.1.10:3389' } } })
  },
  [`guide-${version}-11-ssl-offload-nameless-listen.cfg`]: (t, l) => {
    listenFrontend(t, l, '127.0.0.1:8000', '127.0.0.1', 8000)
    webfarm(t, l, '127.0.0.1:8000', { ...insert, nocache: true })
    t.same(l.warnings.map((w) => [w.keyword, w.message]), [['listen', '`listen` without a name: named `127.0.0.1:8000` after its address']])
  },
  [`guide-${version}-13-persist-redispatch.cfg`]: (t, l) => {
    const b = l.config.backends['127.0.1.1:8080']!
    t.same(b.options, { balance: 'roundrobin', timeouts: { connect: 5000 }, redispatch: true, cookie: insert, persist: true })
    t.same(b.servers['webC'], { address: '127.0.1.13:8080', cookie: 'C', check: { inter: 2000, rise: 2, fall: 2, http: head('/running') } })
    t.equal(Object.keys(b.servers).length, 4)
  },
  [`guide-${version}-14-backup-check-port.cfg`]: (t, l) => {
    const b = l.config.backends['127.0.1.1:8080']!
    t.same(b.options, { balance: 'roundrobin', redispatch: true, cookie: insert })
    t.same(b.servers['webA'], { address: '127.0.1.11:8080', cookie: 'A', check: { inter: 2000, port: 8081, http: head('/') } })
    t.same(b.servers['bkpD'], { address: '127.0.1.14:8080', backup: true, cookie: 'D', check: { inter: 2000, port: 8080, http: head('/') } })
    t.equal(Object.keys(b.servers).length, 8)
  },
  [`guide-${version}-15-check-redirector-dispatch.cfg`]: (t, l) => {
    listenFrontend(t, l, '127.0.0.1:8081', '127.0.0.1', 8081, 'tcp')
    t.same(l.config.frontends[0]!.tcp, { timeouts: { connect: 1000, client: 10000, server: 10000 } })
    t.same(l.config.backends['127.0.0.1:8081'], { options: { timeouts: { connect: 1000, server: 10000 } }, servers: { dispatch: { address: '127.0.0.1:8080' } } })
    t.same(l.warnings.map((w) => w.keyword), ['daemon', 'quiet', 'pidfile', 'listen'])
  },
})

const CHECKS: Record<string, Check> = {
  ...guide('1.1.34'),
  ...guide('1.1.32'),
  'guide-1.1.34-04-httpclose-originalto.cfg': (t, l) => {
    webfarm(t, l, 'webfarm', insert)
    t.equal(l.config.backends['webfarm']!.options?.originalTo, true)
    httpcloseWarning(t, l, 14)
  },
  'guide-1.1.34-05-balance-source.cfg': (t, l) => {
    t.equal(l.config.backends['webfarm']!.options?.balance, 'source')
    t.same(l.config.backends['webfarm']!.options?.cookie, insert)
  },
  'guide-1.1.34-07-weights.cfg': (t, l) => {
    const s = l.config.backends['webfarm']!.servers
    t.same(['webA', 'webB', 'webC', 'webD'].map((n) => s[n]!.weight), [12, 12, 26, 26])
    t.same(s['webD'], { address: '127.0.1.14:8080', weight: 26, cookie: 'D', check: { http: head('/index.html') } })
  },
  'guide-1.1.34-10-tcp-syslog-ssl-hello.cfg': (t, l) => {
    t.same(l.config.frontends[0]!.bind, [{ host: '0.0.0.0', port: 1514 }])
    t.same(l.config.backends['tcp-syslog-proxy']!.servers, {
      'syslog-prod-site': { address: '127.0.1.10:1514', check: { type: 'ssl-hello' } },
      'syslog-back-site': { address: '127.0.2.10:1514', backup: true, check: { type: 'ssl-hello' } },
    })
  },
  'guide-1.1.34-12-forwardfor-except.cfg': (t, l) => {
    webfarm(t, l, '127.0.1.1:8080', { ...insert, nocache: true })
    t.same(l.config.backends['127.0.1.1:8080']!.options?.forwardFor, { except: ['127.0.1.1'] })
  },
  'guide-1.1.34-16-multisite-op1.cfg': (t, l) => {
    t.same(l.config.backends['127.0.1.1:8080']!.options?.cookie, { name: 'SITE' })
    multisite(t, l, '127.0.1.1:8080', { SD1: ['127.1.1.1:8080', 'SITE1', 30000, false], SD2: ['127.2.1.1:8080', 'SITE2', 60000, true] })
  },
  'guide-1.1.34-17-multisite-op2.cfg': (t, l) => {
    multisite(t, l, '127.0.2.1:8080', { SD1: ['127.1.1.1:8080', 'SITE1', 30000, false], SD2: ['127.2.1.1:8080', 'SITE2', 60000, true] })
  },
  'guide-1.1.34-18-multisite-op3.cfg': (t, l) => {
    multisite(t, l, '127.0.3.1:8080', { SD2: ['127.2.1.1:8080', 'SITE2', 30000, false], SD1: ['127.1.1.1:8080', 'SITE1', 60000, true] })
  },
  'guide-1.1.34-19-multisite-sd1.cfg': (t, l) => {
    t.same(l.config.backends['127.1.1.1:8080']!.options?.cookie, { name: 'SITE', mode: 'insert', indirect: true })
    multisite(t, l, '127.1.1.1:8080', { S1L1: ['127.1.1.11:8080', 'SITE1', 4000, false], S2L2: ['127.2.1.12:8080', 'SITE2', 8000, true] }, 8081)
  },
  'guide-1.1.34-20-multisite-sd2.cfg': (t, l) => {
    multisite(t, l, '127.2.1.1:8080', { S2L1: ['127.2.1.11:8080', 'SITE2', 4000, false], S1L2: ['127.1.1.12:8080', 'SITE1', 8000, true] }, 8081)
  },
  'guide-1.1.34-21-multisite-s1l1.cfg': (t, l) => layer7(t, l, '127.1.1.11:8080', '127.1.1.11:8080', ['W11', 'W12', 'W13', 'W14'], 1),
  'guide-1.1.34-22-multisite-s2l1.cfg': (t, l) => layer7(t, l, '127.2.1.11:8080', '127.2.1.11:8080', ['W21', 'W22', 'W23', 'W24'], 2),
  'guide-1.1.34-23-source-addresses.cfg': (t, l) => {
    const f = l.config.frontends[0]!
    t.equal(f.mode, 'tcp')
    const servers = l.config.backends[f.name]!.servers
    t.equal(Object.keys(servers).length, 8)
    for (let i = 1; i <= 8; i++) {
      t.same(servers[`from${i}to1`], { address: '127.1.1.1:8080', source: `127.1.2.${i}` })
      t.same(f.tcp?.servers?.[`from${i}to1`], { source: `127.1.2.${i}` })
    }
  },
  'guide-1.1.34-24-queueing-maxconn.cfg': (t, l) => {
    const f = l.config.frontends[0]!
    t.equal(f.maxconn, 10000)
    const b = l.config.backends['appfarm']!
    // contimeout also bounds the queue (timeouts.queue defaults to connect); fullconn = 10000 / 10.
    t.same(b.options, { balance: 'roundrobin', fullconn: 1000, timeouts: { connect: 60000 }, forwardFor: true, cookie: insert })
    t.same(b.servers['railsB'], { address: '127.0.1.12:8080', maxconn: 4, cookie: 'B', check: { http: head('/index.html') } })
  },
  'guide-1.1.34-25-queueing-minconn.cfg': (t, l) => {
    t.same(l.config.frontends[0]!.http, { abortOnClose: true })
    const b = l.config.backends['appfarm']!
    t.same(b.options, { balance: 'roundrobin', fullconn: 1000, timeouts: { connect: 60000 }, forwardFor: true })
    t.same(b.servers, Object.fromEntries(['A', 'B', 'C'].map((c, i) => [`rails${c}`, { address: `127.0.1.${11 + i}:8080`, maxconn: 12, minconn: 4, check: true }])))
  },
  'leofs-gateways.cfg': (t, l) => {
    t.same(l.config.global, { maxconn: 90000, spreadChecks: 5 })
    const f = l.config.frontends[0]!
    t.same(f.bind, [{ host: '127.0.0.1', port: 8080 }])
    t.equal(f.maxconn, 90000)
    t.equal(f.log, 'http')
    t.equal(f.defaultBackend, undefined)
    t.same(f.http?.rules?.request, [{ action: 'use-backend', backend: 'leofs_backend' }])
    const b = l.config.backends['leofs_backend']!
    t.same(b.options, { balance: 'roundrobin', allbackups: true, fullconn: 9000, timeouts: { connect: 5000, server: 35000 }, retries: 3, redispatch: true, idleTimeout: 4500 })
    t.same(b.servers['gw2'], {
      address: '127.0.0.13:8081',
      weight: 1,
      maxconn: 10000,
      check: { timeout: 3000, connectTimeout: 5000, http: { ...httpchk('GET', '/_leofs_adm/ping', 'HTTP/1.1'), headers: [['Host', 's3.amazonaws.com']] } },
    })
    t.same(l.warnings.map((w) => [w.line, w.keyword]), [[5, 'log'], [6, 'log'], [7, 'user'], [8, 'group'], [13, 'log'], [14, 'option dontlognull'], [17, 'option httpclose'], [29, 'capture']])
  },
  'leofs-timeouts.cfg': (t, l) => {
    t.same(l.config, { frontends: [], backends: { leofs_backend: { options: { timeouts: { server: 35000, tunnel: 600000 } }, servers: { gw0: { address: '127.0.0.11:8081' } } } } })
  },
  'leofs-keepalive.cfg': (t, l) => {
    t.same(l.config.backends['leofs_backend']!.options, { idleTimeout: 29000 })
  },
  'flask-project.cfg': (t, l) => {
    t.same(l.config.global, { maxconn: 4096 })
    const f = l.config.frontends[0]!
    t.same(f.bind, [{ host: '0.0.0.0', port: 60000 }, { host: '0.0.0.0', port: 60001 }])
    t.same(f.http, { timeouts: { client: 10000 } })
    const b = l.config.backends['flask_servers']!
    // The frontend's `option forwardfor` applies to the backend it routes to; fullconn = ceil(4096 / 10).
    t.same(b.options, { balance: 'roundrobin', fullconn: 410, timeouts: { connect: 5000, server: 10000 }, forwardFor: true, cookie: { name: 'SERVER', mode: 'insert', indirect: true, nocache: true } })
    t.same(b.servers['web-a'], { address: '127.0.0.1:5001', cookie: 'web-a', check: { rise: 5, fall: 1, http: httpchk('GET', '/status') } })
    t.same(b.servers['web-b'], { address: '127.0.0.1:5002', cookie: 'web-b', check: { rise: 5, fall: 1, http: httpchk('GET', '/status') } })
  },
  'blog-small-setup.cfg': (t, l) => {
    t.same(l.config, {
      global: { maxconn: 256 },
      frontends: [{ name: 'httptraffic', mode: 'http', bind: [{ host: '0.0.0.0', port: 8080 }], defaultBackend: 'servers', http: { timeouts: { client: 10000 } }, log: 'http' }],
      backends: {
        servers: {
          options: { fullconn: 26, timeouts: { connect: 5000, server: 10000 }, retries: 3, redispatch: true },
          servers: { web1: { address: '127.0.1.1:8080', maxconn: 32 }, web2: { address: '127.0.1.2:8080', maxconn: 32 }, web3: { address: '127.0.1.3:8080', maxconn: 32 } },
        },
      },
    })
  },
  'blog-websockets.cfg': (t, l) => {
    const rules = l.config.frontends[0]!.http?.rules
    t.same(rules?.acls?.['is_websocket'], { kind: 'path', match: { op: 'prefix', values: ['/websockets'], ignoreCase: true } })
    t.same(rules?.request, [{ if: { kind: 'acl', name: 'is_websocket' }, action: 'use-backend', backend: 'ws' }])
    t.same(l.config.backends['ws'], { options: { timeouts: { tunnel: 3_600_000 } }, servers: { ws1: { address: '127.0.1.4:8080', maxconn: 1000 } } })
  },
}

t.test('every fixture has checks and loads with the expected values', async (t) => {
  const files = readdirSync(HAPROXY_FIXTURES).filter((f) => f.endsWith('.cfg')).sort()
  t.same(files, Object.keys(CHECKS).sort(), 'one check per fixture')
  for (const file of files) t.test(file, async (t) => CHECKS[file]!(t, loadFixture(file)))
})

t.test('the Flask write-up as published names an undefined backend', async (t) => {
  const text = readFileSync(join(HAPROXY_FIXTURES, 'flask-project.cfg'), 'utf8').replace('\ndefault_backend flask_servers', '\ndefault_backend backend_servers')
  const line = text.split('\n').findIndex((l) => l.startsWith('default_backend')) + 1
  expectConfigError(t, () => loadHaproxyConfig(text, { file: 't.cfg' }), line, 'default_backend', /backend `backend_servers` is not defined/)
})
