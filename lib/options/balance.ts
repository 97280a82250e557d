/**
 * The `balance` option: schema (zod, boundary only) and its resolution into
 * the core's {@link BalanceConfig}.
 */
import { z } from 'zod'
import type { BalanceConfig, HashKeySpec } from '../balance/types.js'
import {
  DEFAULT_ACTIVE_REQUEST_BIAS,
  DEFAULT_EWMA_DECAY,
  DEFAULT_EWMA_FAILURE_PENALTY,
  DEFAULT_HASH_FUNCTION,
  DEFAULT_LEAST_REQUEST_CHOICES,
  DEFAULT_RANDOM_DRAWS,
} from './defaults.js'
import { parseOptions } from './parse.js'

const hashFunction = z.enum(['sdbm', 'djb2', 'wt6', 'crc32'])
const hashCommon = {
  /** HAProxy `hash-type map-based|consistent`. @default 'map-based' */
  hashType: z.enum(['map-based', 'consistent']).optional(),
  /** HAProxy `hash-type … <function>`. @default 'sdbm' */
  hashFunction: hashFunction.optional(),
  /** HAProxy `hash-type … avalanche`. @default false for map-based, true for consistent without a function */
  avalanche: z.boolean().optional(),
  /** HAProxy `hash-balance-factor`: 0 (off) or > 100; consistent only. @default 0 */
  balanceFactor: z.number().int().min(0).optional(),
}

/** Schema of the object form of the `balance` option. */
export const BalanceObjectSchema = z.discriminatedUnion('algorithm', [
  z.strictObject({ algorithm: z.enum(['roundrobin', 'static-rr', 'leastconn', 'first']) }),
  z.strictObject({
    algorithm: z.literal('random'),
    draws: z.number().int().min(1).max(100).optional(),
    balanceFactor: z.number().int().min(0).optional(),
  }),
  z.strictObject({
    algorithm: z.literal('peak-ewma'),
    /** Decay time constant of the latency average, in milliseconds. @default 10000 */
    decay: z.number().positive().optional(),
    /** Least latency a failed request counts as, in milliseconds; 0 = off. @default 1000 */
    failurePenalty: z.number().nonnegative().optional(),
  }),
  z.strictObject({
    algorithm: z.literal('least-request'),
    /** Hosts compared when weights are equal (Envoy `choice_count`). @default 2 */
    choiceCount: z.number().int().min(2).max(100).optional(),
    /** Exponent of the active-request divisor (Envoy `active_request_bias`). @default 1 */
    activeRequestBias: z.number().min(0).max(16).optional(),
  }),
  z.strictObject({ algorithm: z.literal('source'), ...hashCommon }),
  z.strictObject({
    algorithm: z.literal('uri'),
    len: z.number().int().positive().optional(),
    depth: z.number().int().positive().optional(),
    whole: z.boolean().optional(),
    pathOnly: z.boolean().optional(),
    ...hashCommon,
  }),
  z.strictObject({ algorithm: z.literal('url_param'), name: z.string().min(1), checkPost: z.boolean().optional(), ...hashCommon }),
  z.strictObject({ algorithm: z.literal('hdr'), name: z.string().min(1), useDomainOnly: z.boolean().optional(), ...hashCommon }),
])

/** Schema of the `balance` option: a name is shorthand for `{ algorithm: name }`. */
export const BalanceSchema = z.preprocess((value) => (typeof value === 'string' ? { algorithm: value } : value), BalanceObjectSchema)

/** Algorithms that can be named without settings. */
export type BalanceShorthand = 'roundrobin' | 'static-rr' | 'leastconn' | 'first' | 'random' | 'source' | 'peak-ewma' | 'least-request'

/**
 * How a backend balances. A name (`'roundrobin'`, `'leastconn'`, …) or an
 * object with `algorithm` and its settings. HAProxy: `balance`, `hash-type`,
 * `hash-balance-factor`. Beyond HAProxy: `peak-ewma` (latency-aware power of
 * two choices, Finagle/Linkerd) and `least-request` (Envoy).
 * @default 'roundrobin'
 * @example { algorithm: 'uri', depth: 2, hashType: 'consistent' }
 */
export type BalanceOptions = BalanceShorthand | z.input<typeof BalanceObjectSchema>

/**
 * Validates and resolves a `balance` option into the core's configuration.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION
 */
export function resolveBalance(input: BalanceOptions | undefined, where = 'balance'): BalanceConfig {
  const options = parseOptions(BalanceSchema, input === undefined ? 'roundrobin' : input, where)
  switch (options.algorithm) {
    case 'roundrobin':
    case 'static-rr':
    case 'leastconn':
    case 'first':
      return { algorithm: options.algorithm }
    case 'random': {
      const factor = options.balanceFactor ?? 0
      checkFactor(factor, where)
      return { algorithm: 'random', draws: options.draws ?? DEFAULT_RANDOM_DRAWS, balanceFactor: factor }
    }
    case 'peak-ewma':
      return {
        algorithm: 'peak-ewma',
        decay: options.decay ?? DEFAULT_EWMA_DECAY,
        failurePenalty: options.failurePenalty ?? DEFAULT_EWMA_FAILURE_PENALTY,
      }
    case 'least-request':
      return {
        algorithm: 'least-request',
        choiceCount: options.choiceCount ?? DEFAULT_LEAST_REQUEST_CHOICES,
        activeRequestBias: options.activeRequestBias ?? DEFAULT_ACTIVE_REQUEST_BIAS,
      }
    default: {
      const type = options.hashType ?? 'map-based'
      const factor = options.balanceFactor ?? 0
      checkFactor(factor, where)
      if (factor !== 0 && type !== 'consistent') {
        parseOptions(z.never({ error: 'balanceFactor needs hashType "consistent"' }), factor, `${where}.balanceFactor`)
      }
      return {
        algorithm: 'hash',
        key: keyOf(options),
        type,
        function: options.hashFunction ?? DEFAULT_HASH_FUNCTION,
        // HAProxy: consistent hashing without an explicit function defaults to sdbm + avalanche.
        avalanche: options.avalanche ?? (type === 'consistent' && options.hashFunction === undefined),
        balanceFactor: factor,
      }
    }
  }
}

type HashOptions = Extract<z.output<typeof BalanceSchema>, { algorithm: 'source' | 'uri' | 'url_param' | 'hdr' }>

function checkFactor(factor: number, where: string): void {
  if (factor !== 0 && factor <= 100) {
    parseOptions(z.never({ error: 'balanceFactor must be 0 (off) or greater than 100' }), factor, `${where}.balanceFactor`)
  }
}

function keyOf(o: HashOptions): HashKeySpec {
  switch (o.algorithm) {
    case 'source':
      return { kind: 'source' }
    case 'uri':
      return { kind: 'uri', len: o.len, depth: o.depth, whole: o.whole, pathOnly: o.pathOnly }
    case 'url_param':
      return { kind: 'url_param', name: o.name, checkPost: o.checkPost }
    case 'hdr':
      return { kind: 'hdr', name: o.name.toLowerCase(), useDomainOnly: o.useDomainOnly }
  }
}
