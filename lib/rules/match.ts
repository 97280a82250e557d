/**
 * Pattern matching compiled once: string matchers that test a range of a
 * string (so header values, cookie values and the path inside the target are
 * matched in place, without slicing), and integer comparisons.
 *
 * Case-insensitive matching folds ASCII letters only, as HAProxy's `-i` does
 * (strncasecmp). Regular expressions are compiled here, at configuration
 * time; an invalid one is an error naming its source.
 */
import { SwitchyardError } from '../errors.js'
import type { IntCompare, StringMatch } from './types.js'

/** Tests text[start, end). */
export type RangeMatcher = (text: string, start: number, end: number) => boolean

/** ASCII lower case of a char code. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c
}

/** ASCII lower case of a string. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase())
}

/** True when text[at, at + pat.length) equals `pat`; with `fold`, `pat` is lower case and text is folded. */
function regionEquals(text: string, at: number, pat: string, fold: boolean): boolean {
  if (!fold) return text.startsWith(pat, at)
  for (let i = 0; i < pat.length; i++) {
    if (lower(text.charCodeAt(at + i)) !== pat.charCodeAt(i)) return false
  }
  return true
}

function isDomainDelimiter(c: number): boolean {
  return c === 47 /* / */ || c === 63 /* ? */ || c === 46 /* . */ || c === 58 /* : */
}

function invalid(field: string, expected: string, value: unknown): SwitchyardError {
  return new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected \`${field}\` to be ${expected}, got \`${String(value)}\``, { field, value })
}

/**
 * Compiles a regular expression source (or copies a RegExp without its
 * stateful `g`/`y` flags, which would make `test()` depend on earlier calls).
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming `field` and the source.
 */
export function compileRegex(source: string | RegExp, ignoreCase: boolean, field: string): RegExp {
  if (source instanceof RegExp) {
    let flags = source.flags.replace(/[gy]/g, '')
    if (ignoreCase && !flags.includes('i')) flags += 'i'
    return new RegExp(source.source, flags)
  }
  if (typeof source !== 'string') throw invalid(field, 'a regular expression', source)
  try {
    return new RegExp(source, ignoreCase ? 'i' : '')
  } catch (err) {
    throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected \`${field}\` to be a valid regular expression, got \`${source}\`: ${(err as Error).message}`, {
      field,
      value: source,
    })
  }
}

/** Exact sets are used from this many values on; below, a loop is faster than slicing for a Set lookup. */
const SET_THRESHOLD = 8

function anyOf(tests: readonly RangeMatcher[]): RangeMatcher {
  if (tests.length === 1) return tests[0]!
  return (text, start, end) => {
    for (let i = 0; i < tests.length; i++) if (tests[i]!(text, start, end)) return true
    return false
  }
}

/**
 * Compiles a string match.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an unknown `op`, an empty
 *   value list, a value that is not a string, or an invalid regular expression.
 */
export function compileStringMatch(match: StringMatch, field: string): RangeMatcher {
  const fold = match.ignoreCase === true
  const raw: readonly unknown[] = Array.isArray(match.values) ? match.values : [match.values]
  if (raw.length === 0) throw invalid(`${field}.values`, 'at least one value', '[]')
  if (match.op === 'regex') {
    return anyOf(
      raw.map((value) => {
        const re = compileRegex(value as string | RegExp, fold, `${field}.values`)
        return (text: string, start: number, end: number) => re.test(start === 0 && end === text.length ? text : text.slice(start, end))
      }),
    )
  }
  const values = raw.map((value) => {
    if (typeof value !== 'string') throw invalid(`${field}.values`, 'strings', value)
    return fold ? asciiLower(value) : value
  })
  switch (match.op) {
    case 'exact': {
      if (values.length >= SET_THRESHOLD) {
        const set = new Set(values)
        return (text, start, end) => {
          const s = start === 0 && end === text.length ? text : text.slice(start, end)
          return set.has(fold ? asciiLower(s) : s)
        }
      }
      return anyOf(values.map((v) => (text: string, start: number, end: number) => end - start === v.length && regionEquals(text, start, v, fold)))
    }
    case 'prefix':
      return anyOf(values.map((v) => (text: string, start: number, end: number) => end - start >= v.length && regionEquals(text, start, v, fold)))
    case 'suffix':
      return anyOf(values.map((v) => (text: string, start: number, end: number) => end - start >= v.length && regionEquals(text, end - v.length, v, fold)))
    case 'substring':
      return anyOf(
        values.map((v) => (text: string, start: number, end: number) => {
          if (!fold) {
            const at = text.indexOf(v, start)
            return at >= 0 && at + v.length <= end
          }
          for (let at = start; at + v.length <= end; at++) if (regionEquals(text, at, v, true)) return true
          return false
        }),
      )
    case 'domain':
      return anyOf(
        values.map((v) => (text: string, start: number, end: number) => {
          for (let at = start; at + v.length <= end; at++) {
            if (
              (at === start || isDomainDelimiter(text.charCodeAt(at - 1))) &&
              (at + v.length === end || isDomainDelimiter(text.charCodeAt(at + v.length))) &&
              regionEquals(text, at, v, fold)
            ) {
              return true
            }
          }
          return false
        }),
      )
    default:
      throw invalid(`${field}.op`, "one of 'exact', 'prefix', 'suffix', 'substring', 'domain', 'regex'", (match as { op: unknown }).op)
  }
}

function finite(value: unknown, field: string): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw invalid(field, 'a number', value)
  return value
}

/**
 * Compiles an integer comparison; the sample is a number ≥ 0, or −1 when
 * missing (never matches).
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an unknown operator or a non-number bound.
 */
export function compileIntCompare(compare: IntCompare, field: string): (sample: number) => boolean {
  if (compare.op === 'range') {
    const min = compare.min === undefined ? -Infinity : finite(compare.min, `${field}.min`)
    const max = compare.max === undefined ? Infinity : finite(compare.max, `${field}.max`)
    return (n) => n >= 0 && n >= min && n <= max
  }
  const v = finite(compare.value, `${field}.value`)
  switch (compare.op) {
    case 'eq':
      return (n) => n >= 0 && n === v
    case 'lt':
      return (n) => n >= 0 && n < v
    case 'le':
      return (n) => n >= 0 && n <= v
    case 'gt':
      return (n) => n >= 0 && n > v
    case 'ge':
      return (n) => n >= 0 && n >= v
    default:
      throw invalid(`${field}.op`, "one of 'eq', 'lt', 'le', 'gt', 'ge', 'range'", (compare as { op: unknown }).op)
  }
}
