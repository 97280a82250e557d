/**
 * The server model: one mutable record per server, owned by a {@link Farm}.
 * Policy code sees it through the read-only {@link ServerView}; only the farm
 * mutates it, so that balancers are told about every change.
 */
import type { AdminState, OperationalState, ServerView } from './balance/types.js'

/** Weight scale of dynamic algorithms: eweight = weight × 16 (HAProxy BE_WEIGHT_SCALE). */
export const WEIGHT_SCALE = 16

/** Largest user weight (HAProxy: 256). */
export const MAX_WEIGHT = 256

/** What a server is created from (already validated). */
export interface ServerSpec {
  readonly name: string
  readonly address: string
  /** Numeric id; default: declaration position starting at 1. */
  readonly id?: number | undefined
  /** 0..256, default 1. */
  readonly weight?: number | undefined
  readonly backup?: boolean | undefined
  /** 0 = unlimited. */
  readonly maxconn?: number | undefined
  /** 0 = unset (static limit equal to maxconn). */
  readonly minconn?: number | undefined
  /** 0 = unlimited. */
  readonly maxqueue?: number | undefined
  /** Initial admin state, default ready (HAProxy `disabled` → maint). */
  readonly admin?: AdminState | undefined
  /** Initial operational state, default up. */
  readonly operational?: OperationalState | undefined
}

/**
 * Mutable server state. Internal: users receive it typed as {@link ServerView}.
 */
export class ServerRecord implements ServerView {
  readonly name: string
  readonly index: number
  readonly address: string
  readonly backup: boolean
  readonly initialWeight: number
  id: number
  weight: number
  /** Slow-start multiplier in 1..16 (16 = full weight). */
  scale: number = WEIGHT_SCALE
  eweight: number
  admin: AdminState
  operational: OperationalState
  served = 0
  queued = 0
  maxconn: number
  minconn: number
  maxqueue: number
  usable = false

  constructor(spec: ServerSpec, index: number, id: number) {
    this.name = spec.name
    this.index = index
    this.id = id
    this.address = spec.address
    this.backup = spec.backup ?? false
    this.weight = spec.weight ?? 1
    this.initialWeight = this.weight
    this.eweight = this.weight * WEIGHT_SCALE
    this.admin = spec.admin ?? 'ready'
    this.operational = spec.operational ?? 'up'
    // HAProxy normalisation: only minconn given, or minconn > maxconn → maxconn = minconn;
    // only maxconn given → minconn = maxconn (static limit).
    let maxconn = spec.maxconn ?? 0
    let minconn = spec.minconn ?? 0
    if (minconn > maxconn) maxconn = minconn
    if (minconn === 0) minconn = maxconn
    this.maxconn = maxconn
    this.minconn = minconn
    this.maxqueue = spec.maxqueue ?? 0
    this.usable = this.computeUsable()
  }

  /** The usable rule (§1, §6): up or starting, admin ready, eweight > 0. */
  computeUsable(): boolean {
    return (
      (this.operational === 'up' || this.operational === 'starting') &&
      this.admin === 'ready' &&
      this.eweight > 0
    )
  }
}

/**
 * True when a server with `maxconn` has a non-empty own queue or is at its
 * effective limit (HAProxy: saturated servers are skipped by load-aware
 * algorithms).
 */
export function isSaturated(server: ServerView, limit: number): boolean {
  return server.maxconn > 0 && (server.queued > 0 || server.served >= limit)
}
