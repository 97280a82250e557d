/**
 * Response side of cookie persistence: the server's own `Set-Cookie` headers
 * with our name are kept, deleted, rewritten or prefixed, then insert mode
 * adds the balancer's cookie — HAProxy's `http_manage_server_side_cookies()`
 * followed by the insertion step of `http_process_res_common()`.
 */
import { isResponseCacheable } from './cacheable.js'
import { COOKIE_DATE_DELIM, COOKIE_PREFIX_DELIM, cookieDateQuantum, encodeCookieDate } from './cookie-date.js'
import { cookieValueEnd, isSpHt } from './cookie-syntax.js'
import { isCookieLogged } from './policy.js'
import type {
  CookiePolicy,
  CookieResponse,
  CookieResponseInput,
  PersistDecision,
  RequestCookieFlag,
  ResponseCookieFlag,
} from './types.js'

const SEMI = 59
const EQUAL = 61

const REQUEST_FLAGS: readonly RequestCookieFlag[] = ['N', 'I', 'D', 'V', 'E', 'O', 'U', '-']
const RESPONSE_FLAGS: readonly ResponseCookieFlag[] = ['N', 'P', 'D', 'I', 'R', 'U', '-']

/** Every pair of flags as one string, built once: logging a pair allocates nothing. */
const LOG_FLAGS: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.fromEntries(
  REQUEST_FLAGS.map((q) => [q, Object.fromEntries(RESPONSE_FLAGS.map((r) => [r, q + r]))]),
)

/** HAProxy's two persistence characters of the termination state, e.g. `VN`, `NI`, `DI`. */
export function cookieLogFlags(request: RequestCookieFlag, response: ResponseCookieFlag): string {
  return LOG_FLAGS[request]![response]!
}

/** `; domain=…` for each domain, then `; HttpOnly`, `; Secure`, then `; <attr>` for each attribute. */
function attributes(policy: CookiePolicy): string {
  let s = ''
  for (const d of policy.domains) s += '; domain=' + d
  if (policy.httponly) s += '; HttpOnly'
  if (policy.secure) s += '; Secure'
  for (const a of policy.attrs) s += '; ' + a
  return s
}

/**
 * The `Set-Cookie` value insert mode adds, exactly as HAProxy writes it:
 *
 *     <name>=<value>[|<last>[|<first>]]; path=/[; domain=<d>]…[; HttpOnly][; Secure][; <attr>]…
 *
 * Dates are written when `maxidle` or `maxlife` is set (`first` only with
 * `maxlife`): `last` is now, `first` is `firstSeen` when the client's cookie
 * carried one, else now. A server without a cookie value gets a deletion
 * instead: `<name>=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/` followed by
 * the same attributes. Never Max-Age or Expires otherwise: a session cookie.
 *
 * HAProxy: `cookie <name> insert … [domain] [httponly] [secure] [attr] [maxidle] [maxlife]`
 *
 * @param now Unix time in milliseconds.
 * @param firstSeen The first-seen date carried by the request, Unix milliseconds.
 */
export function buildSetCookie(policy: CookiePolicy, serverCookie: string | undefined, now: number, firstSeen?: number): string {
  if (serverCookie === undefined) {
    return policy.name + '=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/' + attributes(policy)
  }
  let value = policy.name + '=' + serverCookie
  if (policy.maxidle > 0 || policy.maxlife > 0) {
    const quantum = cookieDateQuantum(now)
    value += COOKIE_DATE_DELIM + encodeCookieDate(quantum)
    if (policy.maxlife > 0) {
      value += COOKIE_DATE_DELIM + encodeCookieDate(firstSeen === undefined ? quantum : Math.floor(firstSeen / 4000))
    }
  }
  return value + '; path=/' + attributes(policy)
}

/** What happened to one server `Set-Cookie` line. */
let lineFlag: ResponseCookieFlag | undefined

/**
 * Processes one `Set-Cookie` line of the server: returns it (possibly
 * normalised or rewritten), or `null` when it is deleted. Sets {@link lineFlag}
 * when the cookie is ours.
 */
function serverSetCookie(
  line: string,
  policy: CookiePolicy,
  decision: PersistDecision,
  input: CookieResponseInput,
): string | null {
  lineFlag = undefined
  const n = line.length
  let attBeg = 0
  while (attBeg < n && isSpHt(line.charCodeAt(attBeg))) attBeg++
  // Set-Cookie names end at '=' or ';' only: a comma may appear in Expires dates.
  let equal = attBeg
  let attEnd = attBeg
  while (equal < n) {
    const c = line.charCodeAt(equal)
    if (c === EQUAL || c === SEMI) break
    equal++
    if (!isSpHt(c)) attEnd = equal
  }
  if (equal >= n || line.charCodeAt(equal) !== EQUAL) return line // no '=': not a cookie, left alone
  let valBeg = equal + 1
  while (valBeg < n && isSpHt(line.charCodeAt(valBeg))) valBeg++
  let valEnd = cookieValueEnd(line, valBeg, n)
  while (valEnd > valBeg && isSpHt(line.charCodeAt(valEnd - 1))) valEnd--
  // HAProxy removes spaces around '=' in every Set-Cookie it looks at.
  const head = attEnd !== equal || valBeg > equal + 1 ? line.slice(0, attEnd) + '=' : undefined
  const normalised = head === undefined ? line : head + line.slice(valBeg)
  if (decision.ignorePersist || attEnd - attBeg !== policy.name.length || !line.startsWith(policy.name, attBeg)) {
    return normalised
  }
  lineFlag = 'P'
  if (policy.preserve) return normalised
  if ((input.server !== undefined && policy.mode === 'insert') || (decision.direct && policy.indirect)) {
    lineFlag = 'D'
    return null
  }
  const cookie = input.server === undefined ? undefined : input.serverCookie
  if (cookie === undefined) return normalised
  const before = head ?? line.slice(0, valBeg)
  if (policy.mode === 'rewrite') {
    lineFlag = 'R'
    return before + cookie + line.slice(valEnd)
  }
  if (policy.mode === 'prefix') {
    lineFlag = 'R'
    return before + cookie + COOKIE_PREFIX_DELIM + line.slice(valBeg)
  }
  return normalised
}

