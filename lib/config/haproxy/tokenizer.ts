/**
 * haproxy.cfg text into lines of words. Quoting and escaping follow HAProxy
 * (shared with the rules parser, see `rules/cfg-words.ts`): `"…"` keeps
 * blanks and processes backslash escapes, `'…'` is literal, a backslash
 * escapes a blank, `#`, a quote or itself, `\xHH`, `\r`, `\n` and `\t` are
 * bytes; an unquoted `#` starts a comment. Environment variables are not
 * expanded.
 */
import { splitWords } from '../../rules/cfg-words.js'
import { configError } from './errors.js'

/** One non-empty configuration line. */
export interface CfgLine {
  /** 1-based line number. */
  readonly line: number
  /** The words, unquoted and unescaped; never empty. */
  readonly words: readonly string[]
}

/**
 * Splits configuration text into its non-empty lines of words.
 * @throws {SwitchyardError} SWY_ERR_CONFIG for an unterminated quote or a bad `\x` escape.
 */
export function tokenize(text: string, file: string): CfgLine[] {
  const out: CfgLine[] = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!
    let words: string[]
    try {
      words = splitWords(raw)
    } catch (err) {
      const first = raw.trim().split(/\s+/)[0]!
      throw configError({ file, line: i + 1 }, first, (err as Error).message, err)
    }
    if (words.length > 0) out.push({ line: i + 1, words })
  }
  return out
}
