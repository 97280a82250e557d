/**
 * HAProxy-compatible CSV (`show stat`, `<stats uri>;csv`): a `# ` header with
 * the 2.6 field names in order, then FRONTEND, each backend's servers and its
 * BACKEND row; empty fields where a value does not apply.
 */
import { CSV_FIELDS, isFilled } from './fields.js'
import type { ProxyStats, StatsRow } from './types.js'

/** The header line (without the newline). */
export const CSV_HEADER = `# ${CSV_FIELDS.join(',')},`

/** A field value made safe for one CSV cell (HAProxy writes no quotes; commas and newlines would break the line). */
function cell(value: string | number | null): string {
  if (value === null) return ''
  return typeof value === 'number' ? String(value) : value.replace(/[,\r\n]/g, ' ')
}

function line(row: StatsRow): string {
  let out = ''
  for (const field of CSV_FIELDS) out += `${isFilled(field, row) ? cell(row[field]) : ''},`
  return out
}

/** Serializes a snapshot as HAProxy's CSV, rows in HAProxy's order. */
export function toCsv(stats: ProxyStats): string {
  const lines = [CSV_HEADER, line(stats.frontend)]
  for (const backend of stats.backends) {
    for (const server of backend.servers) lines.push(line(server))
    lines.push(line(backend))
  }
  return `${lines.join('\n')}\n`
}
