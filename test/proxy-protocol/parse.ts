import t, { type Test } from 'tap'
import { crc32c } from '../../lib/proxy-protocol/crc32c.js'
import { parseProxyHeader } from '../../lib/proxy-protocol/parse.js'
import type { ProxyParseResult } from '../../lib/proxy-protocol/types.js'

const SIG = '0d0a0d0a000d0a515549540a'
const hexBytes = (hex: string): Buffer => Buffer.from(hex.replace(/ /g, ''), 'hex')
const text = (s: string): Buffer => Buffer.from(s, 'latin1')
/** A version 2 header: ver_cmd, family, then the body (length computed). */
function v2(verCmd: number, family: number, body: string): Buffer {
  const b = hexBytes(body)
  return Buffer.concat([hexBytes(SIG), Buffer.of(verCmd, family, b.length >> 8, b.length & 0xff), b])
}
/** Sets a CRC32C TLV's value (the last 4 bytes) so that it matches. */
function withCrc(header: Buffer): Buffer {
  const copy = Buffer.from(header)
  copy.writeUInt32BE(0, copy.length - 4)
  copy.writeUInt32BE(crc32c(copy), copy.length - 4)
  return copy
}

function ok(t: Test, result: ProxyParseResult): Extract<ProxyParseResult, { status: 'ok' }> {
  t.equal(result.status, 'ok', result.status === 'invalid' ? result.reason : result.status)
  if (result.status !== 'ok') throw new Error('not ok')
  return result
}

/** Every strict prefix of a valid header is incomplete. */
function prefixesIncomplete(t: Test, bytes: Buffer, length: number): void {
  const other: string[] = []
  for (let n = 0; n < length; n++) {
    const r = parseProxyHeader(bytes.subarray(0, n))
    if (r.status !== 'incomplete') other.push(`${n}: ${r.status}`)
  }
  t.same(other, [], `all ${length} strict prefixes are incomplete`)
}

t.test('v1: TCP4 (the line HAProxy sends), with the payload after it', async (t) => {
  const line = 'PROXY TCP4 127.0.0.1 127.0.0.1 38730 8090\r\n'
  const r = ok(t, parseProxyHeader(text(line + 'GET / HTTP/1.0\r\n')))
  t.equal(r.length, line.length)
  t.same(r.header, {
    version: 1,
    command: 'proxy',
    family: 'tcp4',
    source: { address: '127.0.0.1', port: 38730 },
    destination: { address: '127.0.0.1', port: 8090 },
    tlvs: [],
  })
  prefixesIncomplete(t, text(line), line.length)
})

t.test('v1: TCP6 addresses come out canonical; ports with leading zeros accepted (HAProxy)', async (t) => {
  const r = ok(t, parseProxyHeader(text('PROXY TCP6 2001:DB8:0::1 ::FFFF:10.0.0.1 00080 65535\r\n')))
  t.same(r.header.source, { address: '2001:db8::1', port: 80 })
  t.same(r.header.destination, { address: '::ffff:10.0.0.1', port: 65535 })
  t.equal(r.header.family, 'tcp6')
})

t.test('v1: UNKNOWN, alone or followed by anything, keeps the connection addresses', async (t) => {
  for (const line of ['PROXY UNKNOWN\r\n', 'PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n']) {
    const r = ok(t, parseProxyHeader(text(line)))
    t.equal(r.length, line.length)
    t.same(r.header, { version: 1, command: 'local', family: 'unknown', source: undefined, destination: undefined, tlvs: [] })
  }
})

t.test('v1: 107 bytes is the limit, CRLF included', async (t) => {
  const at107 = 'PROXY UNKNOWN ' + 'x'.repeat(107 - 16) + '\r\n'
  t.equal(at107.length, 107)
  t.equal(ok(t, parseProxyHeader(text(at107))).length, 107)
  const at108 = 'PROXY UNKNOWN ' + 'x'.repeat(108 - 16) + '\r\n'
  t.same(parseProxyHeader(text(at108)), { status: 'invalid', reason: 'PROXY v1 header longer than 107 bytes' }, 'CR at byte 107')
  t.same(parseProxyHeader(text(at108.slice(0, 107))), { status: 'invalid', reason: 'PROXY v1 header longer than 107 bytes' }, 'known as soon as the CR is too late')
  const noCr = 'PROXY UNKNOWN ' + 'x'.repeat(200)
  t.same(parseProxyHeader(text(noCr.slice(0, 106))), { status: 'incomplete' })
  t.same(parseProxyHeader(text(noCr.slice(0, 107))), { status: 'invalid', reason: 'PROXY v1 header longer than 107 bytes' })
})

