import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CliIo } from '../../lib/cli/io.js'
import { processIo } from '../../lib/cli/io.js'
import { COMMANDS, main } from '../../lib/cli/main.js'
import { readScenario } from '../../lib/cli/simulate-command.js'

/** An in-memory world: files by path, captured output, a clock that advances 5 ms per read. */
function fakeIo(files: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const written: Record<string, string> = {}
  let now = 0
  const io: CliIo = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    readFile: async (path) => {
      const content = files[path]
      if (content === undefined) throw new Error(`ENOENT: ${path}`)
      return content
    },
    writeFile: async (path, content) => {
      written[path] = content
    },
    now: () => (now += 5),
  }
  return { io, out, err, written }
}

const SCENARIO = JSON.stringify({
  name: 'cli',
  servers: [{ name: 'a', maxconn: 2, service: 10 }],
  arrivals: [{ kind: 'burst', count: 10 }],
})

t.test('help and unknown commands', async (t) => {
  const none = fakeIo()
  t.equal(await main([], none.io), 2)
  t.match(none.out[0], /usage: switchyard <command>/)
  t.match(none.out[0], /simulate +run a scenario/)
  const help = fakeIo()
  t.equal(await main(['--help'], help.io), 0)
  const unknown = fakeIo()
  t.equal(await main(['frobnicate'], unknown.io), 2)
  t.match(unknown.err[0], /unknown command "frobnicate"/)
  const sub = fakeIo()
  t.equal(await main(['simulate', '--help'], sub.io), 0)
  t.match(sub.out[0], /usage: switchyard simulate/)
  t.ok(COMMANDS['simulate'])
  t.end()
})

