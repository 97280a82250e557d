/**
 * HAProxy's sliding-window average of the last {@link AVERAGE_WINDOW}
 * samples (`swrate`): the exact mean until the window is full, then each new
 * sample replaces 1/N of the sum. Pure arithmetic, no allocation.
 */

/** Samples averaged, like HAProxy's `TIME_STATS_SAMPLES`. */
export const AVERAGE_WINDOW = 1024

/** A running average over the last {@link AVERAGE_WINDOW} samples. */
export class SlidingAverage {
  #sum = 0
  #count = 0

  /** Adds one sample. */
  add(value: number): void {
    if (this.#count < AVERAGE_WINDOW) {
      this.#count++
      this.#sum += value
    } else {
      this.#sum += value - this.#sum / AVERAGE_WINDOW
    }
  }

  /** The average, rounded to whole units (0 before any sample). */
  get value(): number {
    return this.#count === 0 ? 0 : Math.round(this.#sum / this.#count)
  }
}
