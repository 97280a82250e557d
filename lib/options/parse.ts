/**
 * The one place zod errors become {@link SwitchyardError}s. Called at the
 * public boundary only (never on a hot path).
 */
import { z } from 'zod'
import { SwitchyardError } from '../errors.js'

/**
 * Parses `input` with `schema`; on failure throws SWY_ERR_INVALID_OPTION whose
 * message names where (e.g. `server "s1"`), each offending field, the value
 * received and what is allowed.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const lines = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const prefix = issue.path.map((p) => `${String(p)}.`).join('')
      return `unknown option ${issue.keys.map((k) => `\`${prefix}${k}\``).join(', ')}`
    }
    const path = issue.path.length === 0 ? '(options)' : issue.path.map(String).join('.')
    // A shorthand (a bare string) is checked as an object: show the string itself.
    const value = typeof input === 'object' && input !== null ? valueAt(input, issue.path) : input
    return `\`${path}\`: ${issue.message}${value === undefined ? '' : `, got ${describe(value)}`}`
  })
  throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Invalid options for ${where}: ${lines.join('; ')}`, {
    where,
    issues: result.error.issues,
  })
}

function valueAt(input: object, path: readonly PropertyKey[]): unknown {
  let value: unknown = input
  // zod only reports paths it walked, so every step is an object.
  for (const key of path) value = (value as Record<PropertyKey, unknown>)[key]
  return value
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' ? safeJson(value) : String(value)
  return `\`${text.length > 60 ? `${text.slice(0, 57)}...` : text}\` (${value === null ? 'null' : typeof value})`
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}
