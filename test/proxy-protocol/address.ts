import t from 'tap'
import { formatIPv4, formatIPv6 } from '../../lib/proxy-protocol/address.js'

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/ /g, ''), 'hex'))

t.test('formatIPv4: dotted quad at an offset', async (t) => {
  t.equal(formatIPv4(bytes('ff 7f000001'), 1), '127.0.0.1')
  t.equal(formatIPv4(bytes('00000000'), 0), '0.0.0.0')
  t.equal(formatIPv4(bytes('ffffffff'), 0), '255.255.255.255')
})

t.test('formatIPv6: glibc inet_ntop output', async (t) => {
  const table: Array<[string, string]> = [
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000ffff7f000001', '::ffff:127.0.0.1'],
    ['000000000000000000000000c0000201', '::192.0.2.1'],
    ['00000000000000000000fffe7f000001', '::fffe:7f00:1'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010db8000100010001000100010001', '2001:db8:1:1:1:1:1:1'],
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
    ['10000000000000000000000000000000', '1000::'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['00010000000000000000000000000000', '1::'],
    ['abcdef0123456789abcdef0123456789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
    ['00000001000000000000000000000000', '0:1::'],
    ['00000000000000000000000000000002', '::2'],
    ['000000000000ffff0000000000000000', '0:0:0:ffff::'],
  ]
  for (const [hex, text] of table) t.equal(formatIPv6(bytes(hex), 0), text, hex)
  t.equal(formatIPv6(bytes('aa 00000000000000000000000000000001'), 1), '::1', 'at an offset')
})