t.test('v1: malformed headers are rejected, as early as the bytes allow', async (t) => {
  const table: Array<[string, string]> = [
    ['X', 'not a PROXY protocol header'],
    ['G', 'not a PROXY protocol header'],
    ['PROXX', 'not a PROXY protocol header'],
    ['PROXY\t', 'not a PROXY protocol header'],
    ['PROXY T', ''],
    ['PROXY Z', 'unknown PROXY v1 protocol'],
    ['PROXY TCP5', 'unknown PROXY v1 protocol'],
    ['PROXY UNKNOWNX\r\n', 'unknown PROXY v1 protocol'],
    ['PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n', 'bare LF in PROXY v1 header'],
    ['PROXY TCP4 1.2.3.4 1.2.3.4 1 2\rX', 'bare CR in PROXY v1 header'],
    ['PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n', 'PROXY v1 header needs 4 fields after the protocol'],
    ['PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n', 'PROXY v1 header needs 4 fields after the protocol'],
    ['PROXY TCP4 1.2.3.4 1.2.3.4 1 2 \r\n', 'PROXY v1 header needs 4 fields after the protocol'],
    ['PROXY TCP4 ::1 1.2.3.4 1 2\r\n', 'invalid TCP4 address in PROXY v1 header'],
    ['PROXY TCP4 1.2.3.4 010.0.0.1 1 2\r\n', 'invalid TCP4 address in PROXY v1 header'],
    ['PROXY TCP4 1.2.3.4 localhost 1 2\r\n', 'invalid TCP4 address in PROXY v1 header'],
    ['PROXY TCP6 1.2.3.4 ::1 1 2\r\n', 'invalid TCP6 address in PROXY v1 header'],
    ['PROXY TCP6 ::1 fe80::1%eth0 1 2\r\n', 'invalid TCP6 address in PROXY v1 header'],
    ['PROXY TCP6 ::1 ::g 1 2\r\n', 'invalid TCP6 address in PROXY v1 header'],
    ['PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n', 'invalid port in PROXY v1 header'],
    ['PROXY TCP4 1.2.3.4 1.2.3.4 1 123456\r\n', 'invalid port in PROXY v1 header'],
    ['PROXY TCP4 1.2.3.4 1.2.3.4 +1 2\r\n', 'invalid port in PROXY v1 header'],
    ['PROXY TCP4 1.2.3.4 1.2.3.4  2\r\n', 'invalid port in PROXY v1 header'],
  ]
  for (const [input, reason] of table) {
    const r = parseProxyHeader(text(input))
    if (reason === '') t.same(r, { status: 'incomplete' }, JSON.stringify(input))
    else t.same(r, { status: 'invalid', reason }, JSON.stringify(input))
  }
})

t.test('v2: the IPv4 header HAProxy sends (§12, observed)', async (t) => {
  const bytes = hexBytes(`${SIG} 21 11 000c 7f000001 7f000001 c746 1f9b`)
  const r = ok(t, parseProxyHeader(Buffer.concat([bytes, text('payload')])))
  t.equal(r.length, 28)
  t.same(r.header, {
    version: 2,
    command: 'proxy',
    family: 'tcp4',
    source: { address: '127.0.0.1', port: 51014 },
    destination: { address: '127.0.0.1', port: 8091 },
    tlvs: [],
  })
  prefixesIncomplete(t, bytes, 28)
})

t.test('v2: IPv6', async (t) => {
  const bytes = v2(0x21, 0x21, '20010db8000000000000000000000001 00000000000000000000ffff0a000002 0001 ffff')
  const r = ok(t, parseProxyHeader(bytes))
  t.equal(r.length, 52)
  t.same(r.header.source, { address: '2001:db8::1', port: 1 })
  t.same(r.header.destination, { address: '::ffff:10.0.0.2', port: 65535 })
  t.equal(r.header.family, 'tcp6')
  prefixesIncomplete(t, bytes, 52)
})

t.test('v2: LOCAL ignores the family and the block; other families carry no addresses', async (t) => {
  const local = ok(t, parseProxyHeader(v2(0x20, 0x00, '')))
  t.same(local, { status: 'ok', length: 16, header: { version: 2, command: 'local', family: 'unknown', source: undefined, destination: undefined, tlvs: [] } })
  const odd = ok(t, parseProxyHeader(v2(0x20, 0x55, 'deadbeef')))
  t.equal(odd.length, 20, 'LOCAL with a nonsense family: its block is skipped')
  t.equal(odd.header.command, 'local')
  for (const family of [0x00, 0x12, 0x22, 0x31, 0x32]) {
    const r = ok(t, parseProxyHeader(v2(0x21, family, '00'.repeat(family >= 0x31 ? 216 : family === 0x22 ? 36 : family === 0x12 ? 12 : 0))))
    t.equal(r.header.command, 'proxy')
    t.equal(r.header.family, 'unknown', `family 0x${family.toString(16)}`)
    t.equal(r.header.source, undefined)
  }
})

