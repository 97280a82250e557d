/**
 * The traffic counters of one frontend, backend or server: integers updated
 * in place by {@link Tally.count}, read by the stats snapshot.
 */
import { SlidingAverage } from './average.js'
import { RateCounter } from './rate.js'

const C = 67 // 'C'
const LC = 99 // 'c'
const S = 83 // 'S'
const LS = 115 // 's'
const P = 80 // 'P'
const Q = 81 // 'Q'
const H = 72 // 'H'
const D = 68 // 'D'

/** Traffic counters (HAProxy stats names). */
export class Tally {
  /** [stot] Requests counted. */
  stot = 0
  /** [bin] Request body bytes from clients. */
  bin = 0
  /** [bout] Response body bytes to clients. */
  bout = 0
  /** [ereq] Request errors (frontend). */
  ereq = 0
  /** [econ] Final connection failures, queue timeouts and refusals. */
  econ = 0
  /** [eresp] Response errors: bad or missing responses, server timeouts, server aborts. */
  eresp = 0
  /** [wretr] Retries. */
  wretr = 0
  /** [wredis] Redispatches. */
  wredis = 0
  /** [cli_abrt] Transfers aborted by the client. */
  cliAbrt = 0
  /** [srv_abrt] Transfers aborted by the server. */
  srvAbrt = 0
  /** [hrsp_1xx … hrsp_5xx, hrsp_other] at indexes 1..5, 0 = other. */
  readonly hrsp = [0, 0, 0, 0, 0, 0]
  /** [rate] Requests per second. */
  readonly rate = new RateCounter()
  /** [qtime] */
  readonly qtime = new SlidingAverage()
  /** [ctime] */
  readonly ctime = new SlidingAverage()
  /** [rtime] */
  readonly rtime = new SlidingAverage()
  /** [ttime] */
  readonly ttime = new SlidingAverage()
  /** Clock time of the last request, −1 before any. */
  last = -1

  /** Counts one finished request. Negative times (never reached) are averaged as 0, like HAProxy. */
  count(now: number, status: number, bytesIn: number, bytesOut: number, tw: number, tc: number, tr: number, tt: number, termination: string, retries: number, redispatched: boolean): void {
    this.stot++
    this.bin += bytesIn
    this.bout += bytesOut
    this.wretr += retries
    if (redispatched) this.wredis++
    this.hrsp[status >= 100 && status < 600 ? Math.floor(status / 100) : 0]!++
    this.rate.hit(now)
    this.last = now
    this.qtime.add(tw > 0 ? tw : 0)
    this.ctime.add(tc > 0 ? tc : 0)
    this.rtime.add(tr > 0 ? tr : 0)
    this.ttime.add(tt > 0 ? tt : 0)
    const who = termination.charCodeAt(0)
    const phase = termination.charCodeAt(1)
    if (who === C || who === LC) {
      this.cliAbrt++
    } else if (who === S || who === LS || who === P) {
      if (phase === C || phase === Q) this.econ++
      else if (phase === H || phase === D) {
        this.eresp++
        if (phase === D) this.srvAbrt++
      }
    }
  }
}
