/**
 * A compiled set of request and response rules with its stick tables: what
 * the HTTP layer calls for every request. Everything is validated and
 * compiled in the constructor; evaluation only runs closures.
 *
 * The HTTP request path:
 * 1. `if (rules.hasRules) verdict = rules.evaluate(view, now)` right after the
 *    request checks, before routing.
 * 2. `verdict.action !== 'continue'`: answer locally with `status`, `body` /
 *    `contentType` (or the error page) and `replyHeaders`; for `tarpit` wait
 *    `delay` ms first. Then `rules.end(verdict, status, now)`.
 * 3. Otherwise route to `verdict.backend` (when set), build the upstream
 *    headers, `applyHeaderEdits(headers, verdict)` when `headersChanged`,
 *    forward `verdict.url`, and pass `priorityClass` / `priorityOffset` to
 *    the backend's acquire.
 * 4. On the response head: `status = rules.respond(verdict, status, headers, now)`
 *    (edits the flat header list in place; `verdict.statusReason` may be set).
 * 5. When the exchange ends (response done, error or abort):
 *    `rules.end(verdict, status, now)` with the status sent (0 when none).
 */
import { SwitchyardError } from '../errors.js'
import { compileRequestRule, compileResponseRule, trackTable, type ActionEnv, type CompiledRule } from './actions.js'
import { clientAddress } from './client-address.js'
import { optionError, type CompileContext } from './context.js'
import { NetworkList, plainAddress } from './ip.js'
import { StickTable } from './stick-table.js'
import { Txn } from './txn.js'
import type { CounterSlot, RequestVerdict, RuleRequest, RuleSetOptions } from './types.js'

/** Default `tarpitTimeout`: switchyard's default `timeout connect` (HAProxy falls back to it). */
export const DEFAULT_TARPIT_TIMEOUT = 5_000

function txnOf(verdict: RequestVerdict): Txn {
  if (!(verdict instanceof Txn)) throw new SwitchyardError('SWY_ERR_INVALID_OPTION', 'Expected a verdict returned by RuleSet.evaluate()', { field: 'verdict' })
  return verdict
}

/**
 * Request rules, response rules and stick tables, compiled.
 *
 * @example
 * ```ts
 * const rules = new RuleSet({
 *   tables: { per_ip: { size: 100_000, expire: 60_000, httpReqRate: 10_000 } },
 *   request: [
 *     { action: 'deny', unless: { kind: 'src', networks: ['10.0.0.0/8', '192.168.0.0/16'] } },
 *     { action: 'track', key: 'src', table: 'per_ip' },
 *     { action: 'deny', status: 429, if: { kind: 'counter', slot: 0, counter: 'http_req_rate', compare: { op: 'gt', value: 100 } } },
 *     { action: 'set-header', name: 'x-client', value: { format: '%[src]' } },
 *   ],
 * })
 * ```
 * HAProxy: `acl`, `http-request`, `http-response`, `use_backend`, `default_backend`, `stick-table`.
 */
export class RuleSet {
  /** False when nothing is configured: the HTTP layer can skip every call. */
  readonly hasRules: boolean
  /** True when `evaluate` can do anything (request rules or a default backend). */
  readonly hasRequestRules: boolean
  /** True when `respond` can do anything. */
  readonly hasResponseRules: boolean
  /** The stick tables by name (for stats). */
  readonly tables: ReadonlyMap<string, StickTable>
  readonly #request: readonly CompiledRule[]
  readonly #response: readonly CompiledRule[]
  readonly #trusted: NetworkList | undefined
  readonly #defaultBackend: string | undefined

