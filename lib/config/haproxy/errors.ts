/**
 * Configuration errors and warnings of the haproxy.cfg loader: every message
 * names the file, the line, the keyword and the reason.
 */
import { SwitchyardError, isSwitchyardError } from '../../errors.js'

/** Where a configuration line is: file name (as given to the loader) and 1-based line. */
export interface CfgLocation {
  readonly file: string
  readonly line: number
}

/**
 * A `SWY_ERR_CONFIG` error: `file:line: keyword: reason`, with details
 * `{ file, line, keyword }`.
 */
export function configError(at: CfgLocation, keyword: string, reason: string, cause?: unknown): SwitchyardError {
  return new SwitchyardError(
    'SWY_ERR_CONFIG',
    `${at.file}:${at.line}: \`${keyword}\`: ${reason}`,
    { file: at.file, line: at.line, keyword },
    cause === undefined ? undefined : { cause },
  )
}

/**
 * Runs `fn`, turning any SwitchyardError it throws (option validation, the
 * rules parser) into a `SWY_ERR_CONFIG` error at `at` for `keyword`.
 */
export function atLine<T>(at: CfgLocation, keyword: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (isSwitchyardError(err) && err.code !== 'SWY_ERR_CONFIG') throw configError(at, keyword, err.message, err)
    throw err
  }
}
