/**
 * Service-time distributions of simulated servers, sampled from a seeded
 * random source. All values are milliseconds and never negative.
 */
import type { Random } from '../types.js'

/** A distribution of durations in milliseconds. */
export type Distribution =
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'exponential'; readonly mean: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  /** Normal, truncated at 0 (negative draws become 0). */
  | { readonly kind: 'normal'; readonly mean: number; readonly sd: number }
  /** Log-normal: `median × e^(sigma × N(0,1))`; its mean is `median × e^(sigma²/2)`. */
  | { readonly kind: 'lognormal'; readonly median: number; readonly sigma: number }

/** A standard normal draw (Box–Muller, one of the pair; two uniforms per draw). */
function gaussian(random: Random): number {
  // 1 - u is in (0, 1]: log never sees 0.
  const u = 1 - random()
  const v = random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/**
 * A sampler of `dist` drawing from `random`. `constant` draws nothing;
 * `exponential` and `uniform` draw once per sample; `normal` and
 * `lognormal` twice.
 */
export function sampler(dist: Distribution, random: Random): () => number {
  switch (dist.kind) {
    case 'constant': {
      const value = dist.value
      return () => value
    }
    case 'exponential': {
      const mean = dist.mean
      return () => -mean * Math.log(1 - random())
    }
    case 'uniform': {
      const { min, max } = dist
      return () => min + (max - min) * random()
    }
    case 'normal': {
      const { mean, sd } = dist
      return () => Math.max(0, mean + sd * gaussian(random))
    }
    case 'lognormal': {
      const { median, sigma } = dist
      return () => median * Math.exp(sigma * gaussian(random))
    }
  }
}

/** The mean of `dist` (the truncation of `normal` at 0 is ignored). */
export function meanOf(dist: Distribution): number {
  switch (dist.kind) {
    case 'constant':
      return dist.value
    case 'exponential':
    case 'normal':
      return dist.mean
    case 'uniform':
      return (dist.min + dist.max) / 2
    case 'lognormal':
      return dist.median * Math.exp((dist.sigma * dist.sigma) / 2)
  }
}
