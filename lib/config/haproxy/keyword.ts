/**
 * What a keyword handler sees, and the helpers every keyword table uses.
 */
import type { BackendDraft, FrontendDraft, GlobalDraft } from './drafts.js'
import { configError, type CfgLocation } from './errors.js'
import type { Section } from './sections.js'

/** The line being applied. */
export interface KeywordContext {
  readonly at: CfgLocation
  /** The keyword as matched: `balance`, `option httpchk`, `timeout server`. */
  readonly keyword: string
  /** The words after the keyword. */
  readonly args: readonly string[]
  /** The line started with `no`. */
  readonly negated: boolean
  readonly section: Section
  /** Frontend half (frontend, listen, defaults sections). */
  readonly fe: FrontendDraft | undefined
  /** Backend half (backend, listen, defaults sections). */
  readonly be: BackendDraft | undefined
  readonly global: GlobalDraft
  /** Records a warning at this line. */
  warn(message: string): void
  /** Reads a file named by the configuration (relative to its directory, or `ca-base`). */
  readFile(path: string, base?: string): string
}

/** Which half of a proxy a keyword configures (HAProxy's FE/BE capabilities). */
export type Capability = 'fe' | 'be' | 'both'

/** One keyword of a table. */
export interface Keyword {
  readonly cap: Capability
  /** `no <keyword>` is accepted. */
  readonly negatable?: boolean
  handle(ctx: KeywordContext): void
}

/** A keyword table: keyword (with its first argument for `option`, `timeout`, …) → handler. */
export type KeywordTable = Readonly<Record<string, Keyword>>

/**
 * Checks the argument count.
 * @throws {SwitchyardError} SWY_ERR_CONFIG with the expected syntax.
 */
export function arity(ctx: KeywordContext, min: number, max: number, syntax: string): void {
  if (ctx.args.length < min || ctx.args.length > max) {
    throw configError(ctx.at, ctx.keyword, `expected \`${syntax}\`, got ${ctx.args.length === 0 ? 'no argument' : `\`${ctx.args.join(' ')}\``}`)
  }
}

/** The frontend half; tables only call it for keywords with that capability. */
export function fe(ctx: KeywordContext): FrontendDraft {
  // The dispatcher only runs 'fe'/'both' keywords where a frontend half exists.
  return ctx.fe!
}

/** The backend half; tables only call it for keywords with that capability. */
export function be(ctx: KeywordContext): BackendDraft {
  // The dispatcher only runs 'be'/'both' keywords where a backend half exists.
  return ctx.be!
}

/** A keyword accepted for compatibility that has no effect in switchyard. */
export function noEffect(cap: Capability, why: string, negatable = false): Keyword {
  return { cap, negatable, handle: (ctx) => ctx.warn(`\`${ctx.negated ? 'no ' : ''}${ctx.keyword}\` has no effect in switchyard: ${why}`) }
}

/** A keyword switchyard does not implement: always an error. */
export function rejected(cap: Capability, why: string): Keyword {
  return {
    cap,
    handle: (ctx) => {
      throw configError(ctx.at, ctx.keyword, `not supported: ${why}`)
    },
  }
}
