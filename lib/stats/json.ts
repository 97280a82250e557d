/**
 * The snapshot as JSON through fast-json-stringify; the schema is compiled
 * once, when this module loads.
 */
import fastJson, { type Schema } from 'fast-json-stringify'
import type { ProxyStats, StatsRow } from './types.js'

type Kind = 'string' | 'integer' | 'number'

/** JSON type of every {@link StatsRow} field; `?` marks nullable ones. */
const ROW: Readonly<Record<keyof StatsRow, `${Kind}${'' | '?'}`>> = {
  pxname: 'string', svname: 'string', qcur: 'integer?', qmax: 'integer?', scur: 'integer', smax: 'integer?', slim: 'integer?',
  stot: 'integer', bin: 'integer', bout: 'integer', ereq: 'integer?', econ: 'integer?', eresp: 'integer?', wretr: 'integer?',
  wredis: 'integer?', status: 'string', weight: 'integer?', act: 'integer?', bck: 'integer?', chkfail: 'integer?',
  chkdown: 'integer?', lastchg: 'integer?', downtime: 'integer?', qlimit: 'integer?', iid: 'integer', sid: 'integer',
  throttle: 'integer?', lbtot: 'integer?', type: 'integer', rate: 'integer', rate_max: 'integer', check_status: 'string?',
  check_code: 'integer?', check_duration: 'number?', hrsp_1xx: 'integer', hrsp_2xx: 'integer', hrsp_3xx: 'integer',
  hrsp_4xx: 'integer', hrsp_5xx: 'integer', hrsp_other: 'integer', req_tot: 'integer?', cli_abrt: 'integer?',
  srv_abrt: 'integer?', lastsess: 'integer?', qtime: 'integer?', ctime: 'integer?', rtime: 'integer?', ttime: 'integer?',
  check_desc: 'string?', addr: 'string?', cookie: 'string?', mode: 'string', algo: 'string?', uweight: 'integer?',
}

const rowProperties: Record<string, Schema> = Object.fromEntries(
  Object.entries(ROW).map(([name, kind]) => [name, (kind.endsWith('?') ? { type: [kind.slice(0, -1), 'null'] } : { type: kind }) as Schema]),
)
const required = Object.keys(ROW)
const row: Schema = { type: 'object', properties: rowProperties, required }

const stringify = fastJson({
  type: 'object',
  properties: {
    frontend: row,
    backends: {
      type: 'array',
      items: { type: 'object', properties: { ...rowProperties, servers: { type: 'array', items: row } }, required: [...required, 'servers'] },
    },
  },
  required: ['frontend', 'backends'],
})

/** Serializes a snapshot as JSON (the shape of {@link ProxyStats}). */
export function toJson(stats: ProxyStats): string {
  return stringify(stats)
}
