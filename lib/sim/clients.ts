/**
 * Which client sends each request of a sticky-session simulation: uniformly
 * among `count` clients, or with a popularity skew (client `i` weighted
 * `1 / (i + 1)^skew`, Zipf for skew 1), from a seeded random stream.
 */
import type { Random } from '../types.js'

/** Draws client numbers `0 … count − 1`. */
export class ClientPicker {
  readonly #count: number
  readonly #random: Random
  /** Cumulative weights (normalised, last = 1) when skewed; undefined when uniform. */
  readonly #cdf: Float64Array | undefined

  /**
   * @param count number of clients (≥ 1)
   * @param skew 0 = uniform; otherwise client `i` is weighted `1 / (i + 1)^skew`
   */
  constructor(count: number, skew: number, random: Random) {
    this.#count = count
    this.#random = random
    if (skew === 0) {
      this.#cdf = undefined
      return
    }
    const cdf = new Float64Array(count)
    let sum = 0
    for (let i = 0; i < count; i++) {
      sum += 1 / (i + 1) ** skew
      cdf[i] = sum
    }
    for (let i = 0; i < count; i++) cdf[i] = cdf[i]! / sum
    this.#cdf = cdf
  }

  /** The client of the next request (one random draw). */
  next(): number {
    const u = this.#random()
    const cdf = this.#cdf
    if (cdf === undefined) return Math.floor(u * this.#count)
    // The first client whose cumulative weight exceeds u (binary search).
    let lo = 0
    let hi = this.#count - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid]! > u) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}
