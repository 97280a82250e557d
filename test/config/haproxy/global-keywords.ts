import t from 'tap'
import { GLOBAL_KEYWORDS } from '../../../lib/config/haproxy/global-keywords.js'
import { expectConfigError, load } from '../../fixtures/config.js'

t.test('mapped global keywords', async (t) => {
  const l = load(['global', 'maxconn 4096', 'hard-stop-after 30s', 'spread-checks 5', 'tune.bufsize 32k', 'tune.http.maxhdr 200', 'listen l', 'mode http', 'bind :80', 'server s 127.0.0.1:1'])
  t.same(l.config.global, { maxconn: 4096, hardStopAfter: 30000, spreadChecks: 5 })
  t.equal(l.config.backends['l']!.options?.bufferSize, 32768)
  t.equal(l.config.frontends[0]!.http?.maxHeaders, 200)
  t.same(l.warnings, [])
})

t.test('tune.bufsize also sizes the TCP handler buffers', async (t) => {
  const l = load(['global', 'tune.bufsize 8k', 'listen l', 'bind :80', 'server s 127.0.0.1:1'])
  t.same(l.config.frontends[0]!.tcp, { bufferSize: 8192 })
})

t.test('process keywords are accepted with a warning each', async (t) => {
  const ignored = [
    'user haproxy',
    'group haproxy',
    'uid 99',
    'gid 99',
    'chroot /var/empty',
    'daemon',
    'master-worker',
    'nbproc 2',
    'nbthread 4',
    'cpu-map 1 0',
    'pidfile /run/haproxy.pid',
    'ulimit-n 65536',
    'node lb1',
    'description x',
    'quiet',
    'debug',
    'log-send-hostname',
    'log-tag x',
    'log 127.0.0.1 local0',
    'log stdout format raw local0',
    'stats socket /run/haproxy.sock mode 600 level admin',
    'stats timeout 30s',
    'stats maxconn 10',
    'stats bind-process 1',
    'ssl-server-verify none',
    'ssl-default-bind-ciphers X',
    'ssl-default-bind-options no-sslv3',
    'ssl-default-server-ciphers X',
    'ssl-default-server-options no-sslv3',
    'tune.ssl.default-dh-param 2048',
    'crt-base /etc/ssl',
    'maxsslconn 100',
    'maxpipes 10',
    'nosplice',
    'noepoll',
    'nopoll',
    'server-state-file /x',
    'insecure-fork-wanted',
    'expose-experimental-directives',
    'tune.maxaccept 64',
  ]
  const l = load(['global', ...ignored])
  t.same(l.config, { frontends: [], backends: {} })
  t.same(l.warnings.map((w) => [w.line, w.keyword]), ignored.map((line, i) => [i + 2, line.split(' ')[0]]))
  t.match(l.warnings[0]!.message, /^`user` has no effect in switchyard: process management/)
  t.match(l.warnings[20]!.message, /^`stats socket` has no effect in switchyard: there is no stats socket/)
  t.match(l.warnings.at(-1)!.message, /^`tune.maxaccept` has no effect in switchyard$/)
  t.equal(l.warnings[0]!.file, 't.cfg')
  // Every table entry is exercised above (plus the mapped ones).
  const used = new Set([...ignored.map((x) => x.split(' ')[0]), 'maxconn', 'hard-stop-after', 'spread-checks', 'tune.bufsize', 'tune.http.maxhdr', 'ca-base'])
  t.same(Object.keys(GLOBAL_KEYWORDS).filter((k) => !used.has(k)), [])
})

t.test('global errors', async (t) => {
  expectConfigError(t, () => load(['global', 'maxconn']), 2, 'maxconn', /expected `maxconn <number>`, got no argument/)
  expectConfigError(t, () => load(['global', 'maxconn 0']), 2, 'maxconn', /expected an integer ≥ 1, got `0`/)
  expectConfigError(t, () => load(['global', 'hard-stop-after 1 2']), 2, 'hard-stop-after', /expected `hard-stop-after <time>`, got `1 2`/)
  expectConfigError(t, () => load(['global', 'spread-checks 51']), 2, 'spread-checks', /expected an integer 0\.\.50, got `51`/)
  expectConfigError(t, () => load(['global', 'spread-checks']), 2, 'spread-checks', /expected `spread-checks <0\.\.50>`/)
  expectConfigError(t, () => load(['global', 'tune.bufsize']), 2, 'tune.bufsize', /expected `tune.bufsize <size>`/)
  expectConfigError(t, () => load(['global', 'tune.http.maxhdr 0']), 2, 'tune.http.maxhdr', /expected an integer 1\.\.10000/)
  expectConfigError(t, () => load(['global', 'tune.http.maxhdr']), 2, 'tune.http.maxhdr', /expected `tune.http.maxhdr <number>`/)
  expectConfigError(t, () => load(['global', 'ca-base']), 2, 'ca-base', /expected `ca-base <dir>`/)
  expectConfigError(t, () => load(['global', 'stats enable']), 2, 'stats', /unknown global `stats enable`/)
  expectConfigError(t, () => load(['global', 'stats']), 2, 'stats', /unknown global `stats `/)
  expectConfigError(t, () => load(['global', 'lua-load x.lua']), 2, 'lua-load', /unknown keyword in the `global` section/)
  expectConfigError(t, () => load(['global', 'no maxconn']), 2, 'no', /unknown keyword in the `global` section/)
})
