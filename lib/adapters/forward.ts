/**
 * The forwarding state machine of one client request (HTTP or Upgrade):
 * admission → attempt(s) → response, with HAProxy's retries and redispatch,
 * exact timeouts, and exactly one lease release.
 *
 * How a request moves (the `phase` letter is HAProxy's termination-state
 * second character):
 *
 *   Q  waiting for a lease (`tryAcquire` fast path, else `acquire`)
 *   C  connecting (or waiting the turn-around delay before a retry)
 *   H  request sent (or being sent), waiting for the response headers
 *   D  response body flowing to the client
 *   -  done
 *
 * Failures before the response head was forwarded are classified
 * (`failure.ts`) and either retried — on the same server after the turn-around
 * delay, or on another one (redispatch: the lease is released and a new one
 * acquired with `avoid`) — or answered with an error page. After the head was
 * forwarded nothing can be retried: the client connection is cut so the client
 * sees the truncation.
 *
 * Invariants: the lease is released exactly once (`#release` clears it first);
 * `#done` is set once, by `#finish`; undici calls at most one of
 * `onComplete`/`onError` per attempt, and a new attempt only starts after the
 * previous one reported, from a timer (never from inside undici's callbacks).
 */
import type { IncomingMessage } from 'node:http'
import type { Dispatcher } from 'undici'
import type { ServerView } from '../balance/types.js'
import { isSwitchyardError } from '../errors.js'
import type { PersistDecision } from '../persist/types.js'
import type { AcquireRequest, Lease, LeaseOutcome } from '../queue/types.js'
import type { RuleSet } from '../rules/rule-set.js'
import type { RequestVerdict } from '../rules/types.js'
import type { ExchangeObserver } from '../stats/hook.js'
import type { ErrorPageTable } from './error-pages.js'
import { classifyFailure, connectTermination, type FailureKind } from './failure.js'
import type { HttpBackend } from './http-backend.js'
import { plainAddress } from './networks.js'
import { replaceCookieHeader, unansweredFlags } from './persistence.js'
import { RequestBody, type BodyFlowListener } from './request-body.js'
import { isIdempotent, mayHaveReachedServer, retryCovers, shouldRedispatch } from './retry-policy.js'
import type { ErrorStatus, HttpLogger, ResolvedErrorPage, ResolvedHttpFrontendOptions } from './types.js'

/** What every exchange of one handler shares. */
export interface HandlerContext {
  readonly frontend: ResolvedHttpFrontendOptions
  /** Handler-level pages (frontend layer over the built-in ones). */
  readonly pages: ErrorPageTable
  readonly log: HttpLogger | undefined
  /** Counts finished requests for the stats; off when absent. */
  readonly stats?: ExchangeObserver | undefined
  /** Monotonic milliseconds. */
  readonly now: () => number
}

/** Abort reasons switchyard gives undici; compared by identity, allocated once. */
const CLIENT_GONE = new Error('switchyard: the client closed the connection')
const CLIENT_TIMEOUT = new Error('switchyard: timeout client')
const SERVER_TIMEOUT = new Error('switchyard: timeout server')
const RETRY = new Error('switchyard: retry on status')

const NO_TIMER = 0
const SERVER_TIMER = 1
const CLIENT_TIMER = 2
const RETRY_TIMER = 3

/** Lease outcome for each failure kind. */
const OUTCOMES: Readonly<Record<FailureKind, LeaseOutcome>> = {
  'conn-failure': 'connect-error',
  'connect-timeout': 'connect-timeout',
  'empty-response': 'bad-response',
  'junk-response': 'bad-response',
  'response-timeout': 'response-timeout',
  status: 'ok',
}

/** Status and termination state answered when retries cannot help. */
const ANSWERS: Readonly<Record<Exclude<FailureKind, 'status'>, readonly [ErrorStatus, string]>> = {
  'conn-failure': [503, 'SC'],
  'connect-timeout': [503, 'sC'],
  'empty-response': [502, 'SH'],
  'junk-response': [502, 'PH'],
  'response-timeout': [504, 'sH'],
}

