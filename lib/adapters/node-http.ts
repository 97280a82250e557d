/**
 * The node:http request handler and upgrade handler: monitor URI, request
 * checks, routing, then one {@link HttpExchange} (or {@link UpgradeExchange})
 * per request. Nothing here throws out of an event handler.
 *
 * @example
 * ```ts
 * const backend = createHttpBackend(leaseSource, { forwardFor: true })
 * const handler = createHttpHandler({ backend, monitorUri: '/health' })
 * const server = http.createServer(handler)
 * server.on('upgrade', handler.upgrade)
 * server.on('connect', handler.connect)
 * applyServerTimeouts(server, handler.options)
 * server.listen(8080)
 * ```
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import { SwitchyardError } from '../errors.js'
import type { Router } from '../routing/types.js'
import type { ExchangeObserver } from '../stats/hook.js'
import { applyHeaderEdits } from '../rules/header-edits.js'
import type { RuleSet } from '../rules/rule-set.js'
import type { RequestVerdict } from '../rules/types.js'
import { systemScheduler } from '../runtime.js'
import type { Scheduler } from '../types.js'
import { createClientErrorListener } from './client-error.js'
import { compileErrorPages, sendPage, writeRawPage } from './error-pages.js'
import { HttpExchange } from './exchange.js'
import type { HandlerContext } from './forward.js'
import { requestHeaders } from './headers.js'
import type { HttpBackend } from './http-backend.js'
import { answerMonitor, isMonitorRequest } from './monitor.js'
import { plainAddress } from './networks.js'
import { checkRequest } from './request-checks.js'
import { resolveHttpFrontendOptions, type HttpFrontendOptions } from './resolve.js'
import { ruleReply, sendRuleReply, writeRawRuleReply } from './rule-reply.js'
import type { ErrorPages, ErrorStatus, FrontendTimeouts, HttpLogger, ResolvedHttpFrontendOptions } from './types.js'
import { UpgradeExchange, checkUpgrade } from './upgrade.js'

/** Options of {@link createHttpHandler}: where requests go, plus the frontend options. */
export interface HttpHandlerOptions extends HttpFrontendOptions {
  /** The one backend every request goes to (give this or `router`). */
  readonly backend?: HttpBackend | undefined
  /** Routing rules choosing the backend (HAProxy `use_backend`/`default_backend`). */
  readonly router?: Router<HttpBackend> | undefined
  /** Per-request log hook (HAProxy's HTTP log fields); off when absent. */
  readonly log?: HttpLogger | undefined
  /**
   * When `monitorUri` answers 503 instead of 200 (HAProxy `monitor fail`).
   * @default some backend the handler can route to has no usable server
   */
  readonly monitorFail?: (() => boolean) | undefined
  /** Counts finished requests for the stats; off when absent. */
  readonly stats?: ExchangeObserver | undefined
  /** Monotonic clock in ms for log timings and rules. @default performance.now */
  readonly now?: (() => number) | undefined
  /**
   * Request and response rules, evaluated after the request checks and before
   * routing; a `use-backend` name is looked up among the handler's backends.
   * Costs nothing when absent or empty. HAProxy: `http-request`, `http-response`, `use_backend`.
   */
  readonly rules?: RuleSet | undefined
  /** Backends rules may name besides those of `backend`/`router` (looked up by name). */
  readonly ruleBackends?: readonly HttpBackend[] | undefined
  /** Timers for `tarpit`. @default setTimeout (unref'd) */
  readonly scheduler?: Scheduler | undefined
}

/** A request handler for `http.createServer`, with its upgrade handler. */
export interface HttpHandler {
  (req: IncomingMessage, res: ServerResponse): void
  /**
   * Same as calling the handler, except that when no backend matches, `next()` is
   * called instead of answering 503 (for middleware).
   */
  handle(req: IncomingMessage, res: ServerResponse, next?: () => void): void
  /** The `'upgrade'` event listener: WebSocket and other upgrades, balanced then tunneled. */
  readonly upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  /**
   * The `'connect'` listener: a CONNECT request (authority-form target) is refused
   * with 400 and the connection closed (Node would close it without an answer);
   * tunnels are TCP mode's job.
   */
  readonly connect: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  /** The resolved frontend options. */
  readonly options: ResolvedHttpFrontendOptions
  /** Every backend requests can be routed to. */
  readonly backends: readonly HttpBackend[]
}

/** Servers that already have switchyard's `clientError` listener. */
const WITH_CLIENT_ERROR = new WeakSet<Server>()