  /**
   * Validates and compiles the options.
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming the offending field
   *   and value: malformed networks or regular expressions, unknown ACLs,
   *   tables or backends, counters no rule tracks, invalid statuses.
   */
  constructor(options: RuleSetOptions = {}) {
    const tables = new Map<string, StickTable>()
    for (const [name, table] of Object.entries(options.tables ?? {})) tables.set(name, table instanceof StickTable ? table : new StickTable(name, table))
    this.tables = tables
    const tarpitTimeout = options.tarpitTimeout ?? DEFAULT_TARPIT_TIMEOUT
    if (typeof tarpitTimeout !== 'number' || !Number.isFinite(tarpitTimeout) || tarpitTimeout < 0) throw optionError('tarpitTimeout', 'expected milliseconds ≥ 0', tarpitTimeout)
    const env: ActionEnv = { tables, tarpitTimeout }
    const request = options.request ?? []
    const response = options.response ?? []
    if (!Array.isArray(request)) throw optionError('request', 'expected an array of rules', request)
    if (!Array.isArray(response)) throw optionError('response', 'expected an array of rules', response)

    // Which tables fill each counter slot, so counter reads can be checked.
    const slots = new Map<CounterSlot, StickTable[]>()
    request.forEach((rule, i) => {
      if (rule?.action !== 'track') return
      const slot = rule.slot ?? 0
      const table = trackTable(rule, `request[${i}]`, env)
      slots.set(slot, [...(slots.get(slot) ?? []), table])
    })
    const ctx: CompileContext = {
      acls: options.acls ?? {},
      compiled: new Map(),
      resolving: new Set(),
      backends: options.backends,
      slots,
      phase: 'request',
    }
    this.#request = request.map((rule, i) => compileRequestRule(rule, `request[${i}]`, ctx, env))
    ctx.phase = 'response'
    this.#response = response.map((rule, i) => compileResponseRule(rule, `response[${i}]`, ctx))
    const trusted = options.trustedProxies
    this.#trusted = trusted === undefined || trusted.length === 0 ? undefined : NetworkList.compile(trusted, 'trustedProxies')
    const fallback = options.defaultBackend
    if (fallback !== undefined && (typeof fallback !== 'string' || fallback === '')) throw optionError('defaultBackend', 'expected a backend name', fallback)
    this.#defaultBackend = fallback
    this.hasRequestRules = this.#request.length > 0 || fallback !== undefined
    this.hasResponseRules = this.#response.length > 0
    this.hasRules = this.hasRequestRules || this.hasResponseRules
  }

  /**
   * Runs the request rules in order at time `now` (ms) and returns the
   * verdict. Allocates the verdict object (and header edit lists when header
   * rules fire); never throws unless a `predicate` condition does (entries
   * tracked before it are released first).
   */
  evaluate(request: RuleRequest, now: number): RequestVerdict {
    const peer = request.source ?? ''
    const trusted = this.#trusted
    const txn = new Txn(request, trusted === undefined ? plainAddress(peer) : clientAddress(peer, request.headers['x-forwarded-for'], trusted), now)
    const rules = this.#request
    try {
      let i = 0
      for (; i < rules.length; i++) {
        const rule = rules[i]!
        if (rule.test !== undefined && !rule.test(txn)) continue
        if (rule.run(txn)) break
      }
      // `allow` ended the http-request rules: backend-stage rules (use-backend, force/ignore-persist) still run.
      if (txn.action === 'continue') {
        for (i++; i < rules.length; i++) {
          const rule = rules[i]!
          if (rule.late && (rule.test === undefined || rule.test(txn))) rule.run(txn)
        }
      }
    } catch (err) {
      // A user predicate threw: release what earlier `track` rules took, or it would stay in flight forever.
      this.end(txn, 0, now)
      throw err
    }
    if (txn.action === 'continue') txn.backend ??= this.#defaultBackend
    return txn
  }

  /**
   * Runs the response rules on a response head: `headers` is the flat
   * `[name, value, …]` list (lower-case names) sent to the client, edited in
   * place. Returns the status to send (`set-status` may change it and set
   * `verdict.statusReason`).
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION when `verdict` did not come from {@link evaluate}.
   */
  respond(verdict: RequestVerdict, status: number, headers: string[], now: number): number {
    const txn = txnOf(verdict)
    const rules = this.#response
    if (rules.length === 0) return status
    txn.resStatus = status
    txn.resHeaders = headers
    txn.now = now
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!
      if (rule.test !== undefined && !rule.test(txn)) continue
      if (rule.run(txn)) break
    }
    txn.resHeaders = undefined
    return txn.resStatus
  }

  /**
   * Ends the request for the stick tables: each tracked entry's `conn_cur`
   * drops, and a forwarded request whose response `status` is 4xx counts as
   * an error (`http_err_cnt`, `http_err_rate`; denials were counted when
   * denied). Only the first call per verdict counts.
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION when `verdict` did not come from {@link evaluate}.
   */
  end(verdict: RequestVerdict, status: number, now: number): void {
    const txn = txnOf(verdict)
    if (txn.ended) return
    txn.ended = true
    const error = txn.action === 'continue' && status >= 400 && status < 500
    const { sc0, sc1, sc2 } = txn
    if (sc0 !== undefined) {
      if (error) sc0.table.countError(sc0, now)
      sc0.table.release(sc0, now)
    }
    if (sc1 !== undefined) {
      if (error) sc1.table.countError(sc1, now)
      sc1.table.release(sc1, now)
    }
    if (sc2 !== undefined) {
      if (error) sc2.table.countError(sc2, now)
      sc2.table.release(sc2, now)
    }
  }
}
