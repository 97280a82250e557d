/**
 * Building a {@link CookiePolicy}: defaults and the checks HAProxy's
 * configuration parser makes on the `cookie` line.
 */
import { SwitchyardError } from '../errors.js'
import type { CookieMode, CookiePolicy, CookiePolicyOptions } from './types.js'

const MODES: readonly CookieMode[] = ['insert', 'prefix', 'rewrite', 'passive']

function invalid(field: string, value: unknown, why: string): SwitchyardError {
  return new SwitchyardError('SWY_ERR_INVALID_OPTION', `cookie.${field}: ${why}`, { field: `cookie.${field}`, value })
}

/** RFC 9110 token characters (a cookie name must be one token). */
function isToken(text: string): boolean {
  if (text.length === 0) return false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    if (!alnum && "!#$%&'*+-.^_`|~".indexOf(text[i]!) < 0) return false
  }
  return true
}

/** HAProxy `invalid_domainchar`: letters, digits, `.`, `-` and `_` only. */
function isDomain(text: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(text)
}

/** HAProxy rejects control characters and `;` in an `attr` value. */
function isAttr(text: string): boolean {
  return text.length > 0 && !/[\u0000-\u001f\u007f;]/.test(text)
}

function duration(field: 'maxidle' | 'maxlife', value: number | undefined): number {
  const ms = value ?? 0
  if (!Number.isFinite(ms) || ms < 0) throw invalid(field, value, 'must be a finite number of milliseconds >= 0')
  // HAProxy parses these in seconds: a non-zero value below one second is an underflow error.
  if (ms > 0 && ms < 1000) throw invalid(field, value, 'minimum non-null value is 1000 ms (HAProxy counts whole seconds)')
  return ms
}

/**
 * Validates cookie options and returns a frozen {@link CookiePolicy} with every
 * default filled in. Throws `SWY_ERR_INVALID_OPTION` (with `details.field`) for
 * what HAProxy refuses: an empty or non-token name (or one starting with `$`,
 * which cookie parsers skip), `rewrite` with `indirect`, `preserve` without
 * `insert` or `indirect`, a domain with characters other than letters, digits,
 * `.`, `-`, `_`, an `attr` with a control character or `;`, a negative or
 * sub-second `maxidle`/`maxlife`.
 *
 * HAProxy: `cookie <name> [rewrite|insert|prefix] [indirect] [nocache] [postonly] [preserve] [httponly] [secure] [domain <d>]* [maxidle <t>] [maxlife <t>] [dynamic] [attr <v>]*`, `dynamic-cookie-key <key>`
 *
 * @example
 * ```ts
 * const policy = createCookiePolicy({ name: 'SERVERID', mode: 'insert', indirect: true, nocache: true })
 * ```
 */
export function createCookiePolicy(options: CookiePolicyOptions): CookiePolicy {
  const { name } = options
  if (typeof name !== 'string' || !isToken(name) || name.startsWith('$')) {
    throw invalid('name', name, 'must be a non-empty token not starting with "$"')
  }
  const mode = options.mode ?? 'passive'
  if (!MODES.includes(mode)) throw invalid('mode', mode, `must be one of ${MODES.join(', ')}`)
  const indirect = options.indirect ?? false
  const preserve = options.preserve ?? false
  if (mode === 'rewrite' && indirect) throw invalid('indirect', indirect, "'rewrite' and 'indirect' are incompatible")
  if (preserve && mode !== 'insert' && !indirect) throw invalid('preserve', preserve, "'preserve' requires 'insert' or 'indirect'")
  const domains = [...(options.domains ?? [])]
  for (const d of domains) if (typeof d !== 'string' || !isDomain(d)) throw invalid('domains', d, 'a domain may hold only letters, digits, ".", "-" and "_"')
  const attrs = [...(options.attrs ?? [])]
  for (const a of attrs) if (typeof a !== 'string' || !isAttr(a)) throw invalid('attrs', a, 'an attribute must be non-empty, without control characters or ";"')
  const dynamicKey = options.dynamicKey
  if (dynamicKey !== undefined && typeof dynamicKey !== 'string') throw invalid('dynamicKey', dynamicKey, 'must be a string')
  return Object.freeze({
    name,
    mode,
    indirect,
    nocache: options.nocache ?? false,
    postonly: options.postonly ?? false,
    preserve,
    httponly: options.httponly ?? false,
    secure: options.secure ?? false,
    domains: Object.freeze(domains),
    attrs: Object.freeze(attrs),
    maxidle: duration('maxidle', options.maxidle),
    maxlife: duration('maxlife', options.maxlife),
    dynamic: options.dynamic ?? false,
    dynamicKey,
  })
}

/**
 * True when the two persistence characters of the log carry information:
 * HAProxy prints `--` unless the backend uses a cookie mode (`rewrite`,
 * `insert`, `prefix`) or `indirect` (its `PR_CK_ANY` test), so a passive
 * cookie without `indirect` logs `--` even though it persists requests.
 */
export function isCookieLogged(policy: CookiePolicy): boolean {
  return policy.mode !== 'passive' || policy.indirect
}
