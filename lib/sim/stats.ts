/**
 * Latency statistics of a simulation: a growable list of samples, and
 * nearest-rank percentiles over it.
 */

/** A growable list of numbers (a Float64Array that doubles when full). */
export class SampleList {
  #data = new Float64Array(1024)
  #size = 0

  /** Number of samples. */
  get size(): number {
    return this.#size
  }

  push(value: number): void {
    if (this.#size === this.#data.length) {
      const grown = new Float64Array(this.#data.length * 2)
      grown.set(this.#data)
      this.#data = grown
    }
    this.#data[this.#size++] = value
  }

  /** The samples in ascending order (a new array). */
  sorted(): Float64Array {
    return this.#data.slice(0, this.#size).sort()
  }
}

/** Summary of a set of latencies in milliseconds (all 0 when there is no sample). */
export interface LatencyStats {
  readonly count: number
  readonly mean: number
  readonly min: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly p999: number
  readonly max: number
}

/** The nearest-rank `q`-quantile (0 ≤ q ≤ 1) of ascending `sorted`: the ⌈q·n⌉-th smallest; 0 when empty. */
export function quantile(sorted: Float64Array, q: number): number {
  const n = sorted.length
  if (n === 0) return 0
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)))
  // 1 <= rank <= n.
  return sorted[rank - 1]!
}

/** Count, mean, min, p50, p90, p99, p99.9 and max of ascending `sorted`. */
export function latencyStats(sorted: Float64Array): LatencyStats {
  const n = sorted.length
  let sum = 0
  for (let i = 0; i < n; i++) sum += sorted[i]!
  return {
    count: n,
    mean: n === 0 ? 0 : sum / n,
    min: quantile(sorted, 0),
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
    max: quantile(sorted, 1),
  }
}

/** Quantiles at which a result records its latency distribution: 0, 0.01, … 0.99, then the tail. */
export const CDF_QUANTILES: readonly number[] = [
  ...Array.from({ length: 100 }, (_, i) => i / 100),
  0.995,
  0.999,
  0.9995,
  0.9999,
  1,
]

/** Latency at each of {@link CDF_QUANTILES}. */
export function cdfOf(sorted: Float64Array): number[] {
  return CDF_QUANTILES.map((q) => quantile(sorted, q))
}
