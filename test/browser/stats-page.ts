/**
 * The stats page in a real headless browser (Debian's chromium): the DOM
 * after scripts ran must hold the backend table, and a PNG screenshot must be
 * written. Fails (never skips) when /usr/bin/chromium is missing: .ci/run
 * installs it.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createProxy } from '../../lib/proxy.js'
import { listen, send, upstream, until } from '../fixtures/http.js'

const CHROMIUM = '/usr/bin/chromium'
const run = promisify(execFile)

t.test('the stats page renders its tables in headless chromium', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.fail(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does: apt-get install -y chromium)`)
    return
  }
  const proxy = createProxy()
  t.teardown(() => proxy.close())
  const web = proxy.addBackend('web')
  web.addServer('s1', { address: await upstream(t, (_req, res) => res.end('ok')) })
  web.addServer('s2', { address: 'http://127.0.0.1:1', disabled: true })
  const port = await listen(t, http.createServer(proxy.handler))
  await send(port)
  await until(() => proxy.stats().frontend.stot === 1)
  const statsPort = await listen(t, http.createServer(proxy.statsHandler({ refresh: 200 })))
  const dir = mkdtempSync(join(tmpdir(), 'swy-chromium-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`]
  const url = `http://127.0.0.1:${statsPort}/stats`
  const png = join(dir, 'stats.png')
  await run(CHROMIUM, [...flags, `--screenshot=${png}`, '--window-size=1200,800', url], { timeout: 60_000 })
  const image = readFileSync(png)
  t.equal(image.subarray(1, 4).toString(), 'PNG', 'a PNG screenshot was written')
  t.ok(image.length > 2000, `screenshot of ${image.length} bytes`)
  const { stdout } = await run(CHROMIUM, [...flags, '--virtual-time-budget=1000', '--dump-dom', url], { timeout: 60_000, maxBuffer: 8 << 20 })
  t.match(stdout, /<table data-backend="web">/)
  t.match(stdout, /<tr class="up"><td>s1<\/td>/)
  t.match(stdout, /<tr class="maint"><td>s2<\/td>/)
  // The server wrote an ISO timestamp; the refresh script replaces it with a local time after fetching the JSON.
  t.match(stdout, /<span id="updated">\d{1,2}:\d{2}:\d{2}[^<]*<\/span>/, 'the refresh script fetched the JSON and re-rendered')
})
