/**
 * File-descriptor exhaustion (issue 11; node-http-proxy#480 crashed on it):
 * a proxy process limited to 96 descriptors (`prlimit`, once it listens),
 * first with every descriptor but one held (each client is accepted, its
 * server connect fails: 503 `RC`), then offered far more client connections
 * than it can hold (which side runs out first depends on timing: served, 503
 * `RC`, or a reset accept). It must not crash; once the clients leave, 100
 * consecutive requests succeed.
 */
import t from 'tap'
import { execFileSync, spawn } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { ledgerServer, Ledger } from '../fixtures/fault-servers.js'

const child = fileURLToPath(new URL('../fixtures/fd-child.ts', import.meta.url))

t.test('a proxy out of file descriptors keeps running and recovers', async (t) => {
  const ledger = new Ledger()
  const upstream = await ledgerServer(t, 's', ledger, { delay: 400 })
  // Started with the normal limit, lowered once listening: loading the modules opens many files
  // at once (zod's locales alone are dozens), which under 96 sometimes failed startup with EMFILE.
  const proc = spawn(process.execPath, ['--import', 'tsx', child, upstream.address], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Not measured by tap's coverage (tsx compiles lib differently; the offsets would not match).
    env: { PATH: process.env['PATH'] ?? '', _TAPJS_PROCESSINFO_COVERAGE_: '0' },
  })
  let exited: string | undefined
  proc.on('exit', (code, signal) => (exited = `code ${code}, signal ${signal}`))
  // Sending to a process that died emits 'error' here: the waits below report the exit instead.
  proc.on('error', () => {})
  t.teardown(() => {
    proc.kill('SIGKILL')
  })
  /** The child's next message; rejects (naming `what`) if it exits or stays silent for 20 s. */
  const nextMessage = <T>(what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer)
        proc.off('message', onMessage)
        proc.off('exit', onExit)
      }
      const onMessage = (m: unknown): void => {
        done()
        resolve(m as T)
      }
      const onExit = (): void => {
        done()
        reject(new Error(`the proxy process exited (${exited}) while the test waited for ${what}`))
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`no ${what} from the proxy process within 20 s`))
      }, 20_000)
      proc.on('message', onMessage)
      proc.on('exit', onExit)
      if (exited !== undefined) onExit()
    })
  const { port } = await nextMessage<{ port: number }>('port')
  execFileSync('prlimit', ['--pid', String(proc.pid), '--nofile=96:96'])
  const ask = <T>(what: 'report' | 'fill' | 'release'): Promise<T> => {
    const reply = nextMessage<T>(what)
    proc.send(what)
    return reply
  }
  const report = (): Promise<{ counts: Record<string, number>; accepts: number; fds: number | null }> => ask('report')
  const idle = await report()

  // The connect side, made certain: every descriptor but one held, so each client is accepted
  // and its server connect finds none (a fresh process: no pooled connection to reuse).
  const { held } = await ask<{ held: number }>('fill')
  t.ok(held > 0, `the proxy process holds ${held} descriptors: one left`)
  const starved: number[] = []
  for (let i = 0; i < 3; i++) {
    starved.push(
      await new Promise<number>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/starved', agent: false, headers: { 'x-req-id': `starved-${i}` } }, (res) => {
          res.resume()
          res.on('close', () => resolve(res.complete ? res.statusCode! : -1))
        })
        req.on('error', () => resolve(-2))
        req.setTimeout(10_000, () => req.destroy())
      }),
    )
  }
  await ask('release')
  t.same(starved, [503, 503, 503], 'a client accepted with the last descriptor gets 503: its server connect found none')
  t.same((await report()).counts, { '503 RC': 3 }, 'each is logged RC (resource exhaustion)')
  t.same([...ledger.seen.keys()], [], 'none reached the server')

  // 200 clients at once, each a request held 400 ms by the server: far more than 96 fds.
  const results = new Map<string, number>()
  const count = (key: string): void => void results.set(key, (results.get(key) ?? 0) + 1)
  await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      new Promise<void>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port, path: `/?id=${i}`, agent: false, headers: { 'x-req-id': `fd-${i}` } }, (res) => {
          res.resume()
          // 'close' also comes when the body is cut short (no 'end' then): counted as such, not waited for.
          res.on('close', () => {
            count(res.complete ? String(res.statusCode) : `${res.statusCode} cut short`)
            resolve()
          })
        })
        req.on('error', (err: NodeJS.ErrnoException) => {
          count(err.code ?? 'error')
          resolve()
        })
        req.setTimeout(10_000, () => req.destroy())
        req.end()
      }),
    ),
  )
  t.equal(exited, undefined, 'the proxy process is still running')
  const under = await report()
  t.comment(`clients: ${JSON.stringify(Object.fromEntries(results))}; proxy log: ${JSON.stringify(under.counts)}; fds idle ${idle.fds}, now ${under.fds}`)
  for (const key of results.keys()) t.match(key, /^(200|503|ECONNRESET|EPIPE|ECONNREFUSED)$/, `client outcome ${key} is a success, a documented 503, or a refused connection`)
  t.ok((results.get('200') ?? 0) > 0, 'some requests were served')
  t.ok([...results.keys()].some((k) => k !== '200'), 'the limit was actually reached')
  for (const key of Object.keys(under.counts)) t.match(key, /^(200 --|503 RC|-1 C[HQCD])$/, `logged outcome ${key} is documented`)
  t.ok([...ledger.seen.values()].every((n) => n === 1), 'no request reached the server twice')

  upstream.behaviour = {}
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
  let ok = 0
  for (let i = 0; i < 100; i++) {
    const status = await new Promise<number>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/after', agent }, (res) => {
        res.resume()
        res.on('close', () => resolve(res.complete ? res.statusCode! : -1))
      })
      req.on('error', () => resolve(-1))
      req.setTimeout(5_000, () => req.destroy())
    })
    if (status === 200) ok++
  }
  agent.destroy()
  t.equal(ok, 100, 'afterwards 100 consecutive requests succeed')
  // Pooled server connections idle out after 500 ms (the child's idleTimeout), client ones when the agent closes.
  let after = await report()
  const deadline = performance.now() + 5_000
  const settled = (): boolean => after.fds !== null && after.fds <= idle.fds!
  while (!settled() && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    after = await report()
  }
  t.ok(settled(), `fds back to idle (${idle.fds} → ${after.fds})`)
  t.equal(exited, undefined)
})
