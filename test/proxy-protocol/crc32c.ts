import t from 'tap'
import { crc32c, crc32cFinish, crc32cUpdate } from '../../lib/proxy-protocol/crc32c.js'

t.test('CRC-32C check values', async (t) => {
  t.equal(crc32c(Buffer.from('123456789')), 0xe3069283)
  t.equal(crc32c(new Uint8Array(0)), 0)
  t.equal(crc32c(new Uint8Array(32)), 0x8a9136aa, '32 zero bytes (RFC 3720 B.4)')
  t.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43, '32 0xff bytes (RFC 3720 B.4)')
})

t.test('ranges fed in pieces give the same value', async (t) => {
  const data = Buffer.from('The quick brown fox jumps over the lazy dog')
  let crc = crc32cUpdate(0xffffffff, data, 0, 10)
  crc = crc32cUpdate(crc, data, 10, data.length)
  t.equal(crc32cFinish(crc), crc32c(data))
  t.equal(crc32c(data), 0x22620404)
})