t.test('simulate: summary, JSON, files', async (t) => {
  const run = fakeIo({ 's.json': SCENARIO })
  t.equal(await main(['simulate', 's.json'], run.io), 0)
  t.match(run.out[0], /^cli — roundrobin, seed 1/)
  t.match(run.out[0], /10 total: 10 served/)
  t.match(run.err[0], /simulated 10 requests in 5 ms of wall time/)

  const json = fakeIo({ 's.json': SCENARIO })
  t.equal(await main(['simulate', 's.json', '--json', '--seed', '7'], json.io), 0)
  const parsed = JSON.parse(json.out[0]!) as { seed: number; endedAt: number }
  t.equal(parsed.seed, 7)
  t.equal(parsed.endedAt, 50)

  const files = fakeIo({ 's.json': SCENARIO })
  t.equal(await main(['simulate', 's.json', '--out', 'out'], files.io), 0)
  t.same(Object.keys(files.written).sort(), ['out/in-service.svg', 'out/latency.svg', 'out/queue-depth.svg', 'out/result.json', 'out/server-load.svg', 'out/summary.md'])
  t.match(files.written['out/summary.md'], /^# cli\n\n\| algorithm/)
  t.match(files.err[1], /wrote .*result\.json.* to out/)
  t.end()
})

t.test('simulate: the summary shows health transitions, sticky sessions and priority classes', async (t) => {
  const scenario = JSON.stringify({
    name: 'sticky',
    servers: [
      { name: 'a', service: 10 },
      { name: 'b', service: 10 },
    ],
    arrivals: [
      { kind: 'constant', rate: 10, count: 40 },
      { kind: 'burst', at: 5, count: 2, priorityClass: -1 },
    ],
    failures: [{ server: 'a', at: 1000 }],
    changes: [{ at: 3000, server: 'b', admin: 'drain' }],
    health: { inter: 500, rise: 1, fall: 1 },
    persistence: { clients: 4 },
  })
  const run = fakeIo({ 's.json': scenario })
  t.equal(await main(['simulate', 's.json'], run.io), 0)
  t.match(run.out[0], /\n  health    1000 ms a ready\/down \(L4CON\)\n  health    3000 ms b drain\/up\n/)
  t.match(run.out[0], /\n  sticky    4 clients: \d+ hits, \d+ misses, \d+ redispatched, \d+ cookies set\n/)
  t.match(run.out[0], /\n  class -1  2 of 2 served, 0 timed out; p99 10 ms\n  class 0  \d+ of 40 served/)
  t.end()
})

t.test('simulate: comparisons from --balance or the scenario', async (t) => {
  const run = fakeIo({ 's.json': SCENARIO })
  t.equal(await main(['simulate', 's.json', '--balance', 'leastconn', '--balance', 'peak-ewma', '--out', 'o'], run.io), 0)
  t.match(run.out.at(-1), /\| leastconn \|.*\n\| peak-ewma \|/)
  t.same(Object.keys(run.written).sort(), ['o/compare-cdf.svg', 'o/compare-errors.svg', 'o/compare-percentiles.svg', 'o/result.json', 'o/summary.md'])
  t.ok(Array.isArray(JSON.parse(run.written['o/result.json']!)))
  const described = fakeIo({ 's.json': JSON.stringify({ ...JSON.parse(SCENARIO), description: 'Why.', compare: ['roundrobin', 'first'] }) })
  t.equal(await main(['simulate', 's.json', '--out', 'o'], described.io), 0)
  t.match(described.written['o/summary.md'], /^# cli\n\nWhy\.\n\n\| algorithm/)
  t.end()
})

t.test('simulate: usage and input errors', async (t) => {
  const rows: Array<[string[], number, RegExp]> = [
    [['simulate'], 2, /missing the scenario file/],
    [['simulate', 'a.json', 'b.json'], 2, /one scenario file at a time/],
    [['simulate', 'a.json', '--out'], 2, /--out needs a value/],
    [['simulate', 'a.json', '--seed', 'x'], 2, /--seed needs an integer/],
    [['simulate', 'a.json', '--verbose'], 2, /unknown option --verbose/],
    [['simulate', 'missing.json'], 1, /ENOENT/],
    [['simulate', 'bad.json'], 1, /bad\.json is not valid JSON/],
    [['simulate', 'invalid.json'], 1, /`servers\.0\.service`/],
    [['simulate', 'throws.json'], 1, /switchyard simulate: 42/],
  ]
  for (const [args, code, pattern] of rows) {
    const run = fakeIo({ 'bad.json': '{', 'invalid.json': JSON.stringify({ servers: [{ name: 'a' }], arrivals: [{ kind: 'burst', count: 1 }] }) })
    if (args[1] === 'throws.json') run.io.readFile = () => Promise.reject(42)
    t.equal(await main(args, run.io), code, args.join(' '))
    t.match(run.err[0], pattern)
  }
  t.end()
})

t.test('trace files are read relative to the scenario', async (t) => {
  const scenario = { servers: [{ name: 'a', service: 1 }], arrivals: [{ kind: 'trace', file: 'trace.json' }, { kind: 'burst', count: 1 }, 7, { kind: 'trace', requests: [] }] }
  const run = fakeIo({ 'dir/s.json': JSON.stringify(scenario), [join(process.cwd(), 'dir/trace.json')]: JSON.stringify([{ at: 5, key: 'k' }]) })
  const read = (await readScenario('dir/s.json', run.io)) as { arrivals: unknown[] }
  t.same(read.arrivals[0], { kind: 'trace', requests: [{ at: 5, key: 'k' }] })
  t.same(read.arrivals.slice(1), [{ kind: 'burst', count: 1 }, 7, { kind: 'trace', requests: [] }])
  const odd = fakeIo({ 'x.json': '[1]', 'y.json': '{"arrivals": 3}', 'z.json': 'null' })
  t.same(await readScenario('x.json', odd.io), [1])
  t.same(await readScenario('y.json', odd.io), { arrivals: 3 })
  t.equal(await readScenario('z.json', odd.io), null)
  t.end()
})

t.test('the entry point and the process io, in process', async (t) => {
  const argv = process.argv
  const exitCode = process.exitCode
  process.argv = [argv[0]!, 'switchyard', '--help']
  try {
    await import('../../lib/cli/switchyard.js')
    t.equal(process.exitCode, 0)
  } finally {
    process.argv = argv
    process.exitCode = exitCode
  }
  const dir = mkdtempSync(join(tmpdir(), 'swy-io-'))
  await processIo.writeFile(join(dir, 'deep', 'x.txt'), 'hi')
  t.equal(await processIo.readFile(join(dir, 'deep', 'x.txt')), 'hi')
  processIo.err('# (a line on stderr from the process io)')
  t.ok(processIo.now() > 0)
  t.end()
})

t.test('the real executable runs from the sources', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'swy-cli-'))
  writeFileSync(join(dir, 's.json'), SCENARIO)
  const bin = fileURLToPath(new URL('../../bin/switchyard.ts', import.meta.url))
  // No coverage collection in the child: it compiles the sources its own way (tsx), and merging
  // its coverage with the test processes' garbles the report. tap re-injects its hooks into any
  // child's environment, so the child is started through `env -i` with a clean one. The entry
  // point itself is covered in process above.
  const node = (args: string[]) => spawnSync('env', ['-i', `PATH=${process.env['PATH'] ?? ''}`, process.execPath, '--import', 'tsx', bin, ...args], { encoding: 'utf8', cwd: process.cwd() })
  const run = node(['simulate', join(dir, 's.json'), '--out', join(dir, 'out')])
  t.equal(run.status, 0, run.stderr)
  t.match(run.stdout, /10 total: 10 served/)
  t.match(readFileSync(join(dir, 'out', 'queue-depth.svg'), 'utf8'), /^<svg/)
  const bad = node(['nope'])
  t.equal(bad.status, 2)
  t.end()
})
