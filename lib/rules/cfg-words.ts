/**
 * Splitting haproxy.cfg lines into words, and HAProxy's time and size
 * values, as the rules parser needs them.
 *
 * Words are separated by blanks; `"…"` quotes keep blanks and process
 * backslash escapes, `'…'` quotes keep everything literally, and quoted and
 * unquoted parts next to each other form one word. Outside single quotes a
 * backslash escapes a blank, `#`, `\`, `"` or `'`, `\xHH` is a byte and
 * `\r`, `\n`, `\t` are control characters; any other backslash is kept (so
 * regular expressions like `\.` or `\d` survive). An unquoted `#` starts a
 * comment. Environment variables are not expanded.
 */
import { SwitchyardError } from '../errors.js'

const ESCAPED: Readonly<Record<string, string>> = { ' ': ' ', '\t': '\t', '#': '#', '\\': '\\', '"': '"', "'": "'", r: '\r', n: '\n', t: '\t' }

/**
 * Splits one configuration line into words.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an unterminated quote or a bad `\x` escape.
 */
export function splitWords(line: string, where?: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | "'" | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote === "'") {
      if (c === "'") quote = undefined
      else word += c
      continue
    }
    if (c === '\\') {
      const next = line[i + 1]
      if (next === 'x') {
        const hex = line.slice(i + 2, i + 4)
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw cfgError(`invalid \\x escape in \`${line}\``, line, where)
        word += String.fromCharCode(parseInt(hex, 16))
        i += 3
      } else if (next !== undefined && Object.hasOwn(ESCAPED, next)) {
        word += ESCAPED[next]
        i++
      } else {
        word += c
      }
      inWord = true
      continue
    }
    if (quote === '"') {
      if (c === '"') quote = undefined
      else word += c
      continue
    }
    if (c === '"' || c === "'") {
      quote = c
      inWord = true
      continue
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (inWord) words.push(word)
      word = ''
      inWord = false
      continue
    }
    if (c === '#') break
    word += c
    inWord = true
  }
  if (quote !== undefined) throw cfgError(`unterminated quote in \`${line}\``, line, where)
  if (inWord) words.push(word)
  return words
}

/**
 * A duration in milliseconds from HAProxy's syntax: a number with an
 * optional unit `us`, `ms`, `s`, `m`, `h` or `d` (default ms; microseconds
 * round up to whole milliseconds).
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming the value.
 */
export function parseDuration(text: string, where?: string): number {
  const m = /^(\d+)(us|ms|s|m|h|d)?$/.exec(text)
  if (m === null) throw cfgError(`expected a duration like \`10s\` or \`500ms\`, got \`${text}\``, text, where)
  const n = Number(m[1])
  switch (m[2]) {
    case 'us':
      return Math.ceil(n / 1000)
    case 's':
      return n * 1000
    case 'm':
      return n * 60_000
    case 'h':
      return n * 3_600_000
    case 'd':
      return n * 86_400_000
    default:
      return n
  }
}

/**
 * A size from HAProxy's syntax: a number with an optional `k`, `m` or `g`
 * suffix (powers of 1024).
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming the value.
 */
export function parseSize(text: string, where?: string): number {
  const m = /^(\d+)([kmg])?$/i.exec(text)
  if (m === null) throw cfgError(`expected a size like \`100k\`, got \`${text}\``, text, where)
  const factor = m[2] === undefined ? 1 : 1024 ** ('kmg'.indexOf(m[2].toLowerCase()) + 1)
  return Number(m[1]) * factor
}

/** A configuration error at `where` (`line 12`) naming `value`. */
export function cfgError(message: string, value: unknown, where: string | undefined): SwitchyardError {
  return new SwitchyardError('SWY_ERR_INVALID_OPTION', `${where === undefined ? '' : `${where}: `}${message}`, { value, ...(where === undefined ? {} : { where }) })
}
