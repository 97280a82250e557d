import t from 'tap'
import { xxh64 } from '../../lib/persist/xxh64.js'

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))
const hex = (h: bigint): string => h.toString(16).padStart(16, '0')

// Vectors: the first three are the published XXH64 test values (xxHash README /
// sanity tests); all were checked against the system's reference libxxhash 0.8.1
// (XXH64 via ctypes) for seeds 0, 1 and 0x9E3779B185EBCA87. The inputs cover every
// code path: < 4, 4..7, 8..31 bytes (tail loops) and >= 32 bytes (stripes).
const VECTORS: ReadonlyArray<readonly [string, Uint8Array, string, string, string]> = [
  ['empty', bytes(''), 'ef46db3751d8e999', 'd5afba1336a3be4b', '6ec6d05f61c7e7a7'],
  ['a', bytes('a'), 'd24ec4f1a98c6e5b', 'dec2bc81c3cd46c6', '727c10e0d238e188'],
  ['abc', bytes('abc'), '44bc2cf5ad770999', 'bea9ca8199328908', 'a7cb2aac405e36c7'],
  ['39 bytes', bytes('Nobody inspects the spammish repetition'), 'fbcea83c8a378bf1', '43f425448d954db6', '9d24e6a5798d51e1'],
  ['0..255', Uint8Array.from({ length: 256 }, (_, i) => i), '1facbe8406cd904b', 'beec1eb06d6a56f7', '0b8d47fe1516af3e'],
  ['31 x', bytes('x'.repeat(31)), '60dd0d01083b99f0', 'cf1671eda3e87085', '0cbe8c70f400ea76'],
  ['32 x', bytes('x'.repeat(32)), 'e2df261fc2ec30eb', '926d5508ef687acb', 'e9d4d41add98fbb1'],
  ['33 x', bytes('x'.repeat(33)), 'b3fa465f554208a6', 'a3b9c1a7bdea3d1c', 'f491b6f51b58b03a'],
  ['112 bytes', bytes('0123456789abcdef'.repeat(7)), '2f73e81718bc25df', '581ac04bf31503f9', 'b64c778867418fe1'],
]

t.test('reference vectors, three seeds', async (t) => {
  for (const [name, input, s0, s1, sBig] of VECTORS) {
    t.equal(hex(xxh64(input)), s0, `${name}, seed 0`)
    t.equal(hex(xxh64(input, 1n)), s1, `${name}, seed 1`)
    t.equal(hex(xxh64(input, 0x9e3779b185ebca87n)), sBig, `${name}, seed 0x9E3779B185EBCA87`)
  }
})

t.test('the result is an unsigned 64-bit value', async (t) => {
  for (const [, input] of VECTORS) {
    const h = xxh64(input)
    t.ok(h >= 0n && h < 2n ** 64n)
  }
})
