import t from 'tap'
import { bindAddresses, MAX_BIND_RANGE, serverAddress } from '../../../lib/config/haproxy/address.js'
import { expectConfigError } from '../../fixtures/config.js'

const at = { file: 't.cfg', line: 9 }

t.test('server addresses', async (t) => {
  const table: Array<[string, string]> = [
    ['127.0.0.1:8080', '127.0.0.1:8080'],
    ['web-a:5001', 'web-a:5001'],
    ['[::1]:80', '[::1]:80'],
    ['::1:80', '[::1]:80'],
    ['ipv4@10.0.0.1:81', '10.0.0.1:81'],
    ['ipv6@fe80::1:443', '[fe80::1]:443'],
  ]
  for (const [text, want] of table) t.equal(serverAddress(text, at, 'server'), want, text)
  expectConfigError(t, () => serverAddress('192.168.1.10', at, 'server'), 9, 'server', /has no port: forwarding to the port the client connected to is not supported/)
  expectConfigError(t, () => serverAddress('[::1]', at, 'server'), 9, 'server', /has no port/)
  expectConfigError(t, () => serverAddress('host:', at, 'server'), 9, 'server', /has no port/)
  expectConfigError(t, () => serverAddress(':80', at, 'server'), 9, 'server', /missing host in address `:80`/)
  expectConfigError(t, () => serverAddress('*:80', at, 'dispatch'), 9, 'dispatch', /missing host/)
  expectConfigError(t, () => serverAddress('h:+1', at, 'server'), 9, 'server', /port offsets/)
  expectConfigError(t, () => serverAddress('h:0', at, 'server'), 9, 'server', /invalid port `0`/)
  expectConfigError(t, () => serverAddress('h:65536', at, 'server'), 9, 'server', /invalid port `65536`/)
  expectConfigError(t, () => serverAddress('[::1', at, 'server'), 9, 'server', /has no port/)
})

t.test('bind addresses', async (t) => {
  t.same(bindAddresses('*:80', at, 'bind'), [{ host: '0.0.0.0', port: 80 }])
  t.same(bindAddresses(':80', at, 'bind'), [{ host: '0.0.0.0', port: 80 }])
  t.same(bindAddresses('127.0.0.1:0', at, 'bind'), [{ host: '127.0.0.1', port: 0 }])
  t.same(bindAddresses(':::8080', at, 'bind'), [{ host: '::', port: 8080 }])
  t.same(bindAddresses('[::1]:8080', at, 'bind'), [{ host: '::1', port: 8080 }])
  t.same(bindAddresses(':3389,:1494,10.0.0.1:5900', at, 'bind'), [
    { host: '0.0.0.0', port: 3389 },
    { host: '0.0.0.0', port: 1494 },
    { host: '10.0.0.1', port: 5900 },
  ])
  t.same(bindAddresses('*:60000-60002', at, 'bind'), [60000, 60001, 60002].map((port) => ({ host: '0.0.0.0', port })))
  t.equal(bindAddresses(`:1-${MAX_BIND_RANGE}`, at, 'bind').length, MAX_BIND_RANGE)
  expectConfigError(t, () => bindAddresses(`:1-${MAX_BIND_RANGE + 1}`, at, 'bind'), 9, 'bind', /must be ascending and hold at most 1024 ports/)
  expectConfigError(t, () => bindAddresses(':90-80', at, 'bind'), 9, 'bind', /must be ascending/)
  expectConfigError(t, () => bindAddresses(':0-5', at, 'bind'), 9, 'bind', /invalid port `0`/)
  expectConfigError(t, () => bindAddresses('127.0.0.1', at, 'bind'), 9, 'bind', /address `127.0.0.1` has no port/)
  expectConfigError(t, () => bindAddresses('/var/run/x.sock:1', at, 'bind'), 9, 'bind', /only TCP addresses are supported/)
  expectConfigError(t, () => bindAddresses('unix@x:1', at, 'listen'), 9, 'listen', /only TCP addresses/)
  expectConfigError(t, () => bindAddresses(':http', at, 'bind'), 9, 'bind', /invalid port `http`/)
})
