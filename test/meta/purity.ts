import t from 'tap'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The policy core must stay pure: no node:* modules, no zod, and no global
 * clocks, timers or randomness. Everything arrives through injected Deps.
 */
const root = fileURLToPath(new URL('../../lib/', import.meta.url))
const PURE = [
  'balance',
  'queue',
  'persist',
  'rules',
  'proxy-protocol',
  'health/state.ts',
  'health/agent.ts',
  'health/check-status.ts',
  'health/http-expect.ts',
  'health/options.ts',
  'health/target.ts',
  'health/types.ts',
  'server.ts',
  'types.ts',
  'errors.ts',
  'weight-change.ts',
]
const FORBIDDEN: Array<[RegExp, string]> = [
  [/from\s+['"]node:/, 'node:* import'],
  [/from\s+['"](fs|net|http|https|tls|dns|os|path|crypto|events|timers)['"]/, 'node builtin import'],
  [/from\s+['"]zod['"]/, 'zod import'],
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew\s+Date\s*\(/, 'new Date()'],
  [/\bperformance\.now\s*\(/, 'performance.now()'],
  [/\bMath\.random\s*\(/, 'Math.random()'],
  [/\bset(Timeout|Interval|Immediate)\s*\(/, 'timer'],
  [/\bprocess\./, 'process'],
]

function files(path: string): string[] {
  try {
    if (statSync(path).isFile()) return path.endsWith('.ts') ? [path] : []
  } catch {
    return []
  }
  return readdirSync(path).flatMap((name) => files(join(path, name)))
}

t.test('pure core files use no I/O, zod, clocks, timers or randomness', (t) => {
  const checked = PURE.flatMap((p) => files(join(root, p)))
  t.ok(checked.length >= 5, `checked ${checked.length} files`)
  for (const file of checked) {
    // Comments may mention the forbidden names; only code counts.
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
    for (const [pattern, what] of FORBIDDEN) {
      t.notOk(pattern.test(code), `${relative(root, file)}: no ${what}`)
    }
  }
  t.end()
})

t.test('the simulator uses no I/O, clocks, timers or randomness (zod only at its schema)', (t) => {
  const checked = files(join(root, 'sim'))
  t.ok(checked.length >= 8, `checked ${checked.length} files`)
  for (const file of checked) {
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
    for (const [pattern, what] of FORBIDDEN) {
      if (what === 'zod import' && file.endsWith('scenario-schema.ts')) continue
      t.notOk(pattern.test(code), `${relative(root, file)}: no ${what}`)
    }
  }
  t.end()
})

t.test('the detector itself catches a violation', (t) => {
  const sample = "import { x } from 'node:net'\nconst n = Date.now()\n"
  t.ok(FORBIDDEN.some(([p]) => p.test(sample)))
  t.end()
})