/** Termination state of a synchronous refusal (`nosrv`, `closed`: `SC`). */
const REFUSALS: Readonly<Record<string, string>> = { full: 'SQ' }

/** Termination state for each admission error code. */
const ADMISSION: Readonly<Record<string, string>> = {
  SWY_ERR_QUEUE_FULL: 'SQ',
  SWY_ERR_QUEUE_TIMEOUT: 'sQ',
}

/**
 * One client request being forwarded. Subclasses say how a response reaches the
 * client (a `ServerResponse`, or raw bytes on an upgraded socket).
 */
export abstract class Forwarder implements Dispatcher.DispatchHandler, BodyFlowListener {
  protected readonly req: IncomingMessage
  protected readonly backend: HttpBackend
  protected readonly ctx: HandlerContext
  /** The request body, when the request has one. */
  protected readonly body: RequestBody | undefined
  /** The rules that let this request through and their verdict (see {@link useRules}). */
  protected rules: RuleSet | undefined = undefined
  protected verdict: RequestVerdict | undefined = undefined
  readonly #dispatch: Dispatcher.DispatchOptions
  readonly #pick: { -readonly [K in keyof AcquireRequest]: AcquireRequest[K] }
  readonly #idempotent: boolean
  /** The request headers for the server (the persistence step may rewrite their Cookie field). */
  readonly #headers: string[]
  readonly #t0: number
  #lease: Lease | undefined = undefined
  #server: ServerView | undefined = undefined
  #controller: AbortController | undefined = undefined
  #abort: ((err?: Error) => void) | undefined = undefined
  #resume: (() => void) | undefined = undefined
  #connected = false
  #responded = false
  #done = false
  #ended = false
  #logged = false
  #clientGone = false
  #phase = 'Q'
  #termination = '----'
  #retries = 0
  #redispatched = false
  /** The cookie persistence decision; `undefined` when the backend has no cookie. */
  #persist: PersistDecision | undefined = undefined
  /** The two persistence log flags once the response head went through persistence. */
  #cookieFlags: string | undefined = undefined
  #timer: NodeJS.Timeout | undefined = undefined
  #timerKind = NO_TIMER
  #retryStatus = 0
  // timings (ms); −1 = never happened
  #tq = 0
  #tw = -1
  #tc = -1
  #tr = -1
  #waitStart = 0
  #attemptStart = 0
  #sentAt = 0
  #status = -1
  #bytesOut = 0

  /**
   * @param t0 when the handler received the request
   * @param path origin-form request target
   * @param headers request headers for the server (hop-by-hop removed, forwarding headers added)
   * @param hasBody the request has a body (Content-Length > 0 or chunked)
   * @param upgrade the `Upgrade` protocol for an upgrade request (sent through undici's `upgrade` option)
   */
  constructor(req: IncomingMessage, backend: HttpBackend, ctx: HandlerContext, t0: number, path: string, headers: string[], hasBody: boolean, upgrade: string | undefined) {
    this.req = req
    this.backend = backend
    this.ctx = ctx
    this.#t0 = t0
    const method = req.method!
    this.#idempotent = isIdempotent(method)
    this.body = hasBody ? new RequestBody(req, backend.retry.retries > 0 ? backend.options.bufferSize : 0, this) : undefined
    this.#dispatch = { origin: '', path, method: method as Dispatcher.HttpMethod, headers, body: null, upgrade: upgrade ?? null }
    this.#pick = { source: plainAddress(req.socket.remoteAddress), uri: req.url, method, headers: req.headers }
    this.#headers = headers
  }

