/**
 * Benchmark entry point: `npm run bench -- <suite> [options]`.
 * Each suite is a module `bench/<suite>.ts` exporting `run(args)`; results are
 * printed as a table and written as JSON under bench/results/.
 */
const SUITES = ['pick', 'queue', 'http', 'transport', 'cookie', 'rules', 'health', 'sim', 'tcp'] as const

const [suite, ...args] = process.argv.slice(2)
if (suite === undefined || !(SUITES as readonly string[]).includes(suite)) {
  console.error(`usage: npm run bench -- <${SUITES.join('|')}> [options]`)
  process.exit(2)
}
const mod = (await import(`./${suite}.ts`)) as { run(args: string[]): Promise<void> }
await mod.run(args)
