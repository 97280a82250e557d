import t, { type Test } from 'tap'
import http from 'node:http'
import { processIo, type CliIo, type CliSignal } from '../../lib/cli/io.js'
import { main } from '../../lib/cli/main.js'
import { parseRunArgs, runCommand } from '../../lib/cli/run-command.js'
import { echo, send, upstream, until } from '../fixtures/http.js'
import { httpBalancerCfg } from '../fixtures/config.js'

/** An in-memory world with signals the test delivers. */
function fakeIo(files: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const listeners = new Map<CliSignal, Set<() => void>>()
  const io: CliIo = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    readFile: async (path) => {
      const content = files[path]
      if (content === undefined) throw new Error(`ENOENT: no such file, open '${path}'`)
      return content
    },
    writeFile: async () => {},
    now: () => 0,
    onSignal(signal, listener) {
      const set = listeners.get(signal) ?? new Set()
      listeners.set(signal, set)
      set.add(listener)
      return () => set.delete(listener)
    },
  }
  const signal = (name: CliSignal): void => {
    for (const listener of [...(listeners.get(name) ?? [])]) listener()
  }
  const listening = (): number => listeners.get('SIGTERM')?.size ?? 0
  return { io, out, err, files, signal, listening }
}

/** The port the `frontend`'s startup line announced. */
function portOf(err: readonly string[], frontend: string, nth = 0): number {
  const lines = err.filter((l) => l.startsWith(`listening frontend=${frontend} `))
  return Number(/:(\d+)$/.exec(lines[nth]!)![1])
}

/** The CLI tests' configuration. */
const cfg = (servers: readonly string[]): string => httpBalancerCfg(servers)

t.test('arguments', (t) => {
  t.same(parseRunArgs(['-f', 'a.cfg', '-f', 'b.cfg']), { source: { kind: 'haproxy', files: ['a.cfg', 'b.cfg'] }, check: false })
  t.same(parseRunArgs(['-c', '--json', 'c.json']), { source: { kind: 'json', file: 'c.json' }, check: true })
  t.equal(parseRunArgs(['-f']), '-f needs a file')
  t.equal(parseRunArgs(['--json', 'a', '--json', 'b']), 'one --json file at a time')
  t.equal(parseRunArgs(['--json', 'a', '-f', 'b']), 'use -f or --json, not both')
  t.equal(parseRunArgs(['-c']), 'missing -f <file> or --json <file>')
  t.equal(parseRunArgs(['-f', 'a', '-x']), 'unknown option -x')
  t.equal(parseRunArgs(['-f', 'a', 'b']), 'unexpected argument "b"')
  t.end()
})

t.test('usage errors exit 2 with the usage; --help exits 0', async (t) => {
  const bad = fakeIo()
  t.equal(await main(['--frobnicate'], bad.io), 2)
  t.match(bad.err[0], /^switchyard: unknown option --frobnicate\n\nusage: switchyard -f <haproxy\.cfg>/)
  const help = fakeIo()
  t.equal(await main(['--help'], help.io), 0)
  t.match(help.out[0], /^usage: switchyard -f <haproxy\.cfg>[\s\S]*usage: switchyard <command> \[options\][\s\S]*simulate/)
  const short = fakeIo()
  t.equal(await main(['-h'], short.io), 0)
  t.equal(runCommand.usage, help.out[0]!.split('\n\nusage: switchyard <command>')[0])
  t.end()
})