  /**
   * Cookie persistence before balancing (once the rules' verdict is known):
   * pin the server, fix the Cookie header the server gets.
   */
  #persistRequest(): void {
    const persistence = this.backend.persistence!
    const decision = persistence.request(this.req.headers.cookie, this.req.method!, this.verdict?.persist)
    this.#persist = decision
    if (decision.cookies.rewritten) replaceCookieHeader(this.#headers, decision.cookies.rewrittenHeader as string | undefined)
    if (decision.server !== undefined) {
      this.#pick.pinned = decision.server
      // `option persist` (or a DOWN server named with force-persist): reach the server even when DOWN/MAINT.
      if (persistence.persist || decision.forcePersist) this.#pick.persist = true
      // §3.8: a force-persist request stays in its server's queue through any redistribution.
      if (decision.forcePersist) this.#pick.forcePersist = true
    }
  }

  /**
   * Applies cookie persistence to the response head (flat lower-case header
   * list, changed in place) and keeps the log flags. Returns `headers`.
   */
  protected persistResponse(statusCode: number, headers: string[]): string[] {
    const decision = this.#persist
    if (decision !== undefined) this.#cookieFlags = this.backend.persistence!.response(decision, this.#server!, statusCode, headers)
    return headers
  }

  // ── response sinks, implemented by subclasses ─────────────────────────────

  /** Forwards the response head; false when it could not be written (treated as a junk response). */
  protected abstract respond(statusCode: number, statusText: string, rawHeaders: Buffer[]): boolean
  /** Forwards body bytes; false asks undici to pause until {@link drained}. */
  protected abstract sendData(chunk: Buffer): boolean
  /** The response ended normally. */
  protected abstract endResponse(): void
  /** Sends a generated answer (nothing was forwarded yet). */
  protected abstract sendPage(page: ResolvedErrorPage): void
  /** Cuts the client connection mid-response so that the client sees the truncation. */
  protected abstract cutResponse(): void

  // ── lifecycle ─────────────────────────────────────────────────────────────

  /**
   * Attaches the request rules' verdict (before {@link start}): its queue
   * priority feeds admission, response rules see the response head, and the
   * verdict is ended with the exchange.
   */
  useRules(rules: RuleSet, verdict: RequestVerdict): void {
    this.rules = rules
    this.verdict = verdict
    this.#pick.priorityClass = verdict.priorityClass
    this.#pick.priorityOffset = verdict.priorityOffset
  }

  /** Starts admission. */
  start(): void {
    // The only cost for a backend without a cookie: this test.
    if (this.backend.persistence !== undefined) this.#persistRequest()
    this.#tq = this.ctx.now() - this.#t0
    this.#admit(undefined)
  }

  /** The client connection closed: abort whatever is in progress (nothing once done). */
  #clientClosed(): void {
    if (this.#done) return
    this.#clientGone = true
    if (this.#abort !== undefined) {
      this.#abort(CLIENT_GONE)
    } else if (this.#timerKind === RETRY_TIMER) {
      this.#release('client-abort')
      this.#finish('CC')
    } else if (this.#phase === 'Q') {
      // Leave the queue (or, without abortOnClose, give the lease back when it comes).
      this.#controller?.abort(CLIENT_GONE)
      this.#finish('CQ')
    }
    // Otherwise connecting: onConnect or onError sees #clientGone.
  }

