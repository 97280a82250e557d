/**
 * Cookie persistence codec throughput: request side (parse the Cookie header,
 * decide the server), response side (Set-Cookie handling, insertion) and both
 * together, per second, for the common cases.
 * Usage: npm run bench -- cookie [--ms 400]
 */
import { CookiePersistence } from '../lib/persist/cookie.js'
import { createCookiePolicy } from '../lib/persist/policy.js'
import type { CookiePolicyOptions, PersistDecision, ResponseHeaders } from '../lib/persist/types.js'
import { ServerRecord } from '../lib/server.js'
import { writeResults } from './results.js'

const NOW = 1795295801_000
const BROWSER = '_ga=GA1.2.1234567890.1700000000; _gid=GA1.2.987654321.1700000000; lang=fr-FR; theme=dark; ' +
  'csrftoken=Zk3bq9X1p0aLmN8sTuV2wXyZ4c6e8g0i; consent=analytics%3Dtrue%26ads%3Dfalse; '

interface Case {
  readonly name: string
  readonly policy: CookiePolicyOptions
  /** Cookie header of the request (`undefined`: first visit). */
  readonly cookie: string | undefined
  readonly headers: ResponseHeaders
}

const INSERT: CookiePolicyOptions = { name: 'SERVERID', mode: 'insert', indirect: true, nocache: true }
const CASES: readonly Case[] = [
  { name: 'insert: first visit, no Cookie (inserted)', policy: INSERT, cookie: undefined, headers: {} },
  { name: 'insert: sticky, cookie alone (header removed)', policy: INSERT, cookie: 'SERVERID=s7', headers: {} },
  { name: 'insert: sticky, browser header (cookie stripped)', policy: INSERT, cookie: BROWSER + 'SERVERID=s7; sid=abc', headers: {} },
  { name: 'insert: browser header without our cookie', policy: INSERT, cookie: BROWSER + 'sid=abc', headers: { 'cache-control': 'max-age=60' } },
  { name: 'insert maxidle: sticky, date refreshed', policy: { ...INSERT, maxidle: 1_800_000 }, cookie: BROWSER + 'SERVERID=s7|awIKO', headers: {} },
  { name: 'prefix: JSESSIONID both ways', policy: { name: 'JSESSIONID', mode: 'prefix' }, cookie: BROWSER + 'JSESSIONID=s7~0123456789ABCDEF', headers: { 'set-cookie': ['JSESSIONID=0123456789ABCDEF; Path=/; HttpOnly', 'other=1'] } },
  { name: 'rewrite', policy: { name: 'SERVERID', mode: 'rewrite' }, cookie: 'SERVERID=s7', headers: { 'set-cookie': 'SERVERID=x; Path=/' } },
]

/** node:http hands over flat strings; concatenated literals are ropes until flattened. */
function flat(text: string | undefined): string | undefined {
  return text === undefined ? undefined : Buffer.from(text, 'latin1').toString('latin1')
}

function measure(ms: number, body: (n: number) => void): number {
  body(20_000) // warm-up: let the JIT settle
  let ops = 0
  let batch = 10_000
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(ms) * 1_000_000n
  let now = start
  while (now < deadline) {
    body(batch)
    ops += batch
    now = process.hrtime.bigint()
    if (batch < 1_000_000) batch *= 2
  }
  return ops / (Number(now - start) / 1e9)
}

export async function run(args: string[]): Promise<void> {
  const ms = Number(argValue(args, '--ms') ?? 400)
  const servers = Array.from({ length: 16 }, (_, i) => new ServerRecord({ name: `s${i}`, address: `10.0.0.${i}:80` }, i, i + 1))
  const rows: Array<{ case: string; requestPerSecond: number; responsePerSecond: number; bothPerSecond: number }> = []
  for (const c of CASES) {
    const persistence = new CookiePersistence(createCookiePolicy(c.policy), { redispatch: true })
    const cookie = flat(c.cookie)
    for (const s of servers) persistence.setServer(s, s.name)
    const fallback = servers[3]!
    let sink = 0
    const request = measure(ms, (n) => {
      for (let i = 0; i < n; i++) sink += persistence.request(cookie, 'GET', NOW).outcome.length
    })
    const decision: PersistDecision = persistence.request(cookie, 'GET', NOW)
    const response = measure(ms, (n) => {
      for (let i = 0; i < n; i++) sink += persistence.response(decision, decision.server ?? fallback, 200, c.headers, NOW).logFlags.length
    })
    const both = measure(ms, (n) => {
      for (let i = 0; i < n; i++) {
        const d = persistence.request(cookie, 'GET', NOW)
        sink += persistence.response(d, d.server ?? fallback, 200, c.headers, NOW).logFlags.length
      }
    })
    if (sink === -1) console.log('unreachable')
    rows.push({ case: c.name, requestPerSecond: Math.round(request), responsePerSecond: Math.round(response), bothPerSecond: Math.round(both) })
    const m = (x: number) => `${(x / 1e6).toFixed(2).padStart(6)} M/s`
    console.log(`${c.name.padEnd(50)} request ${m(request)}  response ${m(response)}  both ${m(both)}`)
  }
  console.log(`\nwrote ${writeResults('cookie', { ms, rows })}`)
}

function argValue(args: string[], name: string): string | undefined {
  const at = args.indexOf(name)
  return at === -1 ? undefined : args[at + 1]
}
