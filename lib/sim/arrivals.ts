/**
 * Arrival processes: each {@link ArrivalProcess} becomes a cursor that yields
 * request arrival times (and keys) in order, lazily, so that a million
 * requests never sit in memory at once.
 */
import type { Random } from '../types.js'
import type { ArrivalProcess } from './scenario.js'

/** Walks the arrivals of one source. Read `at` and `key` after `next()` returned true. */
export class ArrivalCursor {
  /** Arrival time of the current request (ms). */
  at = 0
  /** Hash key of the current request. */
  key: string | undefined = undefined
  readonly #source: ArrivalProcess
  readonly #random: Random
  #index = 0

  constructor(source: ArrivalProcess, random: Random) {
    this.#source = source
    this.#random = random
  }

  /** Moves to the next request; false when the source is exhausted. */
  next(): boolean {
    const source = this.#source
    const i = this.#index
    switch (source.kind) {
      case 'trace': {
        const request = source.requests[i]
        if (request === undefined) return false
        this.at = request.at
        this.key = request.key
        break
      }
      case 'constant':
        if (i >= source.count) return false
        // Multiplying, not accumulating, keeps the spacing exact over millions of requests.
        this.at = source.start + (i * 1000) / source.rate
        this.key = this.#key(source.keys)
        break
      case 'poisson':
        if (i >= source.count) return false
        this.at = (i === 0 ? source.start : this.at) - (1000 / source.rate) * Math.log(1 - this.#random())
        this.key = this.#key(source.keys)
        break
      case 'burst':
        if (i >= source.count) return false
        this.at = source.at + i * source.spacing
        this.key = this.#key(source.keys)
        break
    }
    this.#index = i + 1
    return true
  }

  #key(keys: number): string | undefined {
    return keys === 0 ? undefined : `/k${Math.floor(this.#random() * keys)}`
  }
}

/** Number of requests a source makes. */
export function arrivalCount(source: ArrivalProcess): number {
  return source.kind === 'trace' ? source.requests.length : source.count
}

/** When a source's last request is expected (exact except for Poisson, where it is the mean). */
export function arrivalHorizon(source: ArrivalProcess): number {
  switch (source.kind) {
    case 'trace':
      return source.requests.at(-1)?.at ?? 0
    case 'constant':
    case 'poisson':
      return source.start + (source.count * 1000) / source.rate
    case 'burst':
      return source.at + source.count * source.spacing
  }
}