/**
 * Sets the embedding server's own timeouts from the frontend options: a request
 * whose headers take longer than `timeout http-request` gets HAProxy's 408 page,
 * and idle client connections close after `timeout http-keep-alive`. Call before
 * `listen()` (Node reads `connectionsCheckingInterval` when listening).
 * `requestTimeout` is disabled: request bodies are governed by `timeout client`
 * (inactivity). Also answers the requests Node's parser refuses with HAProxy's
 * pages (400, 431; `errorPages` replaces them) instead of Node's bare status lines,
 * logged through `log` (method `<BADREQ>`, `cR--`/`PR--`) and counted in `stats`
 * when given: a `clientError` listener, added once per server (client-error.ts).
 * HAProxy: `timeout http-request`, `timeout http-keep-alive`, `errorfile 400|408`.
 */
export function applyServerTimeouts(
  server: Server,
  options: { readonly timeouts: FrontendTimeouts; readonly errorPages?: ErrorPages | undefined; readonly log?: HttpLogger | undefined; readonly stats?: ExchangeObserver | undefined },
): void {
  if (!WITH_CLIENT_ERROR.has(server)) {
    WITH_CLIENT_ERROR.add(server)
    server.on('clientError', createClientErrorListener({ pages: compileErrorPages(options.errorPages ?? {}), log: options.log, stats: options.stats }))
  }
  const { httpRequest, httpKeepAlive } = options.timeouts
  server.requestTimeout = 0
  server.headersTimeout = httpRequest
  server.keepAliveTimeout = httpKeepAlive
  // Node checks header deadlines only every interval (30 s by default): keep it a fraction of the timeout.
  // A public Server property in Node ≥ 18.10, missing from @types/node 20.
  if (httpRequest > 0) (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(1_000, Math.max(10, Math.floor(httpRequest / 4)))
}

/**
 * Creates the HTTP handler.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION unless exactly one of `backend` and `router` is given, or for an invalid error page.
 */
export function createHttpHandler(options: HttpHandlerOptions): HttpHandler {
  const single = options.backend
  const router = options.router
  if ((single === undefined) === (router === undefined)) {
    throw new SwitchyardError('SWY_ERR_INVALID_OPTION', 'Expected exactly one of `backend` and `router`', { field: 'backend' })
  }
  const backends: readonly HttpBackend[] = router !== undefined ? router.backends : [single!]
  const frontend = resolveHttpFrontendOptions(options)
  const ctx: HandlerContext = {
    frontend,
    pages: compileErrorPages(frontend.errorPages),
    log: options.log,
    stats: options.stats,
    now: options.now ?? (() => performance.now()),
  }
  const monitorUri = frontend.monitorUri
  const monitorFail = options.monitorFail ?? (() => backends.some((b) => !b.source.hasUsableServer()))
  const rules = options.rules?.hasRules === true ? options.rules : undefined
  const byName = new Map([...backends, ...(options.ruleBackends ?? [])].map((b) => [b.name, b]))
  const scheduler = options.scheduler ?? systemScheduler

  /**
   * Runs the request rules: the verdict to forward with, or null when the
   * request was answered here (a rule's reply, or 500 when a user predicate threw).
   */
  function evaluate(rules: RuleSet, req: IncomingMessage, out: ServerResponse | Duplex, t0: number, path: string): RequestVerdict | null {
    let verdict: RequestVerdict
    try {
      // remoteAddress is undefined once the socket closed: evaluate() reads a missing source as ''.
      verdict = rules.evaluate({ method: req.method!, url: path, headers: req.headers, source: req.socket.remoteAddress as string, secure: (req.socket as TLSSocket).encrypted === true }, ctx.now())
    } catch {
      answerLocally(ctx, req, out, t0, 500, 'IR', '<NOBACKEND>')
      return null
    }
    if (verdict.action === 'continue') return verdict
    replyByRule(ctx, scheduler, rules, verdict, req, out, t0)
    return null
  }

  /** The backend a verdict names, else the router's choice; null when answered (unknown name: 503). */
  function target(verdict: RequestVerdict | undefined, req: IncomingMessage, out: ServerResponse | Duplex, t0: number): HttpBackend | undefined | null {
    const name = verdict?.backend
    if (name === undefined) return route(req, out, t0)
    const backend = byName.get(name)
    if (backend !== undefined) return backend
    answerLocally(ctx, req, out, t0, 503, 'SC', name)
    return null
  }

  /** Ends the verdict of a request answered here after routing. */
  function endRules(verdict: RequestVerdict | undefined, status: number): void {
    if (verdict !== undefined) rules!.end(verdict, status, ctx.now())
  }

  /** Routes, or answers 500 when a user predicate throws (returns null then). */
  function route(req: IncomingMessage, res: ServerResponse | Duplex, t0: number): HttpBackend | undefined | null {
    if (router === undefined) return single
    try {
      return router.route(req)
    } catch {
      answerLocally(ctx, req, res, t0, 500, 'IR', '<NOBACKEND>')
      return null
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse, next?: () => void): void {
    // Node emits pipelined requests at once, their responses queued behind the one in
    // progress. Like HAProxy, take the next request only once the previous response is
    // done (Node then hands this response the socket): if that response closes the
    // connection (an invalid request, `Connection: close`), a request smuggled behind it
    // never runs.
    if (res.socket === null) {
      res.once('socket', () => handle(req, res, next))
      return
    }
    const t0 = ctx.now()
    if (monitorUri !== undefined && isMonitorRequest(req.url, monitorUri)) {
      answerMonitor(res, ctx.pages, monitorFail())
      return
    }
    const check = checkRequest(req, frontend.maxHeaders)
    if ('status' in check) {
      answerLocally(ctx, req, res, t0, check.status, 'PR', '<NOBACKEND>', true)
      return
    }
    let verdict: RequestVerdict | undefined
    let path = check.path
    if (rules !== undefined) {
      const v = evaluate(rules, req, res, t0, path)
      if (v === null) return
      verdict = v
      path = v.url
    }
    const backend = target(verdict, req, res, t0)
    if (backend === null) return endRules(verdict, 503)
    if (backend === undefined) {
      if (next !== undefined) next()
      else answerLocally(ctx, req, res, t0, 503, 'SC', '<NOBACKEND>')
      return endRules(verdict, next === undefined ? 503 : 0)
    }
    if (check.hasBody && req.readableEnded) {
      // Another middleware (a body parser) consumed the body: it cannot be forwarded.
      answerLocally(ctx, req, res, t0, 500, 'IR', backend.name)
      return endRules(verdict, 500)
    }
    const headers = requestHeaders(req.rawHeaders, req.headers.connection, backend.forwarding.drop)
    if (headers === undefined) {
      answerLocally(ctx, req, res, t0, 400, 'PR', backend.name, true)
      return endRules(verdict, 400)
    }
    // Rule edits apply to the client's lines only, before the proxy's own forwarding headers.
    if (verdict?.headersChanged === true) applyHeaderEdits(headers, verdict)
    backend.forwarding.append(headers, req)
    const exchange = new HttpExchange(req, res, backend, ctx, t0, path, headers, check.hasBody)
    if (verdict !== undefined) exchange.useRules(rules!, verdict)
    exchange.start()
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // The socket is ours from now on: never let an error event go unhandled.
    socket.on('error', ignore)
    // Node hands the socket over at once, even while the answer to an earlier pipelined
    // request is still being sent (`_httpMessage`, Node's own link from a socket to the
    // response using it): wait for it, or the answers would reach the client out of order.
    const pending = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage
    if (pending != null) {
      pending.once('close', () => {
        if (!socket.destroyed) upgrade(req, socket, head)
      })
      return
    }
    const t0 = ctx.now()
    const check = checkRequest(req, frontend.maxHeaders)
    const protocol = 'status' in check ? undefined : checkUpgrade(req)
    if ('status' in check || protocol === undefined || check.hasBody) {
      answerLocally(ctx, req, socket, t0, 'status' in check ? check.status : 400, 'PR', '<NOBACKEND>')
      return
    }
    let verdict: RequestVerdict | undefined
    let path = check.path
    if (rules !== undefined) {
      const v = evaluate(rules, req, socket, t0, path)
      if (v === null) return
      verdict = v
      path = v.url
    }
    const backend = target(verdict, req, socket, t0)
    if (backend === null) return endRules(verdict, 503)
    const headers = backend === undefined ? undefined : requestHeaders(req.rawHeaders, req.headers.connection, backend.forwarding.drop)
    if (backend === undefined || headers === undefined) {
      answerLocally(ctx, req, socket, t0, backend === undefined ? 503 : 400, backend === undefined ? 'SC' : 'PR', backend?.name ?? '<NOBACKEND>')
      return endRules(verdict, backend === undefined ? 503 : 400)
    }
    if (verdict?.headersChanged === true) applyHeaderEdits(headers, verdict)
    backend.forwarding.append(headers, req)
    const exchange = new UpgradeExchange(req, socket, head, backend, ctx, t0, path, headers, protocol)
    if (verdict !== undefined) exchange.useRules(rules!, verdict)
    exchange.start()
  }

  function connect(req: IncomingMessage, socket: Duplex): void {
    socket.on('error', ignore)
    answerLocally(ctx, req, socket, ctx.now(), 400, 'PR', '<NOBACKEND>')
  }

  const handler = ((req: IncomingMessage, res: ServerResponse) => handle(req, res)) as HttpHandler
  Object.defineProperties(handler, {
    handle: { value: handle },
    upgrade: { value: upgrade },
    connect: { value: connect },
    options: { value: frontend },
    backends: { value: backends },
  })
  return handler
}

function ignore(): void {
  // Errors on a client socket we answer or tunnel are handled through 'close'.
}

/** What the log line of a locally answered request says; filled in until the client side closes. */
interface LocalAnswer {
  status: number
  termination: string
  bytesOut: number
  readonly backend: string
}

/** Logs a locally answered request when its client side closes. */
function logOnClose(ctx: HandlerContext, req: IncomingMessage, out: ServerResponse | Duplex, t0: number, answer: LocalAnswer): void {
  const log = ctx.log
  if (log !== undefined) {
    out.once('close', () => {
      const { status, termination, backend } = answer
      try {
        log({
          clientAddress: plainAddress(req.socket.remoteAddress),
          clientPort: req.socket.remotePort ?? 0,
          backend,
          server: '<NOSRV>',
          method: req.method!,
          uri: req.url!,
          httpVersion: req.httpVersion,
          Tq: 0,
          Tw: -1,
          Tc: -1,
          Tr: -1,
          Tt: ctx.now() - t0,
          status,
          bytesIn: 0,
          bytesOut: answer.bytesOut,
          termination: `${termination}--`,
          retries: 0,
          redispatched: false,
        })
      } catch {
        // Log hooks must not throw; ignore if they do.
      }
    })
  }
}

/**
 * Answers with a generated page before any backend work, and logs it. `close`
 * (invalid requests) closes the client connection after the answer, as HAProxy
 * does: nothing the client sent after an invalid request is trusted.
 */
function answerLocally(ctx: HandlerContext, req: IncomingMessage, out: ServerResponse | Duplex, t0: number, status: ErrorStatus, termination: string, backend: string, close = false): void {
  const page = ctx.pages[status]
  ctx.stats?.local(status, page.body.length)
  logOnClose(ctx, req, out, t0, { status, termination, bytesOut: page.body.length, backend })
  if ('writeHead' in out) sendPage(out as ServerResponse, page, close)
  else writeRawPage(out, page)
}

/** Log termination state of each local rule answer (HAProxy: denied `PR`, tarpit `PT`, local `LR`). */
const RULE_TERMINATIONS: Readonly<Record<string, string>> = { deny: 'PR', tarpit: 'PT', redirect: 'LR', return: 'LR' }

/**
 * Answers a request as a rule decided (after `verdict.delay` for a tarpit,
 * given up if the client leaves first), logs it and ends the verdict.
 */
function replyByRule(ctx: HandlerContext, scheduler: Scheduler, rules: RuleSet, verdict: RequestVerdict, req: IncomingMessage, out: ServerResponse | Duplex, t0: number): void {
  const answer: LocalAnswer = { status: -1, termination: `C${RULE_TERMINATIONS[verdict.action]!.charAt(1)}`, bytesOut: 0, backend: '<NOBACKEND>' }
  logOnClose(ctx, req, out, t0, answer)
  const send = (): void => {
    const reply = ruleReply(verdict, ctx.pages)
    answer.termination = RULE_TERMINATIONS[verdict.action]!
    if (!('writeHead' in out)) {
      writeRawRuleReply(out, reply)
    } else if (!sendRuleReply(out as ServerResponse, reply)) {
      // A header built by a rule cannot be sent: 500, as HAProxy answers a failed rewrite.
      const page = ctx.pages[500]
      answer.status = 500
      answer.termination = 'PR'
      answer.bytesOut = page.body.length
      sendPage(out as ServerResponse, page, false)
      ctx.stats?.local(500, page.body.length)
      rules.end(verdict, 500, ctx.now())
      return
    }
    answer.status = reply.status
    answer.bytesOut = reply.body.length
    ctx.stats?.local(reply.status, reply.body.length)
    rules.end(verdict, reply.status, ctx.now())
  }
  if (verdict.action !== 'tarpit' || verdict.delay <= 0) {
    send()
    return
  }
  const onClose = (): void => {
    timer.cancel()
    rules.end(verdict, 0, ctx.now())
  }
  const timer = scheduler.schedule(verdict.delay, () => {
    out.off('close', onClose)
    send()
  })
  out.once('close', onClose)
}
