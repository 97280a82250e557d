/**
 * A seeded pseudo-random generator for the simulator: xoshiro128** (Blackman
 * and Vigna), seeded through splitmix32, so that the same seed gives the same
 * sequence on every run and every platform (32-bit integer arithmetic only).
 */
import type { Random } from '../types.js'

/** splitmix32: one step of the seeding sequence. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0
  let z = state.s
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/**
 * A uniform random source in [0, 1) for `seed` and `stream`. Different
 * streams of one seed are independent sequences, so that, say, the arrivals of
 * a scenario stay the same whatever the balancer draws.
 * @param seed any integer (taken modulo 2^32)
 * @param stream which sequence of the seed, default 0
 */
export function createPrng(seed: number, stream = 0): Random {
  const init = { s: (seed ^ Math.imul(stream + 1, 0x632be5ab)) | 0 }
  let a = splitmix32(init)
  let b = splitmix32(init)
  let c = splitmix32(init)
  let d = splitmix32(init)
  // xoshiro's state must not be all zeros: splitmix32's output is a bijection of its state and the
  // four states differ, so at most one of the four words is zero.
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0
    const t = b << 9
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = rotl(d, 11)
    return result / 4294967296
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