/**
 * Applies cookie persistence to a server response.
 *
 * Server `Set-Cookie` headers with our name (unless `ignore-persist`):
 * `preserve` → untouched (`P`); insert mode with a server, or `indirect` on a
 * direct request → deleted (`D`); rewrite → value replaced by the server's value
 * (`R`); prefix → value becomes `<server value>~<value>` (`R`); otherwise passed
 * (`P`). Spaces around `=` are removed from every `Set-Cookie`.
 *
 * Insert mode then adds {@link buildSetCookie} at the end when: a server
 * answered; not (`preserve` and the server set our cookie); not
 * `ignore-persist`; `postonly` unset or the request was a POST; and the request
 * was not direct, or its dates need a refresh (maxidle/maxlife set or a date
 * present, and no last date or the last date is before now; maxlife set and
 * no first date; maxlife unset and a first date present). Flag `U` when a
 * direct request's server only had its date refreshed, else `I`. With
 * `nocache`, an insertion into a response HAProxy deems cacheable
 * (`isResponseCacheable`) also asks for `Cache-control: private`.
 *
 * 1xx responses other than 101 are left alone.
 *
 * HAProxy: `cookie <name> insert|rewrite|prefix [indirect] [nocache] [postonly] [preserve] …`
 *
 * @param now Unix time in milliseconds.
 */
export function applyResponseCookies(
  policy: CookiePolicy,
  decision: PersistDecision,
  input: CookieResponseInput,
  now: number,
): CookieResponse {
  const logged = isCookieLogged(policy)
  let flag: ResponseCookieFlag = 'N'
  let setCookie: string[] | undefined
  let inserted: string | undefined
  let cacheControlPrivate = false
  if (input.status >= 200 || input.status === 101) {
    const raw = input.headers['set-cookie']
    const lines = raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!
      const result = serverSetCookie(line, policy, decision, input)
      if (lineFlag !== undefined) flag = lineFlag
      if (result === line) {
        setCookie?.push(line)
        continue
      }
      setCookie ??= lines.slice(0, i)
      if (result !== null) setCookie.push(result)
    }
    const cookies = decision.cookies
    if (
      input.server !== undefined &&
      policy.mode === 'insert' &&
      !(policy.preserve && flag === 'P') &&
      !decision.ignorePersist &&
      (!policy.postonly || cookies.post) &&
      (!decision.direct || needsRefresh(policy, decision, now))
    ) {
      inserted = buildSetCookie(policy, input.serverCookie, now, cookies.firstSeen)
      setCookie ??= lines.slice()
      setCookie.push(inserted)
      flag = input.serverCookie !== undefined && decision.direct ? 'U' : 'I'
      cacheControlPrivate = policy.nocache && isResponseCacheable(cookies.cacheableMethod, input.status, input.headers)
    }
  }
  const requestFlag = decision.requestFlag
  const responseFlag = logged ? flag : '-'
  if (setCookie === undefined) return unchanged(requestFlag, responseFlag)
  return {
    setCookieChanged: setCookie !== undefined,
    setCookie,
    inserted,
    cacheControlPrivate,
    responseFlag,
    logFlags: cookieLogFlags(requestFlag, responseFlag),
  }
}

/** Frozen results for responses left as they are, one per pair of flags (the common case allocates nothing). */
const UNCHANGED = new Map<string, CookieResponse>()

function unchanged(requestFlag: RequestCookieFlag, responseFlag: ResponseCookieFlag): CookieResponse {
  const logFlags = cookieLogFlags(requestFlag, responseFlag)
  let result = UNCHANGED.get(logFlags)
  if (result === undefined) {
    result = Object.freeze({
      setCookieChanged: false,
      setCookie: undefined,
      inserted: undefined,
      cacheControlPrivate: false,
      responseFlag,
      logFlags,
    })
    UNCHANGED.set(logFlags, result)
  }
  return result
}

/** HAProxy's date refresh rule for a direct request (seconds; dates are multiples of 4 s). */
function needsRefresh(policy: CookiePolicy, decision: PersistDecision, now: number): boolean {
  const { lastSeen, firstSeen } = decision.cookies
  const nowS = Math.floor(now / 1000)
  if ((policy.maxidle > 0 || lastSeen !== undefined) && (lastSeen === undefined || lastSeen / 1000 < nowS)) return true
  if (policy.maxlife > 0 && firstSeen === undefined) return true
  return policy.maxlife === 0 && firstSeen !== undefined
}
