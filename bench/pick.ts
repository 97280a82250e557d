/**
 * Picks per second for every algorithm at 4, 64, 1,024 and 10,000 servers.
 *
 * Two figures per case: `pick` (pick only) and `pick+load` (pick, take the
 * slot, release the slot taken 8 requests earlier: the real per-request path
 * with 8 requests in flight, which is what moves leastconn's heap).
 * Rates are per second of this process's CPU time, which keeps them comparable
 * on a shared, noisy machine.
 * Usage: npm run bench -- pick [--ms 400] [--sizes 4,64,1024,10000]
 */
import { Farm } from '../lib/balance/farm.js'
import type { BalanceConfig, PickRequest, ServerView } from '../lib/balance/types.js'
import { writeResults } from './results.js'

const CASES: Record<string, BalanceConfig> = {
  roundrobin: { algorithm: 'roundrobin' },
  'static-rr': { algorithm: 'static-rr' },
  leastconn: { algorithm: 'leastconn' },
  first: { algorithm: 'first' },
  random: { algorithm: 'random', draws: 2, balanceFactor: 0 },
  'hash uri (map-based)': { algorithm: 'hash', key: { kind: 'uri' }, type: 'map-based', function: 'sdbm', avalanche: false, balanceFactor: 0 },
  'hash uri (consistent)': { algorithm: 'hash', key: { kind: 'uri' }, type: 'consistent', function: 'sdbm', avalanche: true, balanceFactor: 0 },
  'hash source (consistent)': { algorithm: 'hash', key: { kind: 'source' }, type: 'consistent', function: 'sdbm', avalanche: true, balanceFactor: 0 },
}

function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296
  }
}

function buildFarm(config: BalanceConfig, size: number): Farm {
  const random = lcg(7)
  const farm = new Farm({ balance: config, random })
  for (let i = 0; i < size; i++) {
    farm.add({ name: `s${i + 1}`, address: `10.0.${i >> 8}.${i & 255}:80`, weight: 1 + Math.floor(random() * 8) })
  }
  return farm
}

/** 1,024 requests with 30-byte URIs and distinct client addresses. */
function requests(): PickRequest[] {
  return Array.from({ length: 1024 }, (_, i) => ({
    uri: `/api/v1/items/${String(i * 7919).padStart(8, '0')}?x=1`.slice(0, 30),
    source: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  }))
}

/**
 * Operations per second of CPU time (user + system) spent by this process, so
 * that other load on a shared machine (time spent descheduled) does not count.
 */
function measure(ms: number, body: (n: number) => void): number {
  body(20_000) // warm-up: let the JIT settle
  let ops = 0
  let batch = 10_000
  const cpu = (): number => {
    const usage = process.cpuUsage()
    return (usage.user + usage.system) / 1e6
  }
  const start = cpu()
  let now = start
  while (now - start < ms / 1000) {
    body(batch)
    ops += batch
    now = cpu()
    if (batch < 1_000_000) batch *= 2
  }
  return ops / (now - start)
}

export async function run(args: string[]): Promise<void> {
  const ms = Number(argValue(args, '--ms') ?? 400)
  const sizes = (argValue(args, '--sizes') ?? '4,64,1024,10000').split(',').map(Number)
  const reqs = requests()
  const rows: Array<{ algorithm: string; servers: number; picksPerSecond: number; pickLoadPerSecond: number }> = []
  for (const [name, config] of Object.entries(CASES)) {
    for (const size of sizes) {
      const farm = buildFarm(config, size)
      let sink = 0
      const pickOnly = measure(ms, (n) => {
        for (let i = 0; i < n; i++) sink += farm.pick(reqs[i & 1023]!)!.index
      })
      const inFlight: ServerView[] = []
      const withLoad = measure(ms, (n) => {
        for (let i = 0; i < n; i++) {
          const server = farm.pick(reqs[i & 1023]!)!
          farm.take(server)
          inFlight.push(server)
          if (inFlight.length > 8) farm.release(inFlight.shift()!)
        }
      })
      if (sink === -1) console.log('unreachable')
      rows.push({ algorithm: name, servers: size, picksPerSecond: Math.round(pickOnly), pickLoadPerSecond: Math.round(withLoad) })
      console.log(`${name.padEnd(26)} ${String(size).padStart(6)} servers  ${(pickOnly / 1e6).toFixed(2).padStart(7)} M picks/s  ${(withLoad / 1e6).toFixed(2).padStart(7)} M pick+load/s`)
    }
  }
  console.log('\nslowdown from 4 to 10,000 servers (pick only):')
  for (const name of Object.keys(CASES)) {
    const small = rows.find((r) => r.algorithm === name && r.servers === sizes[0])
    const large = rows.find((r) => r.algorithm === name && r.servers === sizes[sizes.length - 1])
    if (small && large) console.log(`  ${name.padEnd(26)} ${(small.picksPerSecond / large.picksPerSecond).toFixed(2)}x`)
  }
  console.log(`\nwrote ${writeResults('pick', { ms, sizes, rows })}`)
}

function argValue(args: string[], name: string): string | undefined {
  const at = args.indexOf(name)
  return at === -1 ? undefined : args[at + 1]
}
