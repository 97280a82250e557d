/**
 * Reading stick counters from a transaction's tracked entries
 * (HAProxy `sc_<counter>(<slot>)`), and the time until a rate comparison
 * stops holding, used for `Retry-After`.
 */
import { optionError, type CompileContext } from './context.js'
import { freqCtrWait, readFreqCtr, updateFreqCtr, type FreqCtr } from './freq-ctr.js'
import type { StickEntry } from './stick-table.js'
import type { Txn } from './txn.js'
import type { CounterName, CounterSlot } from './types.js'

/** The counters that are rates over a period. */
export type RateName = 'http_req_rate' | 'http_err_rate'

const COUNTERS: readonly CounterName[] = ['conn_cur', 'http_req_cnt', 'http_req_rate', 'http_err_cnt', 'http_err_rate']

/** The entry tracked in a slot, if any. */
export function slotEntry(txn: Txn, slot: CounterSlot): StickEntry | undefined {
  return slot === 0 ? txn.sc0 : slot === 1 ? txn.sc1 : txn.sc2
}

/** A counter's value on an entry at `now`; −1 when nothing is tracked. */
export function counterValue(entry: StickEntry | undefined, counter: CounterName, now: number): number {
  if (entry === undefined) return -1
  switch (counter) {
    case 'conn_cur':
      return entry.connCur
    case 'http_req_cnt':
      return entry.httpReqCnt
    case 'http_err_cnt':
      return entry.httpErrCnt
    case 'http_req_rate':
      return entry.table.httpReqRate(entry, now)
    case 'http_err_rate':
      return entry.table.httpErrRate(entry, now)
  }
}

/**
 * Checks that a counter read is satisfiable: some `track` rule fills the slot,
 * and every table tracked there keeps the rate read.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming the field.
 */
export function checkCounter(slot: unknown, counter: unknown, field: string, ctx: CompileContext): void {
  if (slot !== 0 && slot !== 1 && slot !== 2) throw optionError(`${field}.slot`, 'expected 0, 1 or 2', slot)
  if (!COUNTERS.includes(counter as CounterName)) throw optionError(`${field}.counter`, `expected one of ${COUNTERS.join(', ')}`, counter)
  const tables = ctx.slots.get(slot)
  if (tables === undefined) throw optionError(field, `no track rule fills slot ${slot} (sc${slot})`, slot)
  for (const table of tables) {
    if ((counter === 'http_req_rate' && table.httpReqRatePeriod === 0) || (counter === 'http_err_rate' && table.httpErrRatePeriod === 0)) {
      throw optionError(field, `table \`${table.name}\` tracked in sc${slot} does not keep ${counter} (give it a period)`, counter)
    }
  }
}

/**
 * Milliseconds from `now` until `holds(rate)` stops being true for a rate
 * counter of `entry`, if no other request arrives meanwhile: for
 * `http_req_rate` the retried request itself is counted first (as tracking
 * does), for `http_err_rate` it is not. `undefined` when it never stops
 * (e.g. `gt 0` on a request rate).
 */
export function rateWait(entry: StickEntry, counter: RateName, holds: (rate: number) => boolean, now: number): number | undefined {
  const counts = counter === 'http_req_rate'
  const ctr: FreqCtr | undefined = counts ? entry.reqRate : entry.errRate
  const period = counts ? entry.table.httpReqRatePeriod : entry.table.httpErrRatePeriod
  // checkCounter guarantees the table keeps the rate read.
  const at = freqCtrWait(ctr!, period, now, (probe, t) => {
    if (counts) updateFreqCtr(probe, period, 1, t)
    return !holds(readFreqCtr(probe, period, t))
  })
  return at === undefined ? undefined : at - Math.floor(now)
}
