/**
 * The only list of balancing algorithms: configuration → implementation.
 * Adding an algorithm means one file exporting a {@link BalancerFactory} and one
 * row here.
 */
import { createConsistentHash } from './chash.js'
import { createFirst } from './first.js'
import { createLeastConn } from './leastconn.js'
import { createLeastRequest } from './least-request.js'
import { createMapHash } from './map-hash.js'
import { createPeakEwma } from './peak-ewma.js'
import { createRandom } from './random.js'
import { createRoundRobin } from './roundrobin.js'
import { createStaticRoundRobin } from './static-rr.js'
import type { BalanceConfig, BalanceName, Balancer, BalancerContext, BalancerFactory, ServerView } from './types.js'

/** What the farm needs to know about an algorithm before building it. */
export interface AlgorithmTraits {
  readonly name: BalanceName
  /** Runtime weight changes beyond 0 / configured weight (and slow start) apply. */
  readonly dynamic: boolean
  /** Saturated servers are skipped (false: the chosen server's own queue is used). */
  readonly skipsSaturated: boolean
  /** The balancer learns from request latencies (`Balancer.observe`): the backend times each lease. */
  readonly observes: boolean
}

interface Entry extends AlgorithmTraits {
  readonly create: BalancerFactory
}

const ALGORITHMS: Readonly<Record<BalanceName, Entry>> = {
  roundrobin: { name: 'roundrobin', dynamic: true, skipsSaturated: true, observes: false, create: createRoundRobin },
  'static-rr': { name: 'static-rr', dynamic: false, skipsSaturated: true, observes: false, create: createStaticRoundRobin },
  leastconn: { name: 'leastconn', dynamic: true, skipsSaturated: true, observes: false, create: createLeastConn },
  first: { name: 'first', dynamic: true, skipsSaturated: true, observes: false, create: createFirst },
  random: { name: 'random', dynamic: true, skipsSaturated: true, observes: false, create: createRandom },
  'map-hash': { name: 'map-hash', dynamic: false, skipsSaturated: false, observes: false, create: createMapHash },
  chash: { name: 'chash', dynamic: true, skipsSaturated: false, observes: false, create: createConsistentHash },
  'peak-ewma': { name: 'peak-ewma', dynamic: true, skipsSaturated: true, observes: true, create: createPeakEwma },
  'least-request': { name: 'least-request', dynamic: true, skipsSaturated: true, observes: false, create: createLeastRequest },
}

/** Implementation name for a configuration (`hash` splits by `hash-type`). */
export function balanceNameOf(config: BalanceConfig): BalanceName {
  if (config.algorithm === 'hash') return config.type === 'consistent' ? 'chash' : 'map-hash'
  return config.algorithm
}

/** Traits of the algorithm a configuration selects. */
export function algorithmTraits(config: BalanceConfig): AlgorithmTraits {
  return ALGORITHMS[balanceNameOf(config)]
}

/** Builds the balancer a configuration selects over `servers` (usable, declaration order). */
export function createBalancer(servers: readonly ServerView[], config: BalanceConfig, context: BalancerContext): Balancer {
  return ALGORITHMS[balanceNameOf(config)].create(servers, config, context)
}

/** Names of all registered implementations. */
export const BALANCE_NAMES: readonly BalanceName[] = Object.keys(ALGORITHMS) as BalanceName[]
