/**
 * switchyard: HAProxy's load-balancing model inside a Node.js process.
 * Public surface: explicit named re-exports only.
 */
export { Farm, type FarmOptions } from './balance/farm.js'
export { BALANCE_NAMES, algorithmTraits, balanceNameOf, createBalancer, type AlgorithmTraits } from './balance/registry.js'
export { buildMapTable, staticWeight } from './balance/map-table.js'
export { avalanche, crc32, djb2, hashFunction, sdbm, wt6 } from './balance/hash-fn.js'
export { createKeyHasher, type KeyHasher } from './balance/hash-key.js'
export type {
  AdminState,
  BalanceConfig,
  BalanceName,
  Balancer,
  BalancerContext,
  BalancerFactory,
  HashFunctionName,
  HashKeySpec,
  OperationalState,
  PickRequest,
  ServerView,
} from './balance/types.js'
export { MAX_WEIGHT, WEIGHT_SCALE, isSaturated, type ServerSpec } from './server.js'
export { resolveBalance, type BalanceOptions } from './options/balance.js'
export { ERROR_CODES, SwitchyardError, isSwitchyardError, type ErrorCode } from './errors.js'
export { defaultDeps, systemClock, systemRandom, systemScheduler } from './runtime.js'
export type { Clock, Deps, Random, Scheduler, Timer } from './types.js'
export { HealthMonitor, type HealthMonitorOptions } from './health/monitor.js'
export {
  resolveServerHealth,
  type AgentOptions,
  type CheckOptions,
  type CheckType,
  type HttpCheckOptions,
  type ObserveOptions,
  type ResolvedAgent,
  type ResolvedCheck,
  type ResolvedHttpCheck,
  type ResolvedObserve,
  type ResolvedServerHealth,
  type ServerHealthOptions,
} from './health/options.js'
export {
  checkInterval,
  classifyOutcome,
  failCheck,
  firstCheckDelay,
  initialHealth,
  isPassing,
  maxHealth,
  onErrorHealth,
  passCheck,
  spreadDelay,
  startSpread,
  statusText,
  verdict,
  type CheckIntervals,
  type HealthContext,
  type InitialState,
  type ObserveMode,
  type OnErrorAction,
  type RiseFall,
  type StatusFacts,
} from './health/state.js'
export { agentDescription, agentMaxconn, agentWeight, parseAgentReply, type AgentAdminWord, type AgentHealthWord, type AgentParse, type AgentReply, type AgentValue } from './health/agent.js'
export { compileHttpExpect, parseStatusList, type HttpCheckResponse, type HttpExpect, type HttpExpectation } from './health/http-expect.js'
export { describeStatus, outcomeOf } from './health/check-status.js'
export { createAgentProbe, type AgentProbeOptions } from './health/agent-check.js'
export { createHttpProbe, type HttpProbeOptions } from './health/http-check.js'
export { createSslHelloProbe, type SslHelloOptions } from './health/ssl-hello-check.js'
export { createTcpProbe, type TcpCheckOptions } from './health/tcp-check.js'
export type { CheckOutcome, CheckResult, CheckStatus, CheckTarget, CheckTlsOptions, HealthStats, Probe, ProbeContext, ProbeResult, ProbeStage } from './health/types.js'
export type { CheckReport, HealthEvents, ServerTransition, TransitionKind, TransitionReason } from './events.js'
