/**
 * Simulator speed: wall time of one million simulated requests per algorithm
 * (Poisson arrivals at 600/s on four servers with 4 workers each, one of them
 * 10x slower; no balancer limit), and of the same with maxconn 8 and a queue
 * timeout (requests wait in the backend's queues, so every event yields to
 * the promise reactions of `acquire()`).
 *
 * Usage: `node --import tsx bench/sim.ts [--requests 1000000]` or `npm run bench -- sim`.
 */
import { simulate } from '../lib/sim/simulate.js'
import { writeResults } from './results.js'

export async function run(args: string[]): Promise<void> {
  const at = args.indexOf('--requests')
  const requests = at >= 0 ? Number(args[at + 1]) : 1_000_000
  const rows: Array<{ algorithm: string; limited: boolean; requests: number; wallMs: number; perSecond: number }> = []
  for (const limited of [false, true]) {
    for (const balance of ['roundrobin', 'leastconn', 'random', 'peak-ewma', 'least-request']) {
      const started = performance.now()
      const result = await simulate(
        {
          backend: { balance, timeoutQueue: limited ? 2000 : 0 },
          servers: ['a', 'b', 'c', 'd'].map((name, i) => ({
            name,
            workers: 4,
            maxconn: limited ? 8 : 0,
            service: { kind: 'exponential', mean: i === 3 ? 100 : 10 },
          })),
          arrivals: [{ kind: 'poisson', rate: 600, count: requests }],
        },
      )
      const wallMs = performance.now() - started
      rows.push({ algorithm: result.algorithm, limited, requests: result.requests.total, wallMs: Math.round(wallMs), perSecond: Math.round(result.requests.total / (wallMs / 1000)) })
    }
  }
  console.table(rows)
  console.log(`results: ${writeResults('sim', rows)}`)
}

if (import.meta.url === `file://${process.argv[1]}`) await run(process.argv.slice(2))
