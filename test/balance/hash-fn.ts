import t from 'tap'
import { avalanche, crc32, djb2, hashFunction, sdbm, wt6, type HashFn } from '../../lib/balance/hash-fn.js'

// §2.7 test vectors: key → sdbm, sdbm+avalanche, djb2, wt6, crc32.
const VECTORS: ReadonlyArray<readonly [string, number, number, number, number, number]> = [
  ['/', 47, 2118074832, 177620, 1886637733, 2043925204],
  ['/a', 3083250, 1743195586, 5861557, 1404582375, 1768979292],
  ['/index.html', 858007926, 4217574924, 3776231887, 822151038, 3928116034],
  ['/api/v1/users', 1139031800, 3518830119, 130563397, 2910045164, 3865385976],
]

t.test('§2.7 test vectors', async (t) => {
  for (const [key, s, sa, d, w, c] of VECTORS) {
    t.equal(sdbm(key), s, `sdbm(${key})`)
    t.equal(avalanche(sdbm(key)), sa, `avalanche(sdbm(${key}))`)
    t.equal(djb2(key), d, `djb2(${key})`)
    t.equal(wt6(key), w, `wt6(${key})`)
    t.equal(crc32(key), c, `crc32(${key})`)
  }
})

t.test('crc32 check value', async (t) => {
  t.equal(crc32('123456789'), 0xcbf43926)
})

t.test('full_hash (avalanche) vectors', async (t) => {
  t.equal(avalanche(0), 2874071335)
  t.equal(avalanche(1), 881230262)
  t.equal(avalanche(4096), 1237450891)
  t.equal(avalanche(4097), 2761370759)
  // Only the low 32 bits of the input count: signed and unsigned forms agree.
  t.equal(avalanche(0xffffffff), avalanche(-1))
})

t.test('empty key', async (t) => {
  t.equal(sdbm(''), 0)
  t.equal(djb2(''), 5381)
  t.equal(wt6(''), (0xa53c965a ^ 0x5ca6953a) >>> 0)
  t.equal(crc32(''), 0)
})

// Straightforward byte-oriented references, to check the UTF-8 encoding and the ranges.
const refs: Record<string, (bytes: Uint8Array) => number> = {
  sdbm: (b) => {
    let h = 0
    for (const c of b) h = (c + h * 64 + h * 65536 - h) % 2 ** 32
    return (h + 2 ** 32) % 2 ** 32
  },
  djb2: (b) => {
    let h = 5381
    for (const c of b) h = (h * 33 + c) % 2 ** 32
    return h
  },
  crc32: (b) => {
    let crc = 0xffffffff
    for (const c of b) {
      crc ^= c
      for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1
    }
    return (crc ^ 0xffffffff) >>> 0
  },
  wt6: (b) => {
    const rotl = (x: number, r: number) => (r === 0 ? x : ((x << r) | (x >>> (32 - r))) >>> 0)
    let h0 = 0xa53c965a
    let h1 = 0x5ca6953a
    let r0 = 6
    let r1 = 18
    for (const c of b) {
      const a = ~(h0 ^ c) >>> 0
      const n = ~((h1 + c) >>> 0) >>> 0
      h0 = rotl(n, r0)
      h1 = rotl(a, r1)
      const x = ((h0 >>> 16) ^ h1) & 0xffff
      r0 = x & 31
      r1 = x >>> 11
    }
    return (h0 ^ h1) >>> 0
  },
}
const fns: Record<string, HashFn> = { sdbm, djb2, crc32, wt6 }
const encoder = new TextEncoder()

t.test('non-ASCII keys hash their UTF-8 bytes', async (t) => {
  const keys = [
    'caf\u00e9', // 2-byte
    '\u20ac100', // 3-byte
    'x\u{1f600}y', // surrogate pair → 4 bytes
    '\u07ff\u0800\uffff', // encoding boundaries
    'a\ud800b', // lone high surrogate → U+FFFD
    'a\udc00b', // lone low surrogate → U+FFFD
    'z\ud83d', // high surrogate at the end
    '/\u00fcber/\u{10ffff}?q=\u00e9',
  ]
  for (const name of Object.keys(fns)) {
    for (const key of keys) {
      t.equal(fns[name]!(key), refs[name]!(encoder.encode(key)), `${name}(${JSON.stringify(key)})`)
    }
  }
})

t.test('start/end hash a range without slicing', async (t) => {
  const key = 'GET /api/v1/users?id=5 \u{1f600}\u00e9'
  const ranges: Array<[number, number]> = [
    [4, 17],
    [0, key.length],
    [5, 5],
    [18, 22],
    [23, key.length],
    [23, 24], // cuts the surrogate pair: the high half alone is U+FFFD
  ]
  for (const name of Object.keys(fns)) {
    for (const [s, e] of ranges) {
      t.equal(fns[name]!(key, s, e), fns[name]!(key.slice(s, e)), `${name} [${s}, ${e})`)
    }
  }
  t.equal(sdbm(key, 4, 17), 1139031800, 'range equals the /api/v1/users vector')
})

t.test('hashFunction maps names', async (t) => {
  t.equal(hashFunction('sdbm'), sdbm)
  t.equal(hashFunction('djb2'), djb2)
  t.equal(hashFunction('wt6'), wt6)
  t.equal(hashFunction('crc32'), crc32)
})
