import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'

/** Writes a suite's results as JSON under bench/results/ with the machine's facts. */
export function writeResults(suite: string, data: unknown): string {
  const dir = new URL('./results/', import.meta.url)
  mkdirSync(dir, { recursive: true })
  const file = new URL(`${suite}.json`, dir)
  const payload = {
    suite,
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    data,
  }
  writeFileSync(file, JSON.stringify(payload, null, 2) + '\n')
  return file.pathname
}
