import t from 'tap'
import { readdirSync } from 'node:fs'
import { startConfig } from '../../lib/config/start.js'
import type { SwitchyardConfig } from '../../lib/config/types.js'
import { HAPROXY_FIXTURES, loadFixture } from '../fixtures/config.js'

/** The configuration with every bind moved to 127.0.0.1 on a port the OS chooses. */
function onFreePorts(config: SwitchyardConfig): SwitchyardConfig {
  return { ...config, frontends: config.frontends.map((f) => ({ ...f, bind: f.bind.map((b) => ({ ...b, host: '127.0.0.1', port: 0 })) })) }
}

// The loader's own tests check what each fixture loads into; here every one that loads also runs.
t.test('every seed configuration that loads starts, binds each frontend, and stops', async (t) => {
  const files = readdirSync(HAPROXY_FIXTURES).filter((f) => f.endsWith('.cfg')).sort()
  let started = 0
  for (const file of files) {
    let config: SwitchyardConfig
    try {
      config = loadFixture(file).config
    } catch {
      continue // a fixture kept to show a loader error (the published Flask configuration)
    }
    const running = await startConfig(onFreePorts(config))
    const binds = config.frontends.reduce((n, f) => n + f.bind.length, 0)
    t.equal(running.listeners.length, binds, `${file}: ${binds} listeners`)
    await running.close({ hardStopAfter: 0 })
    started++
  }
  t.ok(started >= 35, `${started} of ${files.length} configurations ran`)
  t.end()
})
