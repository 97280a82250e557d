import t from 'tap'
import { expectInvalid } from '../fixtures/invalid.js'
import { NetworkList, isMapped, parseAddress, parseIPv4, parseNetwork, plainAddress } from '../../lib/rules/ip.js'

function words(text: string): [number, 0 | 4 | 6, number[]] {
  const out = new Uint32Array(4)
  const family = parseAddress(text, 0, text.length, out)
  return [family, family, [...out]]
}

t.test('parseIPv4: strict dotted quads, no leading zeros', async (t) => {
  t.equal(parseIPv4('0.0.0.0', 0, 7), 0)
  t.equal(parseIPv4('255.255.255.255', 0, 15), 0xffffffff)
  t.equal(parseIPv4('10.1.2.3', 0, 8), 0x0a010203)
  t.equal(parseIPv4('x10.1.2.3y', 1, 9), 0x0a010203, 'range inside a longer text')
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.', '1..2.3', '1234.1.1.1', '.1.2.3', '1.2.3.4x', '010.0.0.1', '1.02.3.4', '00.1.1.1']) {
    t.equal(parseIPv4(bad, 0, bad.length), -1, JSON.stringify(bad))
  }
  t.equal(parseIPv4('0.0.0.0', 0, 7), 0, 'a single 0 is fine')
})

t.test('parseAddress: IPv4 as mapped, IPv6 forms, zone ignored', async (t) => {
  const table: Array<[string, 4 | 6, number[]]> = [
    ['1.2.3.4', 4, [0, 0, 0xffff, 0x01020304]],
    ['::ffff:1.2.3.4', 6, [0, 0, 0xffff, 0x01020304]],
    ['::FFFF:0102:0304', 6, [0, 0, 0xffff, 0x01020304]],
    ['::', 6, [0, 0, 0, 0]],
    ['::1', 6, [0, 0, 0, 1]],
    ['1::', 6, [0x00010000, 0, 0, 0]],
    ['2001:db8::1', 6, [0x20010db8, 0, 0, 1]],
    ['2001:db8:1:2:3:4:5:6', 6, [0x20010db8, 0x00010002, 0x00030004, 0x00050006]],
    ['1:2:3:4:5:6:7::', 6, [0x00010002, 0x00030004, 0x00050006, 0x00070000]],
    ['1:2:3:4:5:6:1.2.3.4', 6, [0x00010002, 0x00030004, 0x00050006, 0x01020304]],
    ['fe80::1%eth0', 6, [0xfe800000, 0, 0, 1]],
    ['abcd:ef01::', 6, [0xabcdef01, 0, 0, 0]],
  ]
  for (const [text, family, expected] of table) {
    const [f, , w] = words(text)
    t.equal(f, family, `${text} family`)
    t.same(w, expected, `${text} words`)
  }
  const bad = [
    '', 'abc', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', ':1', '1:', '1:2:3:4:5:6:7:8::', '1:2:3:4:5:6:7',
    '::g', '::1.2.3', '1:2:3:4:5:6:7:1.2.3.4', '::1a.2.3.4', 'unix:/tmp/sock', '1:2:3:4:5:6:7:8:', '::1g', '1:2;3::', '%eth0', '[::1]', ':',
  ]
  for (const text of bad) t.equal(words(text)[0], 0, JSON.stringify(text))
  // A range stops before a colon that follows it in the text.
  const out = new Uint32Array(4)
  t.equal(parseAddress('1:2::x', 0, 2, out), 0, '"1:" inside a longer text is not read past its end')
  t.equal(parseAddress(':1::', 0, 1, out), 0, 'a lone colon at the end of the range')
  t.equal(parseAddress('1.2.3.4%x', 0, 9, out), 4, 'a zone after an IPv4 address is ignored too')
})

t.test('isMapped and plainAddress', async (t) => {
  const out = new Uint32Array(4)
  parseAddress('::ffff:10.0.0.1', 0, 15, out)
  t.ok(isMapped(out))
  parseAddress('::1', 0, 3, out)
  t.notOk(isMapped(out))
  t.equal(plainAddress('::ffff:10.0.0.1'), '10.0.0.1')
  t.equal(plainAddress('::ffff:a:b'), '::ffff:a:b', 'hex form stays')
  t.equal(plainAddress('10.0.0.1'), '10.0.0.1')
  t.equal(plainAddress('2001:db8::1'), '2001:db8::1')
  t.equal(plainAddress(''), '')
})

