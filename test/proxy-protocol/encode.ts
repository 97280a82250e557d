import t from 'tap'
import { encodeProxyV1, encodeProxyV2 } from '../../lib/proxy-protocol/encode.js'
import { parseProxyHeader } from '../../lib/proxy-protocol/parse.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const SIG = '0d0a0d0a000d0a515549540a'

t.test('v1: the bytes HAProxy sends (§12, observed)', async (t) => {
  t.equal(encodeProxyV1({ address: '127.0.0.1', port: 38730 }, { address: '127.0.0.1', port: 8090 }), 'PROXY TCP4 127.0.0.1 127.0.0.1 38730 8090\r\n')
  t.equal(encodeProxyV1({ address: '10.0.0.1', port: 0 }, { address: '192.168.255.254', port: 65535 }), 'PROXY TCP4 10.0.0.1 192.168.255.254 0 65535\r\n')
})

t.test('v1: TCP6 when either side is IPv6, the IPv4 side mapped; canonical text', async (t) => {
  const table: Array<[string, string, string]> = [
    ['2001:db8::1', '2001:db8::2', 'PROXY TCP6 2001:db8::1 2001:db8::2 1234 443\r\n'],
    ['10.1.2.3', '2001:DB8:0:0:0:0:0:2', 'PROXY TCP6 ::ffff:10.1.2.3 2001:db8::2 1234 443\r\n'],
    ['::1', '127.0.0.1', 'PROXY TCP6 ::1 ::ffff:127.0.0.1 1234 443\r\n'],
    ['::ffff:127.0.0.1', '::ffff:127.0.0.1', 'PROXY TCP6 ::ffff:127.0.0.1 ::ffff:127.0.0.1 1234 443\r\n'],
    ['fe80::1%lo', '::', 'PROXY TCP6 fe80::1 :: 1234 443\r\n'],
  ]
  for (const [src, dst, line] of table) {
    t.equal(encodeProxyV1({ address: src, port: 1234 }, { address: dst, port: 443 }), line, `${src} → ${dst}`)
  }
})

t.test('v1: UNKNOWN when an address is missing or unusable', async (t) => {
  const ok = { address: '127.0.0.1', port: 1 }
  const cases: Array<[string, Parameters<typeof encodeProxyV1>[0], Parameters<typeof encodeProxyV1>[1]]> = [
    ['no source', undefined, ok],
    ['no destination', ok, undefined],
    ['not an IP', { address: 'localhost', port: 1 }, ok],
    ['empty address', { address: '', port: 1 }, ok],
    ['port too large', ok, { address: '127.0.0.1', port: 65536 }],
    ['negative port', { address: '127.0.0.1', port: -1 }, ok],
    ['fractional port', { address: '127.0.0.1', port: 1.5 }, ok],
  ]
  for (const [name, src, dst] of cases) t.equal(encodeProxyV1(src, dst), 'PROXY UNKNOWN\r\n', name)
})

t.test('v2: the IPv4 header HAProxy sends (§12, observed)', async (t) => {
  const bytes = encodeProxyV2({ address: '127.0.0.1', port: 0xc746 }, { address: '127.0.0.1', port: 0x1f9b })
  t.equal(hex(bytes), `${SIG}2111000c7f0000017f000001c7461f9b`)
  t.equal(bytes.length, 28)
})

t.test('v2: IPv6 (family 0x21, length 36), IPv4 side mapped', async (t) => {
  const bytes = encodeProxyV2({ address: '2001:db8::1', port: 1 }, { address: '10.0.0.2', port: 0xffff })
  t.equal(
    hex(bytes),
    SIG + '21' + '21' + '0024' + '20010db8000000000000000000000001' + '00000000000000000000ffff0a000002' + '0001' + 'ffff',
  )
  t.equal(bytes.length, 52)
})

t.test('v2: LOCAL with an unspecified family and no addresses when they are unusable', async (t) => {
  t.equal(hex(encodeProxyV2(undefined, undefined)), `${SIG}20000000`)
  t.equal(hex(encodeProxyV2({ address: 'x', port: 1 }, { address: '127.0.0.1', port: 1 })), `${SIG}20000000`)
})

t.test('what is encoded parses back to the same endpoints', async (t) => {
  const pairs: Array<[string, string]> = [
    ['192.0.2.1', '198.51.100.7'],
    ['2001:db8::5', '2001:db8::6'],
  ]
  for (const [src, dst] of pairs) {
    const source = { address: src, port: 40000 }
    const destination = { address: dst, port: 25 }
    for (const bytes of [Buffer.from(encodeProxyV1(source, destination), 'latin1'), encodeProxyV2(source, destination)]) {
      const result = parseProxyHeader(bytes)
      t.equal(result.status, 'ok')
      if (result.status !== 'ok') continue
      t.same(result.header.source, source)
      t.same(result.header.destination, destination)
      t.equal(result.length, bytes.length)
    }
  }
})