t.test('-c: valid, invalid, warnings, JSON', async (t) => {
  const world = fakeIo({
    'ok.cfg': cfg(['127.0.0.1:1']),
    'bad.cfg': 'frontend www\n  bind 127.0.0.1:0\n  frobnicate on\n',
    'ok.json': JSON.stringify({ frontends: [{ name: 'fe', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'b' }], backends: { b: { servers: { s: { address: '127.0.0.1:1' } } } } }),
    'broken.json': '{',
    'wrong.json': JSON.stringify({ frontends: [{ name: 'fe', bind: [{ host: '127.0.0.1', port: 'x' }] }], backends: {} }),
    'semantic.json': JSON.stringify({ frontends: [{ name: 'fe', mode: 'tcp', bind: [{ host: '127.0.0.1', port: 0 }] }], backends: {} }),
  })
  t.equal(await main(['-c', '-f', 'ok.cfg'], world.io), 0)
  t.same(world.out, ['Configuration file is valid'])
  t.match(world.err[0], /^\[WARNING\] ok\.cfg:2: `daemon`: /)
  t.equal(await main(['-c', '-f', 'bad.cfg'], world.io), 1)
  t.match(world.err.at(-1), /^\[ALERT\] bad\.cfg:3: `frobnicate`: /)
  t.equal(await main(['-c', '-f', 'missing.cfg'], world.io), 1)
  t.match(world.err.at(-1), /^\[ALERT\] ENOENT: no such file/)
  // Files the configuration names are read from the disk, relative to the first file.
  world.files['errorfile.cfg'] = 'defaults\n  mode http\n  errorfile 503 /nonexistent/switchyard/503.http\n'
  t.equal(await main(['-c', '-f', 'errorfile.cfg'], world.io), 1)
  t.match(world.err.at(-1), /^\[ALERT\] errorfile\.cfg:3: `errorfile`: cannot read `\/nonexistent\/switchyard\/503\.http`: ENOENT/)
  t.equal(await main(['-c', '--json', 'ok.json'], world.io), 0)
  t.equal(await main(['-c', '--json', 'broken.json'], world.io), 1)
  t.match(world.err.at(-1), /^\[ALERT\] broken\.json: not valid JSON: /)
  t.equal(await main(['-c', '--json', 'wrong.json'], world.io), 1)
  t.match(world.err.at(-1), /^\[ALERT\] wrong\.json: Invalid configuration: frontends\[0\]\.bind\[0\]\.port: .*got "x"/)
  t.equal(await main(['-c', '--json', 'semantic.json'], world.io), 1)
  t.match(world.err.at(-1), /^\[ALERT\] frontend "fe" \(mode tcp\) has no default backend/)
  t.end()
})

t.test('several -f files read as one; errors and warnings name their own file and line', async (t) => {
  const world = fakeIo({
    'a.cfg': 'global\n  daemon\ndefaults\n  mode http\n  timeout connect 1s',
    'b.cfg': 'frontend www\n  bind 127.0.0.1:0\n  default_backend web\nbackend web\n  server s1 127.0.0.1:1\n',
    'c.cfg': '\nbackend other\n  user nobody\n  frobnicate\n',
    'empty.cfg': '',
  })
  t.equal(await main(['-c', '-f', 'a.cfg', '-f', 'empty.cfg', '-f', 'b.cfg'], world.io), 0)
  t.match(world.err[0], /^\[WARNING\] a\.cfg:2: `daemon`/)
  t.equal(await main(['-c', '-f', 'a.cfg', '-f', 'b.cfg', '-f', 'c.cfg'], world.io), 1)
  t.match(world.err.at(-1), /^\[ALERT\] c\.cfg:3: `user`/)
  t.end()
})

/** Starts the load balancer in-process; resolves once it listens, with its exit promise (wrapped: an async function would wait for it). */
async function startRun(t: Test, world: ReturnType<typeof fakeIo>, args: string[]): Promise<{ exit: Promise<number> }> {
  const exit = main(args, world.io)
  t.teardown(async () => {
    world.signal('SIGTERM')
    await exit
  })
  await until(() => world.err.some((l) => l.startsWith('listening ')) || world.err.some((l) => l.startsWith('[ALERT]')))
  return { exit }
}

