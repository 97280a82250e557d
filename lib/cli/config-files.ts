/**
 * Reads the configuration the command line was given: one or more haproxy.cfg
 * files (`-f`, read in order as if concatenated, like HAProxy) or a JSON file
 * (`--json`), into a {@link LoadedConfig}.
 */
import { readFileSync } from 'node:fs'
import { loadHaproxyConfig } from '../config/haproxy/load.js'
import { parseSwitchyardConfig } from '../config/schema.js'
import type { ConfigWarning, LoadedConfig } from '../config/types.js'
import { SwitchyardError, isSwitchyardError } from '../errors.js'
import type { CliIo } from './io.js'

/** Where the configuration comes from. */
export type ConfigSource = { readonly kind: 'haproxy'; readonly files: readonly string[] } | { readonly kind: 'json'; readonly file: string }

/** One file's first line in the concatenated text. */
interface Part {
  readonly file: string
  readonly first: number
}

/** Maps a line of the concatenated text back to its file and line. */
function locate(parts: readonly Part[], line: number): { file: string; line: number } {
  let part = parts[0]!
  for (const p of parts) if (p.first <= line) part = p
  return { file: part.file, line: line - part.first + 1 }
}

/**
 * Loads the configuration from `source`. Several haproxy.cfg files are read
 * in order as one text (a `defaults` section carries over, as in HAProxy);
 * errors and warnings name the file and line where they are. Files the
 * configuration names (`errorfile`, `ca-file`) are read relative to the
 * first file's directory.
 * @throws {SwitchyardError} SWY_ERR_CONFIG; the file system's error when a file cannot be read
 */
export async function loadConfigSource(source: ConfigSource, io: CliIo): Promise<LoadedConfig> {
  if (source.kind === 'json') {
    const text = await io.readFile(source.file)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      throw new SwitchyardError('SWY_ERR_CONFIG', `${source.file}: not valid JSON: ${(err as Error).message}`, { file: source.file }, { cause: err })
    }
    try {
      return { config: parseSwitchyardConfig(value), warnings: [] }
    } catch (err) {
      const e = err as SwitchyardError
      throw new SwitchyardError(e.code, `${source.file}: ${e.message}`, { ...e.details, file: source.file }, { cause: err })
    }
  }
  const parts: Part[] = []
  let text = ''
  let lines = 0
  for (const file of source.files) {
    const content = await io.readFile(file)
    parts.push({ file, first: lines + 1 })
    const body = content.endsWith('\n') || content === '' ? content : `${content}\n`
    text += body
    lines += body.split('\n').length - 1
  }
  const first = source.files[0]!
  try {
    const loaded = loadHaproxyConfig(text, { file: first, readFile: (path) => readFileSync(path) })
    return { config: loaded.config, warnings: loaded.warnings.map((w): ConfigWarning => ({ ...w, ...locate(parts, w.line) })) }
  } catch (err) {
    // Every loader error is a SWY_ERR_CONFIG naming its line; anything else (a bug) goes up as is.
    /* c8 ignore next */
    if (!isSwitchyardError(err) || typeof err.details['line'] !== 'number') throw err
    const at = locate(parts, err.details['line'])
    const message = err.message.replace(`${first}:${err.details['line']}:`, `${at.file}:${at.line}:`)
    throw new SwitchyardError(err.code, message, { ...err.details, ...at }, { cause: err })
  }
}

/** A warning as the command line prints it: `[WARNING] file:line: \`keyword\`: message`. */
export function warningLine(w: ConfigWarning): string {
  return `[WARNING] ${w.file}:${w.line}: \`${w.keyword}\`: ${w.message}`
}