  /** The client side is finished (response delivered or connection closed): emit the log line. */
  protected clientEnded(): void {
    // Called once: from the client side's single 'close' event.
    this.#ended = true
    this.#clientClosed()
    if (this.#done) this.#log()
  }

  /** Emits the log line once both sides are finished (called by whichever finishes last). */
  #log(): void {
    if (this.#logged) return
    this.#logged = true
    this.ctx.stats?.exchange(this.backend.name, this.#server, this.#status, this.body?.bytesRead ?? 0, this.#bytesOut, this.#tw, this.#tc, this.#tr, this.ctx.now() - this.#t0, this.#termination, this.#retries, this.#redispatched)
    const log = this.ctx.log
    if (log === undefined) return
    const req = this.req
    try {
      log({
        clientAddress: plainAddress(req.socket.remoteAddress),
        // Node cached the peer name when the constructor read remoteAddress.
        clientPort: req.socket.remotePort!,
        backend: this.backend.name,
        server: this.#server?.name ?? '<NOSRV>',
        method: req.method!,
        uri: req.url!,
        httpVersion: req.httpVersion,
        Tq: this.#tq,
        Tw: this.#tw,
        Tc: this.#tc,
        Tr: this.#tr,
        Tt: this.ctx.now() - this.#t0,
        status: this.#status,
        bytesIn: this.body?.bytesRead ?? 0,
        bytesOut: this.#bytesOut,
        termination: this.#termination,
        retries: this.#retries,
        redispatched: this.#redispatched,
      })
    } catch {
      // A throwing log hook must not break the proxy (documented: hooks must not throw).
    }
  }

  /** The client drained the response buffer: resume reading from the server. */
  protected drained(): void {
    this.#arm(SERVER_TIMER, this.backend.options.timeouts.server)
    this.#resume!()
  }

  // ── tunnels (upgrade) ─────────────────────────────────────────────────────

  /** undici handed over the upgraded server socket (101): a tunnel now; the lease stays held until it closes. */
  protected tunnelOpened(): void {
    this.#abort = undefined
    this.#clear()
    this.#responded = true
    this.#status = 101
    this.#phase = 'D'
  }

  /** The tunnel closed after `bytesOut` bytes went to the client; `termination` is two letters. */
  protected tunnelClosed(termination: string, bytesOut: number): void {
    this.#bytesOut = bytesOut
    this.#release('ok', 101)
    this.#finish(termination)
  }

  /** The server's 101 cannot be accepted (a WebSocket answer without `Sec-WebSocket-Accept`): 502. */
  protected tunnelRefused(): void {
    this.#abort = undefined
    this.#clear()
    this.#release('bad-response', 101)
    this.#answer(502, 'PH')
  }

  // ── admission ─────────────────────────────────────────────────────────────

  #admit(avoid: ServerView | undefined): void {
    this.#phase = 'Q'
    const pick = this.#pick
    pick.avoid = avoid
    const source = this.backend.source
    const admission = source.tryAcquire?.(pick)
    if (admission !== undefined && admission.status !== 'queued') {
      if (admission.status === 'ok') this.#leased(admission.lease)
      else this.#answer(503, REFUSALS[admission.status] ?? 'SC')
      return
    }
    if (this.ctx.frontend.abortOnClose) {
      this.#controller = new AbortController()
      pick.signal = this.#controller.signal
    }
    source.acquire(pick).then(this.#leased, this.#refused)
  }

  readonly #leased = (lease: Lease): void => {
    if (this.#done) {
      lease.release('client-abort')
      return
    }
    this.#controller = undefined
    this.#lease = lease
    this.#server = lease.server
    const decision = this.#persist
    // Persistence broken: the backend balanced instead (full queue, redistribution) or a retry redispatched.
    if (decision?.server !== undefined && (this.#pick.pinned === undefined || lease.server !== decision.server)) {
      this.#persist = this.backend.persistence!.redispatch(decision, lease.server)
    }
    this.#tw = Math.max(this.#tw, 0) + lease.queuedFor
    this.#attempt()
  }

  readonly #refused = (err: unknown): void => {
    if (this.#done) return
    if (!isSwitchyardError(err)) {
      this.#answer(500, 'IQ')
      return
    }
    this.#answer(err.statusCode as ErrorStatus, ADMISSION[err.code] ?? 'SC')
  }

  // ── attempts ──────────────────────────────────────────────────────────────

  #attempt(): void {
    const server = this.#server!
    this.#phase = 'C'
    this.#connected = false
    this.#attemptStart = this.ctx.now()
    let upstream
    try {
      upstream = this.backend.upstream(server)
    } catch (err) {
      this.onError(err as Error)
      return
    }
    const dispatch = this.#dispatch
    dispatch.origin = upstream.origin
    dispatch.body = this.body?.forAttempt() ?? null
    upstream.pool.dispatch(dispatch, this)
  }

  /** undici: the request is being written on a connected socket. */
  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort
    this.#connected = true
    this.#sentAt = this.ctx.now()
    this.#tc = this.#sentAt - this.#attemptStart
    if (this.#clientGone) {
      abort(CLIENT_GONE)
      return
    }
    this.#phase = 'H'
    // undici may already have pulled the body (read(0) before onConnect) and found the client silent.
    if (this.body?.stalled === true) this.#arm(CLIENT_TIMER, this.ctx.frontend.timeouts.client)
    else this.#arm(SERVER_TIMER, this.backend.options.timeouts.server)
  }