t.test('v2: extensions after the addresses', async (t) => {
  // ALPN "h2", a NOOP of length 0, a custom 0xEA of 3 bytes.
  const bytes = v2(0x21, 0x11, '0a000001 0a000002 0050 01bb  01 0002 6832  04 0000  ea 0003 010203')
  const r = ok(t, parseProxyHeader(bytes))
  t.equal(r.length, bytes.length)
  t.same(
    r.header.tlvs.map((x) => [x.type, Buffer.from(x.value).toString('hex')]),
    [
      [0x01, '6832'],
      [0x04, ''],
      [0xea, '010203'],
    ],
  )
  const six = ok(t, parseProxyHeader(v2(0x21, 0x21, '00'.repeat(36) + '05 0001 41')))
  t.same(six.header.tlvs.map((x) => x.type), [5])
  prefixesIncomplete(t, bytes, bytes.length)
})

t.test('v2: a CRC32C extension must match the header', async (t) => {
  const good = withCrc(v2(0x21, 0x11, '7f000001 7f000001 c746 1f9b 03 0004 00000000'))
  const r = ok(t, parseProxyHeader(good))
  t.equal(r.header.tlvs[0]!.type, 3)
  const bad = Buffer.from(good)
  bad[bad.length - 1]! ^= 1
  t.same(parseProxyHeader(bad), { status: 'invalid', reason: 'CRC32C mismatch in PROXY v2 header' })
  const flipped = Buffer.from(good)
  flipped[17]! ^= 1
  t.same(parseProxyHeader(flipped), { status: 'invalid', reason: 'CRC32C mismatch in PROXY v2 header' }, 'an address byte changed')
  t.same(parseProxyHeader(v2(0x21, 0x11, '7f000001 7f000001 c746 1f9b 03 0003 000000')), { status: 'invalid', reason: 'CRC32C TLV of the wrong length' })
})

t.test('v2: malformed headers are rejected, as early as the bytes allow', async (t) => {
  const table: Array<[string, Buffer, string]> = [
    ['signature byte 5', hexBytes('0d0a0d0a0001'), 'not a PROXY protocol header'],
    ['signature last byte', hexBytes('0d0a0d0a000d0a515549540b'), 'not a PROXY protocol header'],
    ['version 1 nibble', hexBytes(`${SIG} 11`), 'unsupported PROXY protocol version'],
    ['version 3 nibble', hexBytes(`${SIG} 31`), 'unsupported PROXY protocol version'],
    ['command 2', hexBytes(`${SIG} 22`), 'unsupported PROXY v2 command'],
    ['family 0x13', hexBytes(`${SIG} 21 13`), 'unsupported PROXY v2 address family'],
    ['family 0x41', hexBytes(`${SIG} 21 41`), 'unsupported PROXY v2 address family'],
    ['TCP4 block of 11 bytes', hexBytes(`${SIG} 21 11 000b`), 'PROXY v2 address block too short for its family'],
    ['TCP6 block of 35 bytes', hexBytes(`${SIG} 21 21 0023`), 'PROXY v2 address block too short for its family'],
    ['truncated TLV header', v2(0x21, 0x11, '00'.repeat(12) + '0100'), 'truncated TLV in PROXY v2 header'],
    ['TLV past the end', v2(0x21, 0x11, '00'.repeat(12) + '01 0003 6832'), 'TLV longer than the PROXY v2 header'],
  ]
  for (const [name, bytes, reason] of table) t.same(parseProxyHeader(bytes), { status: 'invalid', reason }, name)
  t.same(parseProxyHeader(hexBytes(`${SIG} 21`)), { status: 'incomplete' }, 'needs the family byte')
  t.same(parseProxyHeader(hexBytes(`${SIG} 21 11 00`)), { status: 'incomplete' }, 'needs the length')
})

t.test('v2: the length bound', async (t) => {
  const header = v2(0x21, 0x11, '00'.repeat(12) + 'e0 0014' + '00'.repeat(20))
  t.equal(header.length, 51)
  t.equal(ok(t, parseProxyHeader(header, 51)).length, 51)
  t.same(parseProxyHeader(header.subarray(0, 16), 50), { status: 'invalid', reason: 'PROXY v2 header longer than 50 bytes' }, 'known from the length field')
  const max = Buffer.concat([hexBytes(`${SIG} 20 00 ffff`), Buffer.alloc(0xffff)])
  t.equal(ok(t, parseProxyHeader(max)).length, 65551, 'default bound: the largest possible header')
})

t.test('neither version', async (t) => {
  t.same(parseProxyHeader(new Uint8Array(0)), { status: 'incomplete' })
  t.same(parseProxyHeader(text('\x16\x03\x01')), { status: 'invalid', reason: 'not a PROXY protocol header' }, 'a TLS ClientHello')
  t.same(parseProxyHeader(text('GET / HTTP/1.1\r\n')), { status: 'invalid', reason: 'not a PROXY protocol header' })
})
