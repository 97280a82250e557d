import t from 'tap'
import { SERVER_KEYWORDS } from '../../../lib/config/haproxy/server-keywords.js'
import { expectConfigError, load } from '../../fixtures/config.js'

const server = (options: string, ...extra: string[]) => load(['backend b', 'mode http', ...extra, `server s 127.0.0.1:8080 ${options}`]).config.backends['b']!.servers['s']

t.test('every server keyword', async (t) => {
  const table: Array<[string, Record<string, unknown>]> = [
    ['', {}],
    ['weight 0', { weight: 0 }],
    ['weight 256', { weight: 256 }],
    ['maxconn 32', { maxconn: 32 }],
    ['minconn 4 maxconn 12', { minconn: 4, maxconn: 12 }],
    ['maxqueue 10', { maxqueue: 10 }],
    ['id 7', { id: 7 }],
    ['backup', { backup: true }],
    ['backup no-backup', { backup: false }],
    ['disabled', { disabled: true }],
    ['disabled enabled', { disabled: false }],
    ['cookie A', { cookie: 'A' }],
    ['ssl', { ssl: true }],
    ['ssl no-ssl', { ssl: false }],
    ['ssl verify none', { ssl: true, verify: 'none' }],
    ['ssl verify required sni str(api.example.com)', { ssl: true, verify: 'required', sni: 'api.example.com' }],
    ['source 127.0.0.2', { source: '127.0.0.2' }],
    ['check', { check: true }],
    ['check no-check', {}],
    ['check inter 2s fastinter 500 downinter 1m rise 5 fall 1', { check: { inter: 2000, fastinter: 500, downinter: 60000, rise: 5, fall: 1 } }],
    ['check port 81 addr 127.0.0.9', { check: { addr: '127.0.0.9', port: 81 } }],
    ['check check-ssl', { check: { tls: true } }],
    // Check settings without `check` are ignored, as in HAProxy.
    ['inter 1000 rise 3', {}],
    ['agent-check agent-port 9999', { agent: { port: 9999 } }],
    ['agent-check agent-port 9999 agent-inter 5s agent-addr 127.0.0.3 agent-send ping', { agent: { port: 9999, addr: '127.0.0.3', send: 'ping', inter: 5000 } }],
    ['agent-check no-agent-check agent-port 1', {}],
    ['check observe layer7', { check: true, observe: 'layer7' }],
    ['check observe layer4 error-limit 5 on-error mark-down', { check: true, observe: { mode: 'layer4', errorLimit: 5, onError: 'mark-down' } }],
    ['check observe layer4 on-error sudden-death', { check: true, observe: { mode: 'layer4', onError: 'sudden-death' } }],
    ['slowstart 30s', { slowstart: 30000 }],
    ['init-state fully-down', { initialState: 'fully-down' }],
    ['on-marked-down shutdown-sessions', { shutdownOnDown: true }],
    ['on-marked-up shutdown-backup-sessions', { shutdownBackupsOnUp: true }],
  ]
  for (const [options, want] of table) t.same(server(options), { address: '127.0.0.1:8080', ...want }, options)
})

t.test('send-proxy and source reach the TCP handler per server', async (t) => {
  const l = load(['listen l', 'bind :80', 'server a 127.0.0.1:1 send-proxy', 'server b 127.0.0.1:2 send-proxy-v2 source 127.0.0.5', 'server c 127.0.0.1:3 send-proxy no-send-proxy', 'server d 127.0.0.1:4'])
  t.same(l.config.frontends[0]!.tcp, { servers: { a: { sendProxy: 'v1' }, b: { sendProxy: 'v2', source: '127.0.0.5' }, c: { sendProxy: false } } })
  t.same(l.config.backends['l']!.servers['b'], { address: '127.0.0.1:2', source: '127.0.0.5' })
})

