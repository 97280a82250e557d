/**
 * The health of one server: its counters (state.ts), its check and agent
 * runners, passive observation, slow start, and the stats the health layer
 * knows. It changes the server only through the Backend (`setOperational`,
 * `setAdmin`, `setWeight`, `setMaxconn`, `setSlowStart`, `processQueue`),
 * inside {@link HealthHost.apply} so that the resulting transition events
 * carry the reason and the check behind them.
 *
 * Admin and external changes reach it through {@link ServerHealth.adminChanged}
 * and {@link ServerHealth.operationalChanged}, called by the monitor's
 * Backend listener after the Backend committed them: entering maintenance
 * pauses the regular check; leaving it restarts the check with health = rise
 * and brings the server up (slow start included) unless the agent says down
 * (§6.1, §5.4).
 */
import type { Backend } from '../backend.js'
import type { AdminState, OperationalState, ServerView } from '../balance/types.js'
import type { CheckReport, TransitionReason } from '../events.js'
import type { SlowStartWindow } from '../queue/dynamic-maxconn.js'
import { slowStartWeightScale } from '../queue/dynamic-maxconn.js'
import type { LeaseOutcome } from '../queue/types.js'
import { WEIGHT_SCALE } from '../server.js'
import type { Deps, Timer } from '../types.js'
import { agentDescription, agentMaxconn, agentWeight, parseAgentReply, type AgentReply } from './agent.js'
import { CheckRunner } from './check-runner.js'
import { outcomeOf } from './check-status.js'
import type { ResolvedServerHealth } from './options.js'
import { agentProbe, checkProbe } from './probes.js'
import {
  checkInterval,
  classifyOutcome,
  failCheck,
  initialHealth,
  isPassing,
  maxHealth,
  onErrorHealth,
  passCheck,
  statusText,
  verdict,
  type HealthContext,
  type RiseFall,
} from './state.js'
import type { CheckResult, CheckStatus, HealthStats } from './types.js'

/** Why a change is made: the transition reason and the check behind it. */
export interface Cause {
  readonly reason: TransitionReason
  readonly check: CheckReport | undefined
}

/** What a server's health needs from its monitor. */
export interface HealthHost {
  readonly backend: Backend
  readonly deps: Deps
  /** `spread-checks` percent. */
  readonly spread: number
  /** Checks have been started (HealthMonitor.start). */
  readonly started: boolean
  /** Runs `change` (calls into the Backend) with `cause` as the reason of the transitions it makes. */
  apply(cause: Cause, change: () => void): void
  /** A check completed (after its effects were committed). */
  report(report: CheckReport): void
}

/** Rise/fall used for the status text of a server without a regular check. */
const UNCHECKED: RiseFall = { rise: 1, fall: 1 }

const OUTCOME_TEXT: Readonly<Record<LeaseOutcome, string>> = {
  ok: 'Wrong http response',
  'connect-error': 'Connection error',
  'connect-timeout': 'Connection timeout',
  'response-timeout': 'Read timeout',
  'bad-response': 'Invalid http response',
  'client-abort': 'Client abort',
}

/** The health of one server of a backend. */
export class ServerHealth {
  readonly server: ServerView
  readonly #host: HealthHost
  #options: ResolvedServerHealth | undefined = undefined
  #policy: RiseFall = UNCHECKED
  /** The regular check's counter (§5.3). */
  #health = 0
  /** The agent's counter: 1 up, 0 down. */
  #agentHealth = 1
  /** Consecutive passive errors. */
  #errors = 0
  #check: CheckRunner | undefined = undefined
  #agent: CheckRunner | undefined = undefined
  #checkEnabled = false
  #agentEnabled = false
  /** Maintenance: the regular check is paused. */
  #paused = false
  #lastCheck: CheckReport | undefined = undefined
  #lastAgent: CheckReport | undefined = undefined
  #chkfail = 0
  #chkdown = 0
  #hanafail = 0
  #changedAt: number
  #downSince: number | undefined
  #downtime = 0
  #window: SlowStartWindow | undefined = undefined
  #warmup: Timer | undefined = undefined
  /** Usability last seen by the monitor (to count usable servers). */
  usable: boolean

