import t, { type Test } from 'tap'
import http from 'node:http'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { echo, send, upstream, until } from '../fixtures/http.js'
import { httpBalancerCfg } from '../fixtures/config.js'

// The development shim, as `npm run simulate` uses it: the same code as the published bin.
const bin = fileURLToPath(new URL('../../bin/switchyard.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'))
/**
 * Runs node through `env -i`: tap's process tracking adds its coverage hooks to
 * spawned node processes, and a child loading lib/ through tsx would merge
 * unrelated coverage into the report (the CLI's logic is tested in-process).
 */
const NODE = ['-i', `PATH=${process.env['PATH'] ?? ''}`, process.execPath, '--import', 'tsx', bin]

/** The CLI tests' configuration (a bounded stop). */
const cfg = (servers: readonly string[]): string => httpBalancerCfg(servers, ['  hard-stop-after 5s'])

interface Running {
  readonly child: ChildProcess
  readonly out: string[]
  readonly err: string[]
  readonly port: number
  readonly exit: Promise<number | null>
}

function lines(stream: NodeJS.ReadableStream, into: string[]): void {
  let rest = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n')
    rest = parts.pop()!
    into.push(...parts)
  })
}

/** Spawns `switchyard -f file` and waits for its startup line. */
async function run(t: Test, file: string): Promise<Running> {
  const child = spawn('env', [...NODE, '-f', file], { cwd: process.cwd() })
  const out: string[] = []
  const err: string[] = []
  lines(child.stdout!, out)
  lines(child.stderr!, err)
  const exit = once(child, 'exit').then(([code]) => code as number | null)
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  await until(() => err.some((l) => l.startsWith('listening frontend=www ')) || child.exitCode !== null, 20_000)
  const line = err.find((l) => l.startsWith('listening frontend=www '))
  if (line === undefined) throw new Error(`switchyard did not start: ${err.join('\n')}`)
  return { child, out, err, exit, port: Number(/127\.0\.0\.1:(\d+)$/.exec(line)![1]) }
}

t.test('-c: exit codes and messages like haproxy -c; unknown flags exit 2', (t) => {
  const ok = join(dir, 'ok.cfg')
  writeFileSync(ok, cfg(['127.0.0.1:1']))
  const bad = join(dir, 'bad.cfg')
  writeFileSync(bad, 'frontend www\n  mode http\n  bind 127.0.0.1:0\n  frobnicate on\n')
  const node = (args: string[]) => spawnSync('env', [...NODE, ...args], { encoding: 'utf8' })
  const valid = node(['-c', '-f', ok])
  t.equal(valid.status, 0, valid.stderr)
  t.equal(valid.stdout, 'Configuration file is valid\n')
  t.match(valid.stderr, /\[WARNING\] .*ok\.cfg:2: `daemon`/)
  const invalid = node(['-c', '-f', bad])
  t.equal(invalid.status, 1)
  t.equal(invalid.stdout, '')
  t.match(invalid.stderr, /^\[ALERT\] .*bad\.cfg:4: `frobnicate`: /)
  const unknown = node(['--bogus'])
  t.equal(unknown.status, 2)
  t.match(unknown.stderr, /unknown option --bogus\n\nusage: switchyard -f/)
  t.end()
})

t.test('runs a haproxy.cfg: balances, logs httplog to stdout, reloads on SIGHUP keeping connections, stops on SIGTERM after in-flight work', async (t) => {
  let release: (() => void) | undefined
  // `/slow` is held until released, on whichever server gets it.
  const server = (name: string): http.RequestListener => (req, res) => {
    if (req.url !== '/slow') return echo(name)(req, res)
    res.writeHead(200, { 'x-server': name })
    res.flushHeaders()
    release = () => res.end('slow done')
  }
  const s1 = await upstream(t, server('s1'))
  const s2 = await upstream(t, server('s2'))
  const s3 = await upstream(t, server('s3'))
  const file = join(dir, 'lb.cfg')
  writeFileSync(file, cfg([s1, s2]))
  const lb = await run(t, file)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const seen: string[] = []
  for (let i = 0; i < 4; i++) seen.push((await send(lb.port, { agent })).headers['x-server'] as string)
  t.same(seen, ['s1', 's2', 's1', 's2'], 'round robin over the two servers')
  await until(() => lb.out.length === 4, 5000)
  t.match(lb.out[0], /^127\.0\.0\.1:\d+ \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2}\.\d{3}\] www web\/s1 \d+\/\d+\/\d+\/\d+\/\d+ 200 \d+ - - ---- 1\/1\/0\/0\/0 0\/0 "GET \/ HTTP\/1\.1"$/)
  t.match(lb.out[1], / www web\/s2 /)

  // SIGHUP with a third server: the open keep-alive connection carries on and reaches it.
  const socket = Object.values(agent.freeSockets)[0]![0]!
  writeFileSync(file, cfg([s1, s2, s3]))
  lb.child.kill('SIGHUP')
  await until(() => lb.err.some((l) => l.startsWith('reloaded')), 10_000)
  t.ok(lb.err.includes('reloaded; servers added: web/s3'))
  const after = new Set<string>()
  for (let i = 0; i < 3; i++) after.add((await send(lb.port, { agent })).headers['x-server'] as string)
  t.same([...after].sort(), ['s1', 's2', 's3'])
  t.equal(Object.values(agent.freeSockets)[0]![0], socket, 'the same client connection throughout')

  // SIGHUP with a broken file: the error is logged and the old configuration keeps running.
  writeFileSync(file, 'frontend www\n  bind 127.0.0.1:0\n  frobnicate\n')
  lb.child.kill('SIGHUP')
  await until(() => lb.err.some((l) => l.startsWith('[ALERT]')), 10_000)
  t.match(lb.err.find((l) => l.startsWith('[ALERT]')), /^\[ALERT\] reload failed, keeping the running configuration: .*lb\.cfg:3: `frobnicate`/)
  t.equal((await send(lb.port, { agent })).status, 200)
  agent.destroy()

  // SIGTERM with a slow request in flight: it completes, then the process exits 0.
  const slow = send(lb.port, { path: '/slow' })
  await until(() => release !== undefined, 5000)
  lb.child.kill('SIGTERM')
  await until(() => lb.err.some((l) => l.startsWith('SIGTERM: stopping')), 5000)
  // Refused once the listener closed; reset if it arrived in the instant before.
  await t.rejects(send(lb.port), { code: /^ECONN(REFUSED|RESET)$/ }, 'no longer accepting')
  release!()
  t.equal((await slow).body, 'slow done')
  t.equal(await lb.exit, 0)
  t.equal(lb.err.at(-1), 'stopped')
  t.end()
})
