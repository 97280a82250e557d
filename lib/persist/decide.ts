/**
 * The persistence decision: which server a request's cookie pins, taken
 * before balancing, with HAProxy's rules for down servers, shared values,
 * `option persist`, `force-persist`, `ignore-persist` and `use-server`.
 */
import type { ServerView } from '../balance/types.js'
import { isCookieLogged } from './policy.js'
import type {
  CookiePolicy,
  CookieServerLookup,
  PersistDecision,
  PersistOptions,
  PersistOutcome,
  PersistRules,
  RequestCookieFlag,
  RequestCookies,
} from './types.js'

/**
 * True when a cookie cannot direct traffic to `server` without `persist` or
 * `force-persist`: it is DOWN (health checks) or in maintenance (HAProxy forces
 * a MAINT server's operational state to DOWN). UP, starting, NOLB
 * (`stopping`), DRAIN and weight 0 all still take persistent traffic.
 */
export function isServerDown(server: ServerView): boolean {
  return server.operational === 'down' || server.admin === 'maint'
}

const NO_RULES: PersistRules = {}

/**
 * Decides which server, if any, the request's persistence cookie pins.
 *
 * Each occurrence of the cookie is examined in header order, as HAProxy does:
 * - an expired one (flag `O`/`E`) or an empty value pins nothing;
 * - with `ignore-persist` or a server already assigned, the cookie is unused (`U`);
 * - otherwise the servers sharing the value are tried in declaration order: the
 *   first that is not DOWN/MAINT wins (`V`), so a backup sharing an active
 *   server's value takes over when the active one is down; a DOWN/MAINT one is
 *   taken only with `option persist` or `force-persist` (`D`); when all are down
 *   the flag is `D` and the request is balanced;
 * - no server has the value: `I`, balanced.
 * Once a server is pinned, later occurrences cannot change it. The log flag is
 * `-` when the policy is not logged (passive without `indirect`).
 *
 * HAProxy: `cookie`, server `cookie <value>`, `option persist`, `option redispatch`, `force-persist`, `ignore-persist`
 */
export function decidePersistence(
  policy: CookiePolicy,
  cookies: RequestCookies,
  servers: CookieServerLookup,
  options: PersistOptions,
  rules: PersistRules = NO_RULES,
): PersistDecision {
  const ignore = rules.ignorePersist === true
  const force = rules.forcePersist === true
  const persist = options.persist === true
  let assigned = rules.assigned === true
  let flag: RequestCookieFlag = 'N'
  let server: ServerView | undefined
  const occurrences = cookies.occurrences
  for (let i = 0; i < occurrences.length; i++) {
    const occ = occurrences[i]!
    if (occ.expired === 'maxlife') flag = 'O'
    else if (occ.expired === 'maxidle') flag = 'E'
    let matched = false
    if (occ.expired === undefined && occ.value !== '' && !ignore && !assigned) {
      const list = servers.serversFor(occ.value)
      const count = list === undefined ? 0 : list.length
      for (let k = 0; k < count; k++) {
        const candidate = list![k]! // k < count implies the list exists
        const down = isServerDown(candidate)
        if (!down || persist || force) {
          flag = down ? 'D' : 'V'
          server = candidate
          assigned = true
          matched = true
          break
        }
        flag = 'D' // keep looking: another server (a backup) may share the value
      }
    }
    // HAProxy only sets I/U when no flag is set yet: an earlier V, D, E or O stays.
    if (!matched && flag === 'N') flag = ignore || assigned ? 'U' : 'I'
  }
  let outcome: PersistOutcome
  if (server !== undefined) outcome = 'hit'
  else if (flag === 'N') outcome = 'none'
  else if (flag === 'U') outcome = 'unused'
  else outcome = 'miss'
  return {
    server,
    direct: server !== undefined || rules.assigned === true,
    outcome,
    requestFlag: isCookieLogged(policy) ? flag : '-',
    redispatched: false,
    mayRedispatch: options.redispatch === true && !force,
    mayRedistribute: options.redispatch === true && !persist && !force,
    ignorePersist: ignore,
    forcePersist: force,
    cookies,
  }
}

/**
 * The decision after persistence was broken and the request balanced again
 * (connection failure with `option redispatch`, full queue with `maxqueue`,
 * queued request redistributed): no longer direct, so the response gets a
 * fresh cookie; a `V` flag becomes `D` when the new server differs from the
 * pinned one (the `DI` of a redispatch).
 *
 * HAProxy: `option redispatch` (`assign_server_and_queue`, `pendconn_redistribute`)
 *
 * @param next The server chosen by balancing, or `undefined` when the request now waits in the backend queue.
 */
export function redispatched(decision: PersistDecision, next: ServerView | undefined): PersistDecision {
  const flag = decision.requestFlag === 'V' && next !== decision.server ? 'D' : decision.requestFlag
  return { ...decision, server: undefined, direct: false, requestFlag: flag, redispatched: true }
}
