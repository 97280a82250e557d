/**
 * The section model of haproxy.cfg: `global`, `defaults`, `frontend`,
 * `backend` and `listen` headers, each followed by its keyword lines.
 */
import { configError } from './errors.js'
import type { CfgLine } from './tokenizer.js'

/** Section kinds the loader knows. */
export type SectionKind = 'global' | 'defaults' | 'frontend' | 'backend' | 'listen'

/** One section: its header and its keyword lines. */
export interface Section {
  readonly kind: SectionKind
  /** Section name; for a nameless `listen <addr>` the address (see {@link nameless}). */
  readonly name: string
  /** The address of the old `listen <name> <addr>` / `listen <addr>` forms. */
  readonly address: string | undefined
  /** True for `listen <addr>` without a name (the name was generated). */
  readonly nameless: boolean
  /** Line of the header. */
  readonly line: number
  readonly lines: readonly CfgLine[]
}

const KINDS = new Set<string>(['global', 'defaults', 'frontend', 'backend', 'listen'])
/** Other HAProxy sections: known, but nothing in switchyard reads them. */
const UNSUPPORTED = new Set(['userlist', 'peers', 'resolvers', 'mailers', 'cache', 'program', 'http-errors', 'ring', 'fcgi-app', 'crt-store', 'traces', 'log-forward'])

/** A first word that looks like an address (`1.2.3.4:80`, `:80`, `*:80`, `[::1]:80`) rather than a name. */
function looksLikeAddress(word: string): boolean {
  return /:\d[\d,:*.-]*$/.test(word) || word.startsWith(':') || word.startsWith('*')
}

/**
 * Groups lines into sections.
 * @throws {SwitchyardError} SWY_ERR_CONFIG for a keyword before any section, an
 *   unsupported section, a missing or extra header argument.
 */
export function splitSections(lines: readonly CfgLine[], file: string): Section[] {
  const sections: Section[] = []
  let current: { kind: SectionKind; name: string; address: string | undefined; nameless: boolean; line: number; lines: CfgLine[] } | undefined
  for (const l of lines) {
    const [word, ...args] = l.words as [string, ...string[]]
    const at = { file, line: l.line }
    if (UNSUPPORTED.has(word)) throw configError(at, word, `\`${word}\` sections are not supported by switchyard`)
    if (!KINDS.has(word)) {
      if (current === undefined) throw configError(at, word, 'keyword outside of any section (expected global, defaults, frontend, backend or listen first)')
      current.lines.push(l)
      continue
    }
    const kind = word as SectionKind
    let name = ''
    let address: string | undefined
    let nameless = false
    if (kind === 'global') {
      if (args.length > 0) throw configError(at, word, `\`global\` takes no argument, got \`${args.join(' ')}\``)
    } else if (kind === 'defaults') {
      if (args.length > 1) throw configError(at, word, `expected \`defaults [<name>]\`, got \`${args.join(' ')}\``)
      name = args[0] ?? ''
    } else {
      const max = kind === 'backend' ? 1 : 2
      if (args.length === 0 || args.length > max) {
        throw configError(at, word, `expected \`${kind} <name>${kind === 'backend' ? '' : ' [<address>]'}\`, got ${args.length === 0 ? 'no name' : `\`${args.join(' ')}\``}`)
      }
      if (kind === 'listen' && args.length === 1 && looksLikeAddress(args[0]!)) {
        // HAProxy 1.1's nameless form `listen <addr>`: the address names the section.
        name = args[0]!
        address = args[0]
        nameless = true
      } else {
        name = args[0]!
        address = args[1]
      }
    }
    current = { kind, name, address, nameless, line: l.line, lines: [] }
    sections.push(current)
  }
  return sections
}
