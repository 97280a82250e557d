/**
 * File-descriptor exhaustion (issue 11; node-http-proxy#480 crashed on it):
 * a proxy process under `ulimit -n 96` is offered far more client connections
 * than it can hold. It must not crash; failed upstream connects are answered
 * 503 (`RC`), refused accepts are resets; once the clients leave, 100
 * consecutive requests succeed.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { ledgerServer, Ledger } from '../fixtures/fault-servers.js'

const child = fileURLToPath(new URL('../fixtures/fd-child.ts', import.meta.url))

t.test('a proxy out of file descriptors keeps running and recovers', async (t) => {
  const ledger = new Ledger()
  const upstream = await ledgerServer(t, 's', ledger, { delay: 400 })
  const proc = spawn('sh', ['-c', `ulimit -n 96; exec "${process.execPath}" --import tsx "${child}" ${upstream.address}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  let exited: number | null | undefined
  proc.on('exit', (code) => (exited = code))
  t.teardown(() => {
    proc.kill('SIGKILL')
  })
  const { port } = await new Promise<{ port: number }>((resolve) => proc.once('message', (m) => resolve(m as { port: number })))
  const report = async (): Promise<{ counts: Record<string, number>; accepts: number; fds: number }> => {
    proc.send('report')
    return new Promise((resolve) => proc.once('message', (m) => resolve(m as never)))
  }
  const idle = await report()

  // 200 clients at once, each a request held 400 ms by the server: far more than 96 fds.
  const results = new Map<string, number>()
  const count = (key: string): void => void results.set(key, (results.get(key) ?? 0) + 1)
  await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      new Promise<void>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port, path: `/?id=${i}`, agent: false, headers: { 'x-req-id': `fd-${i}` } }, (res) => {
          res.resume()
          res.on('end', () => {
            count(String(res.statusCode))
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
  t.comment(`clients: ${JSON.stringify(Object.fromEntries(results))}; proxy log: ${JSON.stringify(under.counts)}; fds idle ${idle.fds}`)
  for (const key of results.keys()) t.match(key, /^(200|503|ECONNRESET|EPIPE|ECONNREFUSED)$/, `client outcome ${key} is a success, a documented 503, or a refused connection`)
  t.ok((results.get('200') ?? 0) > 0, 'some requests were served')
  t.ok([...results.keys()].some((k) => k !== '200'), 'the limit was actually reached')
  for (const key of Object.keys(under.counts)) t.match(key, /^(200 --|503 RC|-1 C[HQCD])$/, `logged outcome ${key} is documented`)
  t.ok((under.counts['503 RC'] ?? 0) > 0, 'connects that found no file descriptor are logged RC (resource exhaustion)')
  t.ok([...ledger.seen.values()].every((n) => n === 1), 'no request reached the server twice')

  upstream.behaviour = {}
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
  let ok = 0
  for (let i = 0; i < 100; i++) {
    const status = await new Promise<number>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/after', agent }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode!))
      }).on('error', () => resolve(-1))
    })
    if (status === 200) ok++
  }
  agent.destroy()
  t.equal(ok, 100, 'afterwards 100 consecutive requests succeed')
  // Pooled server connections idle out after 500 ms (the child's idleTimeout), client ones when the agent closes.
  let after = await report()
  const deadline = performance.now() + 5_000
  while (after.fds > idle.fds && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    after = await report()
  }
  t.ok(after.fds <= idle.fds, `fds back to idle (${idle.fds} → ${after.fds})`)
  t.equal(exited, undefined)
})
