/**
 * The live HTML stats page: one table per backend (servers then the BACKEND
 * row), state colours, session and queue gauges; refreshed by a small inline
 * script that fetches the JSON form. No external assets, every value escaped.
 */
import type { BackendStatsRow, ProxyStats, StatsRow } from './types.js'

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

/** CSS class of a status: up, down, maint, drain, nolb. */
export function statusClass(status: string): string {
  if (status.startsWith('MAINT')) return 'maint'
  if (status.startsWith('DRAIN')) return 'drain'
  if (status.startsWith('NOLB')) return 'nolb'
  if (status.startsWith('DOWN')) return 'down'
  return 'up'
}

const v = (x: number | string | null): string => (x === null ? '' : escapeHtml(String(x)))

function gauge(current: number, limit: number | null): string {
  const pct = limit === null || limit === 0 ? 0 : Math.min(100, Math.round((current * 100) / limit))
  return `<span class="gauge"><span style="width:${pct}%"></span></span>${current}${limit === null ? '' : `/${limit}`}`
}

/** A backend or server row (those always have a queue: `qcur` is set). */
function row(r: StatsRow): string {
  const name = r.type === 1 ? 'Backend' : v(r.svname)
  return `<tr class="${r.type === 1 ? 'total ' : ''}${statusClass(r.status)}"><td>${name}</td><td>${gauge(r.qcur!, r.qlimit)}</td><td>${v(r.qmax)}</td><td>${gauge(r.scur, r.slim)}</td><td>${v(r.smax)}</td><td>${r.stot}</td><td>${r.rate}</td><td>${r.bin}</td><td>${r.bout}</td><td>${v(r.econ)}</td><td>${v(r.eresp)}</td><td>${v(r.wretr)}/${v(r.wredis)}</td><td>${r.hrsp_2xx}</td><td>${r.hrsp_5xx}</td><td class="st">${v(r.status)}</td><td>${v(r.weight)}</td><td>${v(r.check_status)}</td><td>${v(r.ttime)}</td></tr>`
}

const HEAD = '<tr><th>Server</th><th>Queue</th><th>Max</th><th>Sessions</th><th>Max</th><th>Total</th><th>Rate</th><th>Bytes in</th><th>Bytes out</th><th>Conn err</th><th>Resp err</th><th>Retr/Redis</th><th>2xx</th><th>5xx</th><th>Status</th><th>Weight</th><th>Check</th><th>Ttime ms</th></tr>'

function table(b: BackendStatsRow): string {
  return `<h2>${v(b.pxname)} <small>${v(b.algo)}</small></h2><table data-backend="${v(b.pxname)}">${HEAD}${b.servers.map(row).join('')}${row(b)}</table>`
}

/** The tables alone (also rebuilt by the page script from the JSON). */
export function renderTables(stats: ProxyStats): string {
  const f = stats.frontend
  return `<p class="front">Frontend: ${v(f.status)}, ${f.scur} sessions, ${f.stot} requests, ${f.rate}/s, request errors ${v(f.ereq)}</p>${stats.backends.map(table).join('')}`
}

/** Client-side copy of the renderer: refreshes the tables from `?format=json`. */
const SCRIPT = `(function(){var e=${escapeHtml.toString()};var sc=${statusClass.toString()};
function v(x){return x===null?'':e(String(x))}
function g(c,l){var p=l===null||l===0?0:Math.min(100,Math.round(c*100/l));return '<span class="gauge"><span style="width:'+p+'%"></span></span>'+c+(l===null?'':'/'+l)}
function r(x){return '<tr class="'+(x.type===1?'total ':'')+sc(x.status)+'"><td>'+(x.type===1?'Backend':v(x.svname))+'</td><td>'+g(x.qcur===null?0:x.qcur,x.qlimit)+'</td><td>'+v(x.qmax)+'</td><td>'+g(x.scur,x.slim)+'</td><td>'+v(x.smax)+'</td><td>'+x.stot+'</td><td>'+x.rate+'</td><td>'+x.bin+'</td><td>'+x.bout+'</td><td>'+v(x.econ)+'</td><td>'+v(x.eresp)+'</td><td>'+v(x.wretr)+'/'+v(x.wredis)+'</td><td>'+x.hrsp_2xx+'</td><td>'+x.hrsp_5xx+'</td><td class="st">'+v(x.status)+'</td><td>'+v(x.weight)+'</td><td>'+v(x.check_status)+'</td><td>'+v(x.ttime)+'</td></tr>'}
function t(b){return '<h2>'+v(b.pxname)+' <small>'+v(b.algo)+'</small></h2><table data-backend="'+v(b.pxname)+'">'+document.getElementById('head').innerHTML+b.servers.map(r).join('')+r(b)+'</table>'}
function tick(){fetch(location.pathname+'?format=json',{cache:'no-store'}).then(function(x){return x.json()}).then(function(s){var f=s.frontend;document.getElementById('tables').innerHTML='<p class="front">Frontend: '+v(f.status)+', '+f.scur+' sessions, '+f.stot+' requests, '+f.rate+'/s, request errors '+v(f.ereq)+'</p>'+s.backends.map(t).join('');document.getElementById('updated').textContent=new Date().toLocaleTimeString()}).catch(function(x){document.getElementById('updated').textContent='refresh failed: '+x})}
setInterval(tick,REFRESH)})()`

const STYLE = `body{font:13px system-ui,sans-serif;margin:1em;color:#222}h1{font-size:18px}h2{font-size:15px;margin:1.2em 0 .3em}
table{border-collapse:collapse}th,td{border:1px solid #bbb;padding:2px 6px;text-align:right}th{background:#eee}td:first-child{text-align:left;font-weight:600}
tr.up{background:#c8f0c8}tr.down{background:#f7b0b0}tr.maint{background:#c0c8f8}tr.drain{background:#f0d8a0}tr.nolb{background:#f0f0a0}tr.total{background:#ddd;font-weight:600}
.gauge{display:inline-block;width:40px;height:8px;border:1px solid #888;margin-right:4px;vertical-align:middle}.gauge span{display:block;height:100%;background:#48c}`

/** The whole page; `refresh` is the script's refresh period in ms (0: no refresh). */
export function renderPage(stats: ProxyStats, refresh: number): string {
  const script = refresh > 0 ? `<script>${SCRIPT.replace('REFRESH', String(refresh))}</script>` : ''
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>switchyard stats</title><style>${STYLE}</style></head><body><h1>switchyard statistics</h1><p>Updated <span id="updated">${escapeHtml(new Date().toISOString())}</span></p><table hidden><tbody id="head">${HEAD}</tbody></table><div id="tables">${renderTables(stats)}</div>${script}</body></html>`
}