t.test('ca-file is read relative to the configuration (or ca-base)', async (t) => {
  const reads: string[] = []
  const readFile = (path: string) => {
    reads.push(path)
    return path.endsWith('.pem') ? '-----BEGIN CERTIFICATE-----' : Buffer.from('x')
  }
  const lines = ['backend b', 'mode http', 'server s 127.0.0.1:443 ssl verify required ca-file ca.pem', 'server t 127.0.0.1:443 ssl ca-file /abs/ca.pem']
  const l = load(lines, { file: '/etc/haproxy/haproxy.cfg', readFile })
  t.equal(l.config.backends['b']!.servers['s']!.ca, '-----BEGIN CERTIFICATE-----')
  const based = load(['global', 'ca-base certs', ...lines.slice(0, 3)], { file: '/etc/haproxy/haproxy.cfg', readFile })
  const absolute = load(['global', 'ca-base /pki', ...lines.slice(0, 3)], { file: 'rel/haproxy.cfg', readFile })
  t.equal(based.config.backends['b']!.servers['s']!.ca, '-----BEGIN CERTIFICATE-----')
  t.equal(absolute.config.backends['b']!.servers['s']!.ca, '-----BEGIN CERTIFICATE-----')
  t.same(reads, ['/etc/haproxy/ca.pem', '/abs/ca.pem', '/etc/haproxy/certs/ca.pem', '/pki/ca.pem'])
  const buffer = load(['backend b', 'mode http', 'server s 127.0.0.1:443 ssl ca-file ca.crt'], { readFile })
  t.equal(buffer.config.backends['b']!.servers['s']!.ca, 'x')
  t.same(reads.at(-1), 'ca.crt')
  expectConfigError(t, () => load(lines), 3, 'server', /cannot read `ca.pem`: pass the `readFile` option/)
  expectConfigError(
    t,
    () => load(lines, { readFile: () => { throw new Error('ENOENT: no such file') } }),
    3,
    'server',
    /cannot read `ca.pem`: ENOENT: no such file/,
  )
})

t.test('options accepted with a warning', async (t) => {
  const l = load(['backend b', 'server s 127.0.0.1:1 pool-max-conn 10 non-stick resolvers dns check'])
  t.same(l.config.backends['b']!.servers['s'], { address: '127.0.0.1:1', check: true })
  t.same(l.warnings.map((w) => [w.line, w.keyword]), [[2, 'server'], [2, 'server'], [2, 'server']])
  t.match(l.warnings[0]!.message, /`pool-max-conn` has no effect in switchyard/)
  t.match(l.warnings[1]!.message, /`non-stick` has no effect/)
})

t.test('server errors', async (t) => {
  const bad: Array<[string, string, RegExp]> = [
    ['bogus', 'bogus', /unknown `server` option/],
    ['weight', 'weight', /missing value/],
    ['weight 300', 'weight', /expected an integer 0\.\.256, got `300`/],
    ['id 0', 'id', /expected an integer ≥ 1/],
    ['check inter 0', 'inter', /must be greater than 0/],
    ['check inter 2x', 'inter', /expected a time/],
    ['check rise 0', 'rise', /expected an integer ≥ 1/],
    ['check port 70000', 'port', /expected an integer 1\.\.65535/],
    ['observe layer9', 'observe', /expected one of layer4, layer7, got `layer9`/],
    ['on-error reboot', 'on-error', /expected one of fastinter, fail-check, sudden-death, mark-down/],
    ['init-state maybe', 'init-state', /expected one of up, fully-up, down, fully-down/],
    ['on-marked-down nothing', 'on-marked-down', /expected one of shutdown-sessions/],
    ['on-marked-up nothing', 'on-marked-up', /expected one of shutdown-backup-sessions/],
    ['verify maybe', 'verify', /expected one of none, required/],
    ['sni req.hdr(host)', 'sni', /only `str\(<name>\)` is supported/],
    ['slowstart x', 'slowstart', /expected a time/],
    ['resolvers', 'resolvers', /missing value/],
  ]
  for (const [options, keyword, reason] of bad) expectConfigError(t, () => server(options), 3, keyword, reason)
  // Validation of the whole server, as addServer does it.
  expectConfigError(t, () => server('observe layer4'), 3, 'server', /observe/)
  expectConfigError(t, () => server('agent-check'), 3, 'server', /agent-port/)
  expectConfigError(t, () => server('cookie a;b'), 3, 'cookie', /server "s" of backend "b": invalid cookie value `a;b`/)
  expectConfigError(t, () => load(['backend b', 'server s 127.0.0.1:1 check', 'server s 127.0.0.1:2']), 3, 'server', /duplicate server `s` in `b`/)
  expectConfigError(t, () => load(['backend b', 'server s']), 2, 'server', /expected `server <name> <address>\[:port\] \[options\]`/)
  expectConfigError(t, () => load(['backend b', 'server s exa mple:80']), 2, 'server', /address `exa` has no port/)
  expectConfigError(t, () => load(['backend b', 'server s bad/host:80']), 2, 'server', /Expected a server address/)
})

t.test('the table has no untested entry', async (t) => {
  const tested = 'weight maxconn minconn maxqueue id backup no-backup disabled enabled cookie ssl no-ssl verify sni source check no-check inter fastinter downinter rise fall port addr check-ssl agent-check agent-port agent-inter agent-addr agent-send no-agent-check observe error-limit on-error slowstart init-state on-marked-down on-marked-up ca-file send-proxy send-proxy-v2 no-send-proxy'.split(' ')
  t.same(Object.keys(SERVER_KEYWORDS).filter((k) => !tested.includes(k)), [])
})