t.test('run: balances, logs httplog lines to stdout, reloads on SIGHUP, stops on SIGTERM', async (t) => {
  const s1 = await upstream(t, echo('s1'))
  const s2 = await upstream(t, echo('s2'))
  const s3 = await upstream(t, echo('s3'))
  const world = fakeIo({ 'lb.cfg': cfg([s1, s2]) })
  const { exit } = await startRun(t, world, ['-f', 'lb.cfg'])
  t.match(world.err[0], /^\[WARNING\] lb\.cfg:2: `daemon`/)
  const port = portOf(world.err, 'www')
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const seen: string[] = []
  for (let i = 0; i < 4; i++) seen.push((await send(port, { agent })).headers['x-server'] as string)
  t.same(seen, ['s1', 's2', 's1', 's2'])
  await until(() => world.out.length === 4)
  t.match(world.out[0], /^127\.0\.0\.1:\d+ \[[^\]]+\] www web\/s1 \d+\/\d+\/\d+\/\d+\/\d+ 200 \d+ - - ---- 1\/1\/0\/0\/0 0\/0 "GET \/ HTTP\/1\.1"$/)

  // SIGHUP with a third server: the open keep-alive connection keeps working and reaches it.
  world.files['lb.cfg'] = cfg([s1, s2, s3])
  world.signal('SIGHUP')
  await until(() => world.err.some((l) => l.startsWith('reloaded')))
  t.match(world.err.find((l) => l.startsWith('reloaded')), /^reloaded; servers added: web\/s3$/)
  const after = new Set<string>()
  for (let i = 0; i < 3; i++) after.add((await send(port, { agent })).headers['x-server'] as string)
  t.same([...after].sort(), ['s1', 's2', 's3'])
  const socket = Object.values(agent.freeSockets)[0]![0]!
  t.equal((await send(port, { agent })).status, 200)
  t.equal(Object.values(agent.freeSockets)[0]![0], socket, 'one client connection throughout')

  // Same file again: nothing changes.
  world.signal('SIGHUP')
  await until(() => world.err.filter((l) => l.startsWith('reloaded')).length === 2)
  t.equal(world.err.filter((l) => l.startsWith('reloaded'))[1], 'reloaded: no change')

  // SIGHUP with a broken file: logged, the running configuration stays.
  world.files['lb.cfg'] = 'frontend www\n  bind 127.0.0.1:0\n  frobnicate\n'
  world.signal('SIGHUP')
  await until(() => world.err.some((l) => l.startsWith('[ALERT]')))
  t.match(world.err.find((l) => l.startsWith('[ALERT]')), /^\[ALERT\] reload failed, keeping the running configuration: lb\.cfg:3: `frobnicate`/)
  t.equal((await send(port, { agent })).status, 200)

  world.signal('SIGTERM')
  t.equal(await exit, 0)
  t.same(world.err.slice(-2), ['SIGTERM: stopping (in-flight work finishes)', 'stopped'])
  t.equal(world.listening(), 0, 'signal listeners removed')
  await t.rejects(send(port), { code: 'ECONNREFUSED' })
  t.end()
})

t.test('run from JSON; SIGINT stops; reload warnings and frontend changes are reported', async (t) => {
  const s1 = await upstream(t, echo('s1'))
  const json = (monitorUri: string, timeout: number) =>
    JSON.stringify({
      frontends: [{ name: 'fe', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'b', http: { monitorUri } }],
      backends: { b: { options: { timeouts: { server: timeout } }, servers: { s1: { address: s1 } } } },
    })
  const world = fakeIo({ 'c.json': json('/up', 1000) })
  const { exit } = await startRun(t, world, ['--json', 'c.json'])
  const port = portOf(world.err, 'fe')
  t.equal((await send(port, { path: '/up' })).status, 200)
  world.files['c.json'] = json('/alive', 2000)
  world.signal('SIGHUP')
  await until(() => world.err.some((l) => l.startsWith('reloaded')))
  t.ok(world.err.includes('[WARNING] backend "b": changed options apply to new backends only; restart to apply them'))
  t.equal(world.err.find((l) => l.startsWith('reloaded')), 'reloaded; frontends updated: fe')
  t.equal((await send(port, { path: '/alive' })).status, 200)
  t.equal(world.out.length, 0, 'no log without `log`')
  world.signal('SIGINT')
  t.equal(await exit, 0)
  t.ok(world.err.includes('SIGINT: stopping (in-flight work finishes)'))
  t.end()
})

t.test('a configuration that cannot start exits 1', async (t) => {
  const world = fakeIo({ 'x.json': JSON.stringify({ frontends: [{ name: 'fe', bind: [{ host: '192.0.2.1', port: 1 }], defaultBackend: 'b' }], backends: { b: { servers: {} } } }) })
  t.equal(await main(['--json', 'x.json'], world.io), 1)
  t.match(world.err.at(-1), /^\[ALERT\] listen E/)
  t.end()
})

t.test('processIo listens to process signals until unsubscribed', (t) => {
  // Emitting the signal here would reach tap's own exit handler: check the registration instead.
  const listener = (): void => {}
  const off = processIo.onSignal!('SIGHUP', listener)
  t.ok(process.listeners('SIGHUP').includes(listener))
  off()
  t.notOk(process.listeners('SIGHUP').includes(listener))
  t.end()
})
