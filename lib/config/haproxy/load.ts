/**
 * `loadHaproxyConfig`: haproxy.cfg text → {@link SwitchyardConfig}, the
 * option objects the programmatic API takes as is.
 */
import { dirname, isAbsolute, join } from 'node:path'
import { RulesConfigParser } from '../../rules/cfg-rules.js'
import type { ConfigWarning, LoadedConfig } from '../types.js'
import { bindAddresses } from './address.js'
import { BACKEND_KEYWORDS } from './backend-keywords.js'
import { buildConfig, type ProxySection } from './build.js'
import { newBackend, newFrontend, type BackendDraft, type FrontendDraft, type GlobalDraft } from './drafts.js'
import { configError } from './errors.js'
import { FRONTEND_KEYWORDS } from './frontend-keywords.js'
import { GLOBAL_KEYWORDS } from './global-keywords.js'
import { HEALTH_KEYWORDS } from './health-keywords.js'
import type { Keyword, KeywordContext, KeywordTable } from './keyword.js'
import { splitSections, type Section } from './sections.js'
import { SHARED_KEYWORDS } from './shared-keywords.js'
import { tokenize, type CfgLine } from './tokenizer.js'

/** Options of {@link loadHaproxyConfig}. */
export interface LoadHaproxyOptions {
  /** Name used in messages and base of relative paths (`errorfile`, `ca-file`). @default 'haproxy.cfg' */
  readonly file?: string | undefined
  /**
   * Reads a file the configuration names (`errorfile`, `ca-file`), given its
   * path resolved against the configuration's directory (or `ca-base`).
   * Without it such keywords are errors: the loader itself never touches the
   * file system. @example (path) => readFileSync(path, 'utf8')
   */
  readonly readFile?: ((path: string) => string | Buffer) | undefined
}

/** Keywords of each half; `defaults` and `listen` sections take both. */
const FE_TABLES: readonly KeywordTable[] = [FRONTEND_KEYWORDS, SHARED_KEYWORDS]
const BE_TABLES: readonly KeywordTable[] = [BACKEND_KEYWORDS, HEALTH_KEYWORDS, SHARED_KEYWORDS]
const ALL_TABLES: readonly KeywordTable[] = [FRONTEND_KEYWORDS, BACKEND_KEYWORDS, HEALTH_KEYWORDS, SHARED_KEYWORDS]
/** First words whose second word is part of the keyword. */
const COMPOUND = new Set(['option', 'timeout', 'monitor'])

function lookup(tables: readonly KeywordTable[], key: string): Keyword | undefined {
  for (const t of tables) if (Object.hasOwn(t, key)) return t[key]
  return undefined
}

interface Env {
  readonly file: string
  readonly global: GlobalDraft
  readonly warnings: ConfigWarning[]
  readonly readFile: LoadHaproxyOptions['readFile']
}

function context(env: Env, section: Section, l: CfgLine, keyword: string, args: readonly string[], negated: boolean, fe: FrontendDraft | undefined, be: BackendDraft | undefined): KeywordContext {
  const at = { file: env.file, line: l.line }
  return {
    at,
    keyword,
    args,
    negated,
    section,
    fe,
    be,
    global: env.global,
    warn: (message) => env.warnings.push({ file: env.file, line: l.line, keyword, message }),
    readFile: (path, base) => {
      if (env.readFile === undefined) throw configError(at, keyword, `cannot read \`${path}\`: pass the \`readFile\` option to loadHaproxyConfig`)
      const dir = base === undefined ? dirname(env.file) : isAbsolute(base) ? base : join(dirname(env.file), base)
      const full = isAbsolute(path) ? path : join(dir, path)
      let data: string | Buffer
      try {
        data = env.readFile(full)
      } catch (err) {
        throw configError(at, keyword, `cannot read \`${full}\`: ${(err as Error).message}`, err)
      }
      return typeof data === 'string' ? data : data.toString('utf8')
    },
  }
}

