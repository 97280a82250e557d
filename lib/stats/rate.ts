/**
 * Events per second over the last second, HAProxy's `freq_ctr`: the current
 * second's count plus the previous second's weighted by what remains of it.
 */

/** A per-second event rate; `now` is in milliseconds. */
export class RateCounter {
  #second = 0
  #current = 0
  #previous = 0
  #max = 0

  /** Counts one event at `now`. */
  hit(now: number): void {
    this.#roll(now)
    this.#current++
    const rate = this.read(now)
    if (rate > this.#max) this.#max = rate
  }

  /** Events in the last second at `now` (rounded up like HAProxy's `read_freq_ctr`). */
  read(now: number): number {
    this.#roll(now)
    const elapsed = now - this.#second * 1000
    return this.#current + Math.ceil((this.#previous * (1000 - elapsed)) / 1000)
  }

  /** Highest rate seen. */
  get max(): number {
    return this.#max
  }

  #roll(now: number): void {
    const second = Math.floor(now / 1000)
    if (second === this.#second) return
    this.#previous = second === this.#second + 1 ? this.#current : 0
    this.#current = 0
    this.#second = second
  }
}