  constructor(host: HealthHost, server: ServerView) {
    this.#host = host
    this.server = server
    this.usable = server.usable
    this.#changedAt = host.deps.clock.now()
    this.#downSince = this.#isDown() ? this.#changedAt : undefined
  }

  /** The options in force, undefined for an unchecked server. */
  get options(): ResolvedServerHealth | undefined {
    return this.#options
  }

  /**
   * Applies health options (replacing earlier ones) and sets the counters to
   * the initial state (§5.4): a server starting healthy is made `up`, one
   * starting unhealthy `down` (no slow start at start-up). Checks do not run
   * until {@link start}.
   * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION when the check target cannot be derived
   */
  configure(options: ResolvedServerHealth): void {
    const { check, agent } = options
    const { deps, spread } = this.#host
    const running = (): boolean => this.server.operational !== 'down'
    // Runners are inert until started; building them first means an invalid target throws before anything changed.
    const checkRunner =
      check === undefined
        ? undefined
        : new CheckRunner(checkProbe(check, this.server.address), { inter: check.intervals.inter, timeout: check.timeout, connectTimeout: check.connectTimeout, spread }, deps, {
            interval: () => this.checkInterval(),
            running,
            result: (result) => this.#onCheck(result),
          })
    const agentRunner =
      agent === undefined
        ? undefined
        : new CheckRunner(agentProbe(agent, this.server.address), { inter: agent.inter, timeout: agent.timeout, connectTimeout: agent.connectTimeout, spread }, deps, {
            interval: () => agent.inter,
            running,
            result: (result) => this.#onAgent(result),
          })
    this.stop()
    this.#options = options
    this.#policy = check?.policy ?? UNCHECKED
    this.#health = initialHealth(this.#policy, options.initialState)
    this.#agentHealth = 1
    this.#errors = 0
    this.#checkEnabled = check !== undefined
    this.#agentEnabled = agent !== undefined
    this.#paused = this.server.admin === 'maint'
    this.#lastCheck = undefined
    this.#lastAgent = undefined
    this.#check = checkRunner
    this.#agent = agentRunner
    if (!this.#checkEnabled || this.#paused) return
    const passing = isPassing(this.#health, this.#policy)
    const op = this.server.operational
    if (passing && op === 'down') this.#set({ reason: 'check', check: undefined }, 'up', false)
    else if (!passing && op !== 'down') this.#set({ reason: 'check', check: undefined }, 'down', false)
  }

  /** Forgets the options: no more checks, the server counts as unchecked. */
  unconfigure(): void {
    this.stop()
    this.#options = undefined
    this.#policy = UNCHECKED
    this.#check = undefined
    this.#agent = undefined
    this.#checkEnabled = false
    this.#agentEnabled = false
  }

  /** Milliseconds until the next regular check for the current counter (§5.2). */
  checkInterval(): number {
    // Only called when a check is configured.
    return checkInterval(this.#health, this.#policy, this.#options!.check!.intervals, this.server.operational === 'down')
  }

  /** The agent's interval, or undefined without an agent. */
  agentInterval(): number | undefined {
    return this.#options?.agent?.inter
  }

  /** True when a regular check is configured (whether or not enabled). */
  get hasCheck(): boolean {
    return this.#check !== undefined
  }

  /** Starts the regular check (unless disabled or in maintenance) and the agent after the given delays. */
  start(checkDelay: number, agentDelay: number): void {
    if (this.#checkEnabled && !this.#paused) this.#check?.start(checkDelay)
    if (this.#agentEnabled) this.#agent?.start(agentDelay)
  }

  /** Stops every timer: checks, agent, slow-start steps. */
  stop(): void {
    this.#check?.stop()
    this.#agent?.stop()
    this.#stopWarmup()
  }

  // --- runtime controls (HAProxy enable/disable health/agent) ----------------------------

  /**
   * Resumes a disabled regular check; the next check runs at once.
   * HAProxy: `enable health`
   */
  enableCheck(started: boolean): void {
    if (this.#check === undefined || this.#checkEnabled) return
    this.#checkEnabled = true
    if (started && !this.#paused) this.#check.start(0)
  }

  /**
   * Stops the regular check; its results no longer count and the server is
   * treated as unchecked: brought up unless the agent says down.
   * HAProxy: `disable health`
   */
  disableCheck(): void {
    if (!this.#checkEnabled) return
    this.#checkEnabled = false
    // Enabled implies configured.
    this.#check!.stop()
    this.#reconsider()
  }

  /** Resumes a disabled agent; it runs at once. HAProxy: `enable agent`. */
  enableAgent(started: boolean): void {
    if (this.#agent === undefined || this.#agentEnabled) return
    this.#agentEnabled = true
    if (started) this.#agent.start(0)
  }

  /**
   * Stops the agent; what it said no longer holds the server down.
   * HAProxy: `disable agent`
   */
  disableAgent(): void {
    if (!this.#agentEnabled) return
    this.#agentEnabled = false
    // Enabled implies configured.
    this.#agent!.stop()
    this.#reconsider()
  }

  /** After a check or agent was disabled: bring a DOWN server up if what remains enabled agrees. */
  #reconsider(): void {
    if (this.server.operational === 'down' && verdict('passed', this.#context(), this.#policy, false) === 'up') {
      this.#set({ reason: 'admin', check: undefined }, 'up', true)
    }
  }

  // --- results ---------------------------------------------------------------------------

  #context(): HealthContext {
    return {
      maint: this.server.admin === 'maint',
      operational: this.server.operational,
      checkEnabled: this.#checkEnabled,
      health: this.#health,
      agentEnabled: this.#agentEnabled,
      agentHealth: this.#agentHealth,
    }
  }

  #report(source: CheckReport['source'], status: CheckStatus, result: CheckResult | undefined, message: string): CheckReport {
    return {
      backend: this.#host.backend.name,
      server: this.server,
      source,
      status,
      code: result?.code,
      duration: result?.duration,
      message,
    }
  }

  #onCheck(result: CheckResult): void {
    const outcome = outcomeOf(result.status)
    if (outcome === 'failed') {
      if (this.#health > 0) this.#chkfail++
      this.#health = failCheck(this.#health, this.#policy)
    } else if (outcome !== 'neutral') {
      this.#health = passCheck(this.#health, this.#policy)
      this.#errors = 0
    }
    const report = this.#report('check', result.status, result, result.message)
    this.#lastCheck = report
    const target = verdict(outcome, this.#context(), this.#policy, false)
    if (target !== undefined) this.#set({ reason: 'check', check: report }, target, true)
    this.#host.report(report)
  }

  #onAgent(result: CheckResult): void {
    if (result.reply === undefined) {
      // Connection failures and timeouts are shown but never change the server.
      this.#lastAgent = this.#report('agent', result.status, result, result.message)
      this.#host.report(this.#lastAgent)
      return
    }
    const parsed = parseAgentReply(result.reply)
    if (!parsed.ok) {
      this.#lastAgent = this.#report('agent', 'CHECKED', result, parsed.error)
      this.#host.report(this.#lastAgent)
      return
    }
    const reply = parsed.reply
    const weight = reply.weight === undefined ? undefined : agentWeight(reply.weight, this.server.initialWeight)
    const maxconn = reply.maxconn === undefined ? undefined : agentMaxconn(reply.maxconn)
    // HAProxy reports the first warning: the weight's, then the maxconn's.
    const weightWarning = weight?.ok === false ? weight.warning : undefined
    const maxconnWarning = maxconn?.ok === false ? maxconn.warning : undefined
    const status: CheckStatus = reply.health === undefined ? 'CHECKED' : reply.health === 'up' ? 'L7OK' : 'L7STS'
    const report = this.#report('agent', status, result, agentDescription(reply, weightWarning ?? maxconnWarning))
    this.#lastAgent = report
    const cause: Cause = { reason: 'agent', check: report }
    let refused: string | undefined
    this.#host.apply(cause, () => {
      refused = this.#applyAgent(reply, weight?.ok === true ? weight.value : undefined, maxconn?.ok === true ? maxconn.value : undefined, cause)
    })
    if (refused !== undefined) {
      // The backend refused the weight (static algorithm): the refusal is the first warning.
      this.#lastAgent = { ...report, message: agentDescription(reply, refused) }
    }
    this.#host.report(this.#lastAgent)
  }

  /**
   * Applies an agent reply in HAProxy's order: admin state, weight, maxconn,
   * then health. Returns the backend's refusal of the weight, if any.
   */
  #applyAgent(reply: AgentReply, weight: number | undefined, maxconn: number | undefined, cause: Cause): string | undefined {
    const backend = this.#host.backend
    const server = this.server
    let refused: string | undefined
    // HAProxy keeps drain and maintenance as separate flags: a drain does not end a maintenance.
    if (reply.admin !== undefined && server.admin !== reply.admin && !(reply.admin === 'drain' && server.admin === 'maint')) backend.setAdmin(server, reply.admin)
    if (weight !== undefined) {
      try {
        backend.setWeight(server, weight)
      } catch {
        refused = "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'."
      }
    }
    if (maxconn !== undefined) backend.setMaxconn(server, maxconn)
    if (reply.health !== undefined) {
      const up = reply.health === 'up'
      // HAProxy forces the regular check's counter too: an agent `up` is a full health, `down` none.
      this.#health = up ? maxHealth(this.#policy) : 0
      this.#agentHealth = up ? 1 : 0
      const target = verdict(up ? 'passed' : 'failed', this.#context(), this.#policy, true)
      if (target !== undefined) this.#set(cause, target, true)
    }
    return refused
  }

  /** A lease was released (passive health, §5.8). */
  observe(outcome: LeaseOutcome, status: number | undefined): void {
    const options = this.#options
    const observe = options?.observe
    if (observe === undefined || !this.#checkEnabled || this.#paused) return
    const kind = classifyOutcome(outcome, status, observe.mode)
    if (kind === 'none') return
    if (kind === 'ok') {
      this.#errors = 0
      return
    }
    if (++this.#errors < observe.errorLimit) return
    this.#errors = 0
    this.#hanafail++
    const effect = onErrorHealth(this.#health, observe.onError, this.#policy)
    if (effect.failed) {
      if (effect.counted) this.#chkfail++
      this.#health = effect.health
      const last = outcome === 'ok' ? `${OUTCOME_TEXT.ok} (${String(status)})` : OUTCOME_TEXT[outcome]
      const report = this.#report('observe', 'HANA', undefined, `Detected ${observe.errorLimit} consecutive errors, last one was: ${last}`)
      this.#lastCheck = report
      const target = verdict('failed', this.#context(), this.#policy, false)
      if (target !== undefined) this.#set({ reason: 'observe', check: report }, target, true)
      this.#host.report(report)
    }
    // Every on-error action brings the next check forward to fastinter (observe requires a check).
    this.#check!.expedite(options!.check!.intervals.fastinter)
  }

  // --- transitions -----------------------------------------------------------------------

  /**
   * Moves the server to `target`: `up` becomes `starting` with a slow-start
   * window when coming from DOWN (or maintenance) with `slowstart` set and
   * `ramp` allowed (never at start-up).
   */
  #set(cause: Cause, target: 'up' | 'down' | 'stopping', ramp: boolean): void {
    const backend = this.#host.backend
    const server = this.server
    // Transitions are only made for a configured server.
    const slowstart = this.#options!.slowstart
    this.#host.apply(cause, () => {
      if (target === 'up' && ramp && slowstart > 0 && server.operational === 'down') {
        this.#startWarmup(slowstart)
        return
      }
      this.#stopWarmup()
      backend.setOperational(server, target)
    })
  }

  /** Enters STARTING with a fresh window and schedules the ramp steps (§5.9). */
  #startWarmup(slowstart: number): void {
    const { backend, deps } = this.#host
    const now = deps.clock.now()
    this.#stopWarmup()
    const window = { start: now, end: now + slowstart }
    this.#window = window
    backend.setSlowStart(this.server, window)
    backend.setOperational(this.server, 'starting')
    this.#armWarmup()
  }

  #armWarmup(): void {
    // HAProxy stores slowstart in whole seconds and steps every max(1 s, slowstart / 20).
    // Armed right after #startWarmup set the window; #stopWarmup cancels the timer with it.
    const seconds = Math.ceil((this.#window!.end - this.#window!.start) / 1000)
    this.#warmup = this.#host.deps.scheduler.schedule(Math.max(1000, (seconds * 1000) / 20), this.#step)
  }

  /** One ramp step: recompute weight and maxconn and pull waiting requests, or end the ramp. */
  readonly #step = (): void => {
    this.#warmup = undefined
    // The window outlives its timer (see #armWarmup).
    const window = this.#window!
    const { backend, deps } = this.#host
    if (deps.clock.now() >= window.end) {
      this.#window = undefined
      this.#host.apply({ reason: 'slowstart', check: undefined }, () => backend.setOperational(this.server, 'up'))
      return
    }
    backend.processQueue(this.server)
    this.#armWarmup()
  }

  #stopWarmup(): void {
    this.#warmup?.cancel()
    this.#warmup = undefined
    this.#window = undefined
  }

  // --- changes seen on the Backend -------------------------------------------------------

  #isDown(): boolean {
    return this.server.operational === 'down' || this.server.admin === 'maint'
  }

  /** Records a state change for `lastchg`/`downtime` (called first on every admin or operational change). */
  noteChange(): void {
    const now = this.#host.deps.clock.now()
    const down = this.#isDown()
    if (this.#downSince !== undefined && !down) {
      this.#downtime += now - this.#downSince
      this.#downSince = undefined
    } else if (this.#downSince === undefined && down) {
      this.#downSince = now
    }
    this.#changedAt = now
  }

  /**
   * The admin state changed (committed). Entering maintenance pauses the
   * regular check and the ramp; leaving it restarts the check with health =
   * rise and brings the server up — through slow start when set — unless the
   * agent says down (§6.1).
   */
  adminChanged(previous: AdminState, cause: Cause): void {
    const admin = this.server.admin
    if (admin === 'maint' && previous !== 'maint') {
      this.#paused = true
      this.#check?.stop()
      this.#stopWarmup()
      return
    }
    if (previous !== 'maint' || admin === 'maint' || this.#options === undefined) return
    this.#paused = false
    if (this.#check !== undefined) {
      this.#health = this.#policy.rise
      if (this.#checkEnabled && this.#host.started) this.#check.start(this.checkInterval())
    }
    if (this.#agentEnabled && this.#agentHealth === 0) {
      if (this.server.operational !== 'down') this.#set(cause, 'down', false)
    } else if (this.#options.slowstart > 0) {
      const slowstart = this.#options.slowstart
      this.#host.apply(cause, () => this.#startWarmup(slowstart))
    } else if (this.server.operational !== 'up' && this.server.operational !== 'starting') {
      this.#set(cause, 'up', false)
    }
  }

  /**
   * The operational state changed (committed). A change made by someone else
   * (`external`, HAProxy's `set server health`) resets the counter: full for
   * up, starting or stopping, 0 for down.
   */
  operationalChanged(previous: OperationalState, external: boolean): void {
    const op = this.server.operational
    if (op === 'down' && previous !== 'down') this.#chkdown++
    if (op !== 'starting') this.#stopWarmup()
    if (external && this.#check !== undefined) this.#health = op === 'down' ? 0 : maxHealth(this.#policy)
  }

  // --- stats -----------------------------------------------------------------------------

  /** The stats text of the server now. */
  statusText(): string {
    return statusText({ ...this.#context(), admin: this.server.admin, policy: this.#policy })
  }

  /** A snapshot for the stats. */
  stats(): HealthStats {
    const now = this.#host.deps.clock.now()
    const check = this.#lastCheck
    const agent = this.#lastAgent
    const window = this.#window
    const ramping = window !== undefined && this.server.operational === 'starting' && now < window.end
    return {
      status: this.statusText(),
      checkStatus: this.#check === undefined ? undefined : (check?.status ?? 'INI'),
      checkRunning: this.#check?.inProgress ?? false,
      checkCode: check?.code,
      checkDuration: check?.duration,
      checkDescription: check?.message ?? '',
      checkHealth: this.#health,
      checkRise: this.#policy.rise,
      checkFall: this.#policy.fall,
      agentStatus: this.#agent === undefined ? undefined : (agent?.status ?? 'INI'),
      agentCode: agent?.code,
      agentDuration: agent?.duration,
      agentDescription: agent?.message ?? '',
      agentHealth: this.#agentHealth,
      chkfail: this.#chkfail,
      chkdown: this.#chkdown,
      hanafail: this.#hanafail,
      lastChange: Math.floor((now - this.#changedAt) / 1000),
      downtime: Math.floor((this.#downtime + (this.#downSince === undefined ? 0 : now - this.#downSince)) / 1000),
      throttle: ramping ? Math.floor((slowStartWeightScale(window, now) * 100) / WEIGHT_SCALE) : undefined,
    }
  }
}
