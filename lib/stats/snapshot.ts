/**
 * Builds the {@link ProxyStats} snapshot from the core backends' counters,
 * the traffic tallies and, for checked servers, the health monitor.
 */
import type { ServerView } from '../balance/types.js'
import type { Backend } from '../backend.js'
import type { HealthMonitor } from '../health/monitor.js'
import type { HealthStats } from '../health/types.js'
import type { StatsCollector } from './collector.js'
import type { Tally } from './tally.js'
import type { BackendStatsRow, ProxyStats, StatsRow } from './types.js'

/** A backend as the snapshot sees it. */
export interface SnapshotBackend {
  readonly core: Backend
  /** The balancing algorithm's name. */
  readonly algo: string
}

/** What a snapshot is built from. */
export interface SnapshotSource {
  readonly collector: StatsCollector
  readonly backends: readonly SnapshotBackend[]
  readonly health: HealthMonitor | undefined
  /** The proxy still accepts requests. */
  readonly open: boolean
  /** Milliseconds, the collector's clock. */
  readonly now: number
}

/** The frontend row's proxy name. */
export const FRONTEND_NAME = 'switchyard'

/** The §6.2 status of a server nobody checks. */
export function uncheckedStatus(server: ServerView): string {
  if (server.admin === 'maint') return 'MAINT'
  if (server.admin === 'drain') return 'DRAIN'
  if (server.operational === 'down') return 'DOWN'
  if (server.operational === 'stopping') return 'NOLB'
  return 'no check'
}

function traffic(t: Tally, now: number) {
  return {
    bin: t.bin,
    bout: t.bout,
    rate: t.rate.read(now),
    rate_max: t.rate.max,
    hrsp_1xx: t.hrsp[1]!,
    hrsp_2xx: t.hrsp[2]!,
    hrsp_3xx: t.hrsp[3]!,
    hrsp_4xx: t.hrsp[4]!,
    hrsp_5xx: t.hrsp[5]!,
    hrsp_other: t.hrsp[0]!,
    lastsess: t.last < 0 ? null : Math.floor((now - t.last) / 1000),
    qtime: t.qtime.value,
    ctime: t.ctime.value,
    rtime: t.rtime.value,
    ttime: t.ttime.value,
  }
}

function errors(t: Tally) {
  return { econ: t.econ, eresp: t.eresp, wretr: t.wretr, wredis: t.wredis, cli_abrt: t.cliAbrt, srv_abrt: t.srvAbrt }
}

function healthOf(source: SnapshotSource, backend: Backend, server: ServerView): HealthStats | undefined {
  try {
    return source.health?.healthStats(backend, server)
  } catch {
    // The backend is not attached to the monitor: the server is unchecked.
    return undefined
  }
}

/** Builds the snapshot. Cost: one pass over every server; not for the request path. */
export function buildSnapshot(source: SnapshotSource): ProxyStats {
  const { collector, now } = source
  const backends: BackendStatsRow[] = []
  let scur = 0
  source.backends.forEach(({ core, algo }, index) => {
    const iid = index + 2
    const counters = core.counters()
    const entry = collector.backend(core.name)
    const servers: StatsRow[] = []
    let weight = 0
    let act = 0
    let bck = 0
    let chkdown = 0
    core.servers.forEach((server, i) => {
      const c = counters.servers[i]!
      const tally = collector.server(core.name, server)
      const health = healthOf(source, core, server)
      if (server.usable) {
        weight += server.weight
        if (server.backup) bck++
        else act++
      }
      chkdown += health?.chkdown ?? 0
      servers.push({
        pxname: core.name,
        svname: server.name,
        qcur: c.queued,
        qmax: c.maxQueued,
        scur: c.served,
        smax: c.maxServed,
        slim: server.maxconn === 0 ? null : server.maxconn,
        stot: c.total,
        ...traffic(tally, now),
        ereq: null,
        ...errors(tally),
        status: health?.status ?? uncheckedStatus(server),
        weight: server.weight,
        act: server.backup ? 0 : 1,
        bck: server.backup ? 1 : 0,
        chkfail: health?.chkfail ?? null,
        chkdown: health?.chkdown ?? null,
        lastchg: health?.lastChange ?? null,
        downtime: health?.downtime ?? null,
        qlimit: server.maxqueue === 0 ? null : server.maxqueue,
        iid,
        sid: server.id,
        throttle: health?.throttle ?? null,
        lbtot: c.total,
        type: 2,
        check_status: health?.checkStatus ?? null,
        check_code: health?.checkCode ?? null,
        check_duration: health?.checkDuration ?? null,
        req_tot: null,
        check_desc: health === undefined ? null : health.checkDescription,
        addr: server.address,
        cookie: null,
        mode: 'http',
        algo: null,
        uweight: server.weight,
      })
    })
    scur += counters.served
    backends.push({
      pxname: core.name,
      svname: 'BACKEND',
      qcur: counters.queued,
      qmax: counters.maxQueued,
      scur: counters.served,
      smax: counters.maxServed,
      slim: core.fullconn === 0 ? null : core.fullconn,
      stot: counters.total,
      ...traffic(entry.tally, now),
      ereq: null,
      ...errors(entry.tally),
      status: core.hasUsableServer() ? 'UP' : 'DOWN',
      weight,
      act,
      bck,
      chkfail: null,
      chkdown,
      lastchg: null,
      downtime: null,
      qlimit: null,
      iid,
      sid: 0,
      throttle: null,
      lbtot: counters.total,
      type: 1,
      check_status: null,
      check_code: null,
      check_duration: null,
      req_tot: entry.tally.stot,
      check_desc: null,
      addr: null,
      cookie: null,
      mode: 'http',
      algo,
      uweight: weight,
      servers,
    })
  })
  const f = collector.frontend
  const frontend: StatsRow = {
    pxname: FRONTEND_NAME,
    svname: 'FRONTEND',
    qcur: null,
    qmax: null,
    scur,
    smax: null,
    slim: null,
    stot: f.stot,
    ...traffic(f, now),
    lastsess: null,
    qtime: null,
    ctime: null,
    rtime: null,
    ttime: null,
    ereq: f.ereq,
    econ: null,
    eresp: null,
    wretr: null,
    wredis: null,
    cli_abrt: null,
    srv_abrt: null,
    status: source.open ? 'OPEN' : 'STOP',
    weight: null,
    act: null,
    bck: null,
    chkfail: null,
    chkdown: null,
    lastchg: null,
    downtime: null,
    qlimit: null,
    iid: 1,
    sid: 0,
    throttle: null,
    lbtot: null,
    type: 0,
    check_status: null,
    check_code: null,
    check_duration: null,
    req_tot: f.stot,
    check_desc: null,
    addr: null,
    cookie: null,
    mode: 'http',
    algo: null,
    uweight: null,
  }
  return { frontend, backends }
}