t.test('parseNetwork: prefixes, dotted masks, host bits cleared', async (t) => {
  t.same(parseNetwork('10.0.0.0/8'), { words: [0, 0, 0xffff, 0x0a000000], prefix: 104, v4: true })
  t.same(parseNetwork('10.1.2.3/8'), { words: [0, 0, 0xffff, 0x0a000000], prefix: 104, v4: true }, 'host bits cleared')
  t.same(parseNetwork('10.1.2.3'), { words: [0, 0, 0xffff, 0x0a010203], prefix: 128, v4: true }, 'bare address = /32')
  t.same(parseNetwork('10.0.0.0/255.255.0.0'), { words: [0, 0, 0xffff, 0x0a000000], prefix: 112, v4: true })
  t.same(parseNetwork('0.0.0.0/0'), { words: [0, 0, 0xffff, 0], prefix: 96, v4: true })
  t.same(parseNetwork('0.0.0.0/0.0.0.0'), { words: [0, 0, 0xffff, 0], prefix: 96, v4: true })
  t.same(parseNetwork('2001:db8::/32'), { words: [0x20010db8, 0, 0, 0], prefix: 32, v4: false })
  t.same(parseNetwork('2001:db8:ffff::/33'), { words: [0x20010db8, 0x80000000, 0, 0], prefix: 33, v4: false })
  t.same(parseNetwork('::/0'), { words: [0, 0, 0, 0], prefix: 0, v4: false })
  t.same(parseNetwork('::1'), { words: [0, 0, 0, 1], prefix: 128, v4: false })
  for (const bad of ['10.0.0.0/33', '10.0.0.0/', '/8', '10.0.0.0/x', '10.0.0.0/255.0.255.0', '10.0.0.0/255.0.0', '::/129', '::/ffff::', 'fe80::1%eth0/64', 'example.com', '10.0.0.0/-1', '10.0.0.0/1234']) {
    t.equal(parseNetwork(bad), undefined, bad)
  }
})

t.test('NetworkList: IPv4, IPv6 and IPv4-mapped clients', async (t) => {
  const list = NetworkList.compile(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1'], 'allow')
  t.same(list.entries, ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1'])
  const table: Array<[string, boolean]> = [
    ['10.0.0.0', true],
    ['10.255.255.255', true],
    ['11.0.0.0', false],
    ['9.255.255.255', false],
    ['192.168.1.7', true],
    ['192.168.1.8', false],
    ['::ffff:10.1.2.3', true],
    ['::ffff:11.1.2.3', false],
    ['2001:db8::5', true],
    ['2001:db9::5', false],
    ['::1', true],
    ['::2', false],
    ['fe80::1%eth0', false],
    ['not an address', false],
    ['', false],
  ]
  for (const [address, expected] of table) t.equal(list.has(address), expected, address)
  t.ok(list.hasRange('x10.2.3.4,', 1, 9), 'range form')
})

t.test('NetworkList: IPv6 over the mapped range and IPv4 ranges merged', async (t) => {
  const mapped = NetworkList.compile('::ffff:10.0.0.0/104', 'x')
  t.ok(mapped.has('10.9.9.9'), 'an IPv6 network over ::ffff:0:0/96 matches plain IPv4')
  t.notOk(mapped.has('11.0.0.1'))
  const all6 = NetworkList.compile(['::/0'], 'x')
  t.ok(all6.has('2001:db8::1'))
  t.ok(all6.has('1.2.3.4'), '::/0 covers the mapped range too')
  const all4 = NetworkList.compile(['0.0.0.0/0'], 'x')
  t.ok(all4.has('1.2.3.4'))
  t.notOk(all4.has('2001:db8::1'), 'an IPv4 network never matches a native IPv6 client')
  t.notOk(all4.has('2002:a00:1::'), 'no 6to4 mapping (HAProxy maps 2002::/16; switchyard does not)')
  // Overlapping and adjacent ranges merge; bisection finds each.
  const merged = NetworkList.compile(['10.0.0.0/24', '10.0.1.0/24', '10.0.0.128/25', '10.0.3.0/24', '1.1.1.1', '10.0.0.0/23'], 'x')
  const probes: Array<[string, boolean]> = [
    ['10.0.0.5', true],
    ['10.0.1.255', true],
    ['10.0.2.0', false],
    ['10.0.3.9', true],
    ['10.0.4.0', false],
    ['1.1.1.1', true],
    ['1.1.1.0', false],
    ['0.0.0.1', false],
    ['255.255.255.255', false],
  ]
  for (const [address, expected] of probes) t.equal(merged.has(address), expected, address)
  t.notOk(NetworkList.compile([], 'x').has('1.2.3.4'), 'empty list')
})

t.test('NetworkList.compile rejects malformed entries naming field and value', async (t) => {
  for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.256', '1.2.3.4/8/9', '']) {
    expectInvalid(t, () => NetworkList.compile(['10.0.0.0/8', bad], 'acls.office.networks'), { value: bad, field: 'acls.office.networks' }, bad)
  }
  expectInvalid(t, () => NetworkList.compile([42 as unknown as string], 'f'), { value: 42, field: 'f' })
  t.ok(NetworkList.compile(' 10.0.0.0/8 ', 'f').has('10.1.1.1'), 'blanks around an entry are ignored')
})