  /** undici: a request body chunk was written (server-side activity). */
  onBodySent(): void {
    if (this.#timerKind === SERVER_TIMER) this.#timer!.refresh()
  }

  /** undici: the whole request was written. */
  onRequestSent(): void {
    this.#sentAt = this.ctx.now()
  }

  /** undici: response head (1xx heads are dropped). */
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true
    this.#tr = this.ctx.now() - this.#sentAt
    const policy = this.backend.retry
    if (this.#retries < policy.retries && policy.statuses.has(statusCode) && this.#replayable('status')) {
      this.#retryStatus = statusCode
      this.#abort!(RETRY)
      return false
    }
    if (!this.respond(statusCode, statusText, rawHeaders)) {
      this.#abort!(new Error('switchyard: the response head could not be forwarded'))
      return false
    }
    this.#responded = true
    this.#status = statusCode
    this.#phase = 'D'
    this.#resume = resume
    if (this.#timerKind === SERVER_TIMER) this.#timer!.refresh()
    return true
  }

  /** undici: response body bytes. */
  onData(chunk: Buffer): boolean {
    this.#bytesOut += chunk.length
    if (this.#timerKind === SERVER_TIMER) this.#timer!.refresh()
    if (this.sendData(chunk)) return true
    this.#arm(CLIENT_TIMER, this.ctx.frontend.timeouts.client)
    return false
  }

  /** undici: the response ended. */
  onComplete(): void {
    this.#abort = undefined
    this.#release('ok', this.#status)
    this.endResponse()
    this.#finish('--')
  }

  /** undici: the attempt failed (or was aborted by switchyard). */
  onError(err: Error): void {
    this.#abort = undefined
    this.#clear()
    this.body?.endAttempt()
    if (this.#clientGone || (this.body !== undefined && err === this.body.failure)) {
      this.#release('client-abort')
      this.#finish(`C${this.#phase}`)
      return
    }
    if (err === CLIENT_TIMEOUT) {
      this.#release('client-abort')
      if (this.#responded) this.#cut('cD')
      else this.#answer(408, 'cR')
      return
    }
    if (this.#responded) {
      const timeout = err === SERVER_TIMEOUT
      this.#release(timeout ? 'response-timeout' : 'bad-response', this.#status)
      this.#cut(timeout ? 'sD' : 'SD')
      return
    }
    if (err === RETRY) {
      this.#retry('status', this.#retryStatus)
      return
    }
    const kind = err === SERVER_TIMEOUT ? 'response-timeout' : classifyFailure(err, this.#connected)
    const policy = this.backend.retry
    if (this.#retries < policy.retries && retryCovers(policy, kind, 0, this.#idempotent) && this.#replayable(kind)) {
      this.#retry(kind, 0)
      return
    }
    this.#release(OUTCOMES[kind])
    const [status, termination] = ANSWERS[kind as Exclude<FailureKind, 'status'>]
    this.#answer(status, kind === 'conn-failure' ? connectTermination(err, termination) : termination)
  }

  /** A replay is possible: the body (if any) can be sent again, and, when the request may have reached the server, it is allowed to be sent twice. */
  #replayable(kind: FailureKind): boolean {
    const body = this.body
    if (!mayHaveReachedServer(kind)) return body === undefined || body.replayable
    if (!this.#idempotent && !this.backend.retry.nonIdempotent) return false
    return body === undefined || (body.complete && body.replayable)
  }

  #retry(kind: FailureKind, status: number): void {
    this.#retries++
    const server = this.#server!
    const policy = this.backend.retry
    this.#phase = 'C'
    this.#waitStart = this.ctx.now()
    // A request directed by its cookie does not move on every retry (§7.2 rule 4), and never with force-persist.
    const pinned = this.#pick.pinned !== undefined
    if ((!pinned || this.#persist!.mayRedispatch) && shouldRedispatch(policy, this.#retries, server, !pinned && (this.backend.source.redispatchEveryRetry?.() ?? false))) {
      // Another server: free this slot now, acquire again (immediately) avoiding this server.
      this.#redispatched = true
      this.#pick.pinned = undefined
      this.#pick.persist = undefined
      this.#pick.forcePersist = undefined
      this.#release(OUTCOMES[kind], status === 0 ? undefined : status)
      // A microtask, not a timer: out of undici's callback, yet no client event can come in between.
      queueMicrotask(this.#retryNow)
      return
    }
    // The turn-around delay follows a connection error only: HAProxy 2.6 retries at once after
    // `timeout connect` (checked against haproxy by the conformance suite, timeout-connect-retries-503).
    this.#arm(RETRY_TIMER, kind === 'conn-failure' ? policy.turnaround : 0)
  }

  readonly #retryNow = (): void => {
    this.#tw = Math.max(this.#tw, 0) + (this.ctx.now() - this.#waitStart)
    if (this.#lease === undefined) this.#admit(this.#server)
    else this.#attempt()
  }

  // ── body flow (BodyFlowListener) ──────────────────────────────────────────

  /** The server wants request bytes and the client sends none: `timeout client` runs. */
  bodyStalled(): void {
    if (this.#abort !== undefined) this.#arm(CLIENT_TIMER, this.ctx.frontend.timeouts.client)
  }

  /** Client bytes arrived again: back to `timeout server`. */
  bodyFlowing(): void {
    if (this.#abort !== undefined) this.#arm(SERVER_TIMER, this.backend.options.timeouts.server)
  }

  // ── timers: one slot, one kind at a time ──────────────────────────────────

  /** Replaces the running timer (callers refresh a running one themselves). */
  #arm(kind: number, ms: number): void {
    this.#clear()
    if (ms <= 0 && kind !== RETRY_TIMER) return
    this.#timerKind = kind
    this.#timer = setTimeout(this.#onTimer, ms)
  }

  #clear(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    this.#timerKind = NO_TIMER
  }

  readonly #onTimer = (): void => {
    const kind = this.#timerKind
    this.#timer = undefined
    this.#timerKind = NO_TIMER
    if (kind === RETRY_TIMER) this.#retryNow()
    else this.#abort?.(kind === SERVER_TIMER ? SERVER_TIMEOUT : CLIENT_TIMEOUT)
  }

  // ── endings ───────────────────────────────────────────────────────────────

  /** Callers hold a lease: every failure, completion and client abort happens during an attempt or a same-server retry wait. */
  #release(outcome: LeaseOutcome, status?: number): void {
    const lease = this.#lease!
    this.#lease = undefined
    lease.release(outcome, status)
  }

  /** Answers with a generated page (nothing was forwarded yet). */
  #answer(status: ErrorStatus, termination: string): void {
    this.#status = status
    const page = this.backend.pages[status] ?? this.ctx.pages[status]
    this.#bytesOut = page.body.length
    this.sendPage(page)
    this.#finish(termination)
  }

  #cut(termination: string): void {
    this.cutResponse()
    this.#finish(termination)
  }

  /** Ends the exchange with a two-letter termination state (`--` for a normal end), then the two persistence flags. */
  #finish(termination: string): void {
    // Called once: every caller runs only while the exchange is not done.
    this.#done = true
    this.#phase = '-'
    const decision = this.#persist
    this.#termination = termination + (this.#cookieFlags ?? (decision === undefined ? '--' : unansweredFlags(decision)))
    this.#clear()
    this.body?.detach()
    // Set together with `rules` by useRules.
    if (this.verdict !== undefined) this.rules!.end(this.verdict, Math.max(this.#status, 0), this.ctx.now())
    if (this.#ended) this.#log()
  }
}