function applyGlobal(env: Env, section: Section): void {
  for (const l of section.lines) {
    const [keyword, ...args] = l.words as [string, ...string[]]
    const ctx = context(env, section, l, keyword, args, false, undefined, undefined)
    const handler = Object.hasOwn(GLOBAL_KEYWORDS, keyword) ? GLOBAL_KEYWORDS[keyword] : undefined
    if (handler !== undefined) handler.handle(ctx)
    else if (keyword.startsWith('tune.')) ctx.warn(`\`${keyword}\` has no effect in switchyard`)
    else throw configError(ctx.at, keyword, 'unknown keyword in the `global` section')
  }
}

function applyProxy(env: Env, section: Section, fe: FrontendDraft | undefined, be: BackendDraft | undefined): void {
  const tables = fe === undefined ? BE_TABLES : be === undefined ? FE_TABLES : ALL_TABLES
  for (const l of section.lines) {
    const negated = l.words[0] === 'no' && l.words.length > 1
    const words = negated ? l.words.slice(1) : l.words
    const first = words[0]!
    const compound = COMPOUND.has(first) && words[1] !== undefined ? `${first} ${words[1]}` : undefined
    const keyword = compound !== undefined && lookup(ALL_TABLES, compound) !== undefined ? compound : first
    const args = words.slice(keyword === first ? 1 : 2)
    const ctx = context(env, section, l, keyword, args, negated, fe, be)
    const handler = lookup(tables, keyword)
    if (handler === undefined) {
      const known = lookup(ALL_TABLES, keyword)
      if (known === undefined) throw configError(ctx.at, compound ?? keyword, `unknown keyword in a \`${section.kind}\` section`)
      // HAProxy warns and ignores a keyword the section has no capability for.
      ctx.warn(`ignored: a \`${section.kind}\` section has no ${known.cap === 'fe' ? 'frontend' : 'backend'} capability`)
      continue
    }
    if (negated && handler.negatable !== true) throw configError(ctx.at, keyword, '`no` cannot be used with this keyword')
    handler.handle(ctx)
  }
}

/**
 * Loads a haproxy.cfg (the subset switchyard implements, docs/haproxy-config.md)
 * into a {@link SwitchyardConfig}: per frontend its binds, mode and
 * `createProxy`/`createTcpHandler` options, per backend its `addBackend`
 * options and `addServer` options. Keywords without meaning in Node (user,
 * chroot, daemon, log targets, …) are accepted and reported in `warnings`.
 *
 * @example
 * ```ts
 * const { config, warnings } = loadHaproxyConfig(readFileSync('haproxy.cfg', 'utf8'), {
 *   file: 'haproxy.cfg',
 *   readFile: (path) => readFileSync(path, 'utf8'),
 * })
 * ```
 * @throws {SwitchyardError} SWY_ERR_CONFIG for an unknown or malformed keyword, a
 *   reference to an undefined backend, or invalid values; the message names
 *   `file:line`, the keyword and the reason; `details` holds `{ file, line, keyword }`.
 */
export function loadHaproxyConfig(text: string, options: LoadHaproxyOptions = {}): LoadedConfig {
  const env: Env = { file: options.file ?? 'haproxy.cfg', global: {}, warnings: [], readFile: options.readFile }
  const sections = splitSections(tokenize(text, env.file), env.file)
  let defaults = { fe: newFrontend(), be: newBackend() }
  const proxies: ProxySection[] = []
  for (const section of sections) {
    const at = { file: env.file, line: section.line }
    switch (section.kind) {
      case 'global':
        applyGlobal(env, section)
        continue
      case 'defaults': {
        // Each defaults section starts from HAProxy's defaults again.
        const next = { fe: newFrontend(), be: newBackend() }
        applyProxy(env, section, next.fe, next.be)
        defaults = next
        continue
      }
    }
    const fe = section.kind === 'backend' ? undefined : { ...structuredClone(defaults.fe), rules: new RulesConfigParser({ tableName: section.name }) }
    const be = section.kind === 'frontend' ? undefined : structuredClone(defaults.be)
    if (section.nameless) env.warnings.push({ file: env.file, line: section.line, keyword: 'listen', message: `\`listen\` without a name: named \`${section.name}\` after its address` })
    if (section.address !== undefined) fe!.bind.push(...bindAddresses(section.address, at, section.kind))
    applyProxy(env, section, fe, be)
    proxies.push({ section, at, fe, be })
  }
  return { config: buildConfig(proxies, env.global, env.file, (w) => env.warnings.push(w)), warnings: env.warnings }
}
