/**
 * The agent-check text protocol (§5.10 of the semantics reference): the
 * parser of an agent's reply line and the value parsers for the words that
 * carry one. Pure.
 *
 * The agent answers one line, ended by the first CR or LF. It is split into
 * words on spaces, tabs and commas; words are case-insensitive and, within a
 * category, the last one wins:
 *
 * | category | words |
 * | --- | --- |
 * | health | `up`, `down`, `stopped`, `fail` |
 * | admin | `ready`, `drain`, `maint` |
 * | weight | a word starting with a digit and containing `%` (`75%`) |
 * | maxconn | `maxconn:<N>` |
 *
 * A `#` that *starts* a word begins a free-text description (kept only with a
 * health word). Anything else is an unknown word: the first one is reported,
 * and the other words still apply. Quirks kept from HAProxy 2.6 (§15.9):
 * `down#reason` is one unknown word (ignored), `weight:N` does not exist, and
 * percentages are relative to the configured weight, truncated, capped at 256.
 */
import { MAX_WEIGHT } from '../server.js'

/** A health word. `stopped` and `fail` mean the same as `down`. */
export type AgentHealthWord = 'up' | 'down' | 'stopped' | 'fail'

/** An administrative word. `ready` clears drain and maintenance. */
export type AgentAdminWord = 'ready' | 'drain' | 'maint'

/** A parsed reply. Each field holds the last word of its category, if any. */
export interface AgentReply {
  readonly health: AgentHealthWord | undefined
  readonly admin: AgentAdminWord | undefined
  /** The weight word as received (e.g. `75%`); see {@link agentWeight}. */
  readonly weight: string | undefined
  /** The text after `maxconn:` (e.g. `30`); see {@link agentMaxconn}. */
  readonly maxconn: string | undefined
  /** The description after `#`, blanks skipped ("" when none). */
  readonly description: string
  /** The first unknown word, if any (HAProxy reports it and applies the rest). */
  readonly unknown: string | undefined
}

/** The parse of a reply: a reply with something to apply, or why nothing applies. */
export type AgentParse = { readonly ok: true; readonly reply: AgentReply } | { readonly ok: false; readonly error: string }

const HEALTH: ReadonlySet<string> = new Set(['up', 'down', 'stopped', 'fail'])
const ADMIN: ReadonlySet<string> = new Set(['ready', 'drain', 'maint'])
const MAXCONN_PREFIX = 'maxconn:'
/** Largest percentage taken into account (HAProxy caps relative weights at 25600%). */
const MAX_PERCENT = 25_600

function isSeparator(c: string): boolean {
  return c === ' ' || c === '\t' || c === ','
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9'
}

/**
 * Parses what an agent sent. Malformed replies change nothing, and say why:
 * no line end before the connection closed ("Ignoring incomplete line from
 * agent"), an empty line, or only unknown words ("agent reports an error : w").
 * HAProxy: `tcpcheck_agent_expect_reply`
 */
export function parseAgentReply(data: string): AgentParse {
  let end = 0
  while (end < data.length && data[end] !== '\n' && data[end] !== '\r') end++
  if (end === data.length) return { ok: false, error: 'Ignoring incomplete line from agent' }
  const line = data.slice(0, end)
  let health: AgentHealthWord | undefined
  let admin: AgentAdminWord | undefined
  let weight: string | undefined
  let maxconn: string | undefined
  let unknown: string | undefined
  let description = ''
  let i = 0
  while (i < line.length) {
    if (isSeparator(line[i]!)) {
      i++
      continue
    }
    if (line[i] === '#') {
      i++
      while (line[i] === ' ' || line[i] === '\t') i++
      description = line.slice(i)
      break
    }
    let j = i + 1
    while (j < line.length && !isSeparator(line[j]!)) j++
    const word = line.slice(i, j)
    const lower = word.toLowerCase()
    if (HEALTH.has(lower)) health = lower as AgentHealthWord
    else if (ADMIN.has(lower)) admin = lower as AgentAdminWord
    else if (isDigit(word[0]) && word.includes('%')) weight = word
    else if (lower.startsWith(MAXCONN_PREFIX)) maxconn = word.slice(MAXCONN_PREFIX.length)
    else unknown ??= word
    i = j
  }
  if (health === undefined && admin === undefined && weight === undefined && maxconn === undefined) {
    return { ok: false, error: unknown === undefined ? 'empty agent reply' : `agent reports an error : ${unknown}` }
  }
  return { ok: true, reply: { health, admin, weight, maxconn, description, unknown } }
}

/** A parsed value or the warning HAProxy reports instead (the rest of the reply still applies). */
export type AgentValue = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly warning: string }

/**
 * The user weight a weight word asks for: `N%` gives
 * `floor(initialWeight × min(N, 25600) / 100)` capped at 256 (weight 10:
 * `50%` → 5, `75%` → 7, `300%` → 30, `0%` → 0). Anything after the digits
 * but a lone `%` is refused, as HAProxy refuses it.
 * @param word a word starting with a digit and containing `%` (as {@link parseAgentReply} returns it)
 * @param initialWeight the configured weight (HAProxy `iweight`), never the current one
 * HAProxy: `server_parse_weight_change_request`
 */
export function agentWeight(word: string, initialWeight: number): AgentValue {
  let end = 0
  while (isDigit(word[end])) end++
  const value = Number(word.slice(0, end))
  const rest = word.slice(end)
  if (rest === '%') {
    return { ok: true, value: Math.min(MAX_WEIGHT, Math.floor((initialWeight * Math.min(value, MAX_PERCENT)) / 100)) }
  }
  if (value > MAX_WEIGHT) return { ok: false, warning: 'Absolute weight can only be between 0 and 256 inclusive.' }
  return { ok: false, warning: 'Trailing garbage in weight string.' }
}

/**
 * The maxconn a `maxconn:<N>` word asks for (0 = unlimited).
 * HAProxy: `server_parse_maxconn_change_request`
 */
export function agentMaxconn(text: string): AgentValue {
  let end = 0
  while (isDigit(text[end])) end++
  if (end === 0) return { ok: false, warning: 'maxconn string empty' }
  if (end !== text.length) return { ok: false, warning: 'Trailing garbage in maxconn string' }
  return { ok: true, value: Number(text) }
}

/**
 * The description a reply leaves in the agent's status (HAProxy `agent_desc`):
 * `via agent : down (reason)` with a health word — the reason being the
 * description, except that the first unknown word, else the first warning,
 * replaces it for `up` or when there is no description —; `agent reports an
 * error : w` or `agent warns : w`
 * without one; "" when there is nothing to say.
 */
export function agentDescription(reply: AgentReply, warning: string | undefined): string {
  const odd = reply.unknown ?? warning
  if (reply.health !== undefined) {
    const reason = reply.description === '' || reply.health === 'up' ? (odd ?? reply.description) : reply.description
    return `via agent : ${reply.health}${reason === '' ? '' : ` (${reason})`}`
  }
  if (reply.unknown !== undefined) return `agent reports an error : ${reply.unknown}`
  return warning === undefined ? '' : `agent warns : ${warning}`
}
