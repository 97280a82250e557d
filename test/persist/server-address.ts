import t from 'tap'
import { ipBytes, parseServerAddress } from '../../lib/persist/server-address.js'

const show = (a: string): string | undefined => {
  const e = parseServerAddress(a)
  return e === undefined ? undefined : `${[...e.ip].join('.')}#${e.port}`
}

t.test('IPv4 forms', async (t) => {
  t.equal(show('127.0.0.1:9001'), '127.0.0.1#9001')
  t.equal(show('10.0.0.1'), '10.0.0.1#0', 'no port: 0, like a HAProxy server without one')
  t.equal(show('http://10.0.0.1:8080/path?q#f'), '10.0.0.1#8080')
  t.equal(show('http://10.0.0.1'), '10.0.0.1#80')
  t.equal(show('HTTPS://10.0.0.1/'), '10.0.0.1#443', 'scheme is case-insensitive')
  t.equal(show('ws://10.0.0.1?x'), '10.0.0.1#80')
  t.equal(show('wss://user:pw@10.0.0.1#x'), '10.0.0.1#443', 'user info is skipped')
  t.equal(show('tcp://10.0.0.1'), '10.0.0.1#0', 'unknown scheme: no default port')
  t.equal(show('10.0.0.1:65535'), '10.0.0.1#65535')
})

t.test('IPv6 forms', async (t) => {
  t.equal(show('[::1]:80'), '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1#80')
  t.equal(show('[::1]'), '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1#0')
  t.equal(show('::1'), '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1#0', 'bare IPv6 (several colons)')
  t.equal(show('https://[2001:db8::8a2e:370:7334]/'), '32.1.13.184.0.0.0.0.0.0.138.46.3.112.115.52#443')
  t.equal(show('[::ffff:10.0.0.1]:1'), '0.0.0.0.0.0.0.0.0.0.255.255.10.0.0.1#1', 'IPv4-mapped stays 16 bytes')
})

t.test('names and malformed addresses give undefined', async (t) => {
  for (const a of [
    'localhost:80', 'example.com', 'http://example.com:80/', '[::1', '[::1]x', '[::1]:', '10.0.0.1:', '10.0.0.1:65536',
    '10.0.0.1:8o', '10.0.0.1:123456', '', 'http://', '256.0.0.1:80', '1.2.3:80', '[1:2:3:4:5:6:7:8:9]:1',
  ]) {
    t.equal(parseServerAddress(a), undefined, JSON.stringify(a))
  }
})

t.test('ipBytes', async (t) => {
  t.same(ipBytes('192.168.1.11'), Uint8Array.of(192, 168, 1, 11))
  t.same(ipBytes('fe80::1%eth0'), Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), 'zone ignored')
  t.same(ipBytes('1:2:3:4:5:6:7:8'), Uint8Array.of(0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8))
  t.same(ipBytes('1::'), Uint8Array.of(0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
  t.same(ipBytes('::'), new Uint8Array(16))
  t.same(ipBytes('1:2:3:4:5:6:1.2.3.4'), Uint8Array.of(0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4))
  t.same(ipBytes('FFFF::abcd'), Uint8Array.of(255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd), 'hex in both cases')
  for (const bad of ['1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', '12345::', 'g::', '::1.2.3', '::1.2.3.256', '1.2.3.4.5', '01.2.3.4x', 'a']) {
    t.equal(ipBytes(bad), undefined, bad)
  }
})
