/**
 * Waits until backends have nothing in service nor queued, or until a delay
 * runs out: the waiting part of a graceful shutdown.
 */
import type { Backend } from '../backend.js'
import type { Scheduler } from '../types.js'

/** Requests in service or waiting over all `backends`. */
export function pendingRequests(backends: readonly Backend[]): number {
  let pending = 0
  for (const backend of backends) {
    const c = backend.counters()
    pending += c.served + c.waiting
  }
  return pending
}

const SETTLE_EVENTS = ['lease:release', 'queue:timeout', 'queue:abort', 'queue:full', 'backend:close'] as const

/**
 * Resolves true once every backend is idle, false when `delay` ms passed
 * first (`Infinity`: no limit). Checks again after each release or queue exit.
 */
export function waitIdle(backends: readonly Backend[], scheduler: Scheduler, delay: number): Promise<boolean> {
  if (pendingRequests(backends) === 0) return Promise.resolve(true)
  return new Promise((resolve) => {
    let timer: { cancel(): void } | undefined
    let settled = false
    const done = (idle: boolean): void => {
      if (settled) return
      settled = true
      timer?.cancel()
      for (const backend of backends) for (const event of SETTLE_EVENTS) backend.off(event, check)
      resolve(idle)
    }
    // A release is announced before its queue hands the slot on: look once the current tick settled.
    const check = (): void => {
      queueMicrotask(() => {
        if (pendingRequests(backends) === 0) done(true)
      })
    }
    for (const backend of backends) for (const event of SETTLE_EVENTS) backend.on(event, check)
    if (Number.isFinite(delay)) timer = scheduler.schedule(delay, () => done(false))
  })
}
