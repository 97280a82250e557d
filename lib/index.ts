/**
 * switchyard: HAProxy's load-balancing model inside a Node.js process.
 * Public surface: explicit named re-exports only.
 */
export {
  createProxy,
  Proxy,
  ProxyBackend,
  type BackendOptions,
  type CloseOptions,
  type FrontendOptions,
  type ProxyEvents,
  type ProxyFrontend,
  type ProxyOptions,
  type RouteOptions,
  type RuleStats,
  type ServerOptions,
} from './proxy.js'
export type { ProxyStats, StatsRow, BackendStatsRow, StatsRowType } from './stats/types.js'
export { createStatsHandler, statsFormat, type StatsHandlerOptions, type StatsFormat } from './stats/handler.js'
export { toJson as statsToJson } from './stats/json.js'
export { toCsv as statsToCsv, CSV_HEADER } from './stats/csv.js'
export { CSV_FIELDS } from './stats/fields.js'
export { toPrometheus as statsToPrometheus } from './stats/prometheus.js'
export type { ProxyConfig, BackendConfig, ReconfigureReport } from './ops/reconfigure.js'
export { createHttpHandler, applyServerTimeouts, type HttpHandler, type HttpHandlerOptions } from './adapters/node-http.js'
export { createHttpBackend, HttpBackend } from './adapters/http-backend.js'
export type { HttpBackendOptions, HttpFrontendOptions } from './adapters/resolve.js'
export type { ErrorPage, ErrorPages, HttpLogEntry, HttpLogger, LeaseSource, RetryOnKeyword, ServerTransportOptions } from './adapters/types.js'
export { expressMiddleware, type ConnectMiddleware } from './adapters/express.js'
export { fastifySwitchyard, type FastifySwitchyardOptions } from './adapters/fastify.js'
export { createRouter } from './routing/router.js'
export type { HeaderCondition, RouteCondition, RouteRule, Router, RouterOptions } from './routing/types.js'
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
export { safeDefaults, type SafeBackendDefaults, type SafeDefaults, type SafeProxyDefaults, type SafeServerDefaults } from './options/safe-defaults.js'
export { Backend, type BackendCounters, type BackendOptions as CoreBackendOptions, type ServerCounters } from './backend.js'
export type { BackendEvents } from './events.js'
export type { AcquireRequest, Admission, Lease, LeaseOutcome } from './queue/types.js'
export { PendingQueue, QueueTicket, ticketBefore, type TicketState } from './queue/pending-queue.js'
export {
  defaultFullconn,
  dynamicMaxconn,
  effectiveMaxconn,
  slowStartMaxconn,
  slowStartWeightScale,
  type SlotLimits,
  type SlowStartWindow,
} from './queue/dynamic-maxconn.js'
export { resolveWeightChange, type WeightChange } from './weight-change.js'
export { ERROR_CODES, SwitchyardError, isSwitchyardError, type ErrorCode } from './errors.js'
export { defaultDeps, systemClock, systemRandom, systemScheduler, systemWallClock } from './runtime.js'
export type { Clock, Deps, Random, Scheduler, Timer, WallClock } from './types.js'
export { CookiePersistence } from './persist/cookie.js'
export { createCookiePolicy, isCookieLogged } from './persist/policy.js'
export { isCacheableMethod, readRequestCookies } from './persist/request-cookies.js'
export { decidePersistence, isServerDown, redispatched } from './persist/decide.js'
export { applyResponseCookies, buildSetCookie, cookieLogFlags } from './persist/response-cookies.js'
export { isResponseCacheable } from './persist/cacheable.js'
export { CookieIndex, isValidServerCookie } from './persist/cookie-index.js'
export { COOKIE_DATE_DELIM, COOKIE_PREFIX_DELIM, cookieDateQuantum, decodeCookieDate, encodeCookieDate } from './persist/cookie-date.js'
export { dynamicCookie } from './persist/dynamic-cookie.js'
export { ipBytes, parseServerAddress, type ServerEndpoint } from './persist/server-address.js'
export { xxh64 } from './persist/xxh64.js'
export type {
  CookieMode,
  CookieOccurrence,
  CookiePolicy,
  CookiePolicyOptions,
  CookieResponse,
  CookieResponseInput,
  CookieServerLookup,
  PersistDecision,
  PersistOptions,
  PersistOutcome,
  PersistRules,
  RequestCookieFlag,
  RequestCookies,
  ResponseCookieFlag,
  ResponseHeaders,
} from './persist/types.js'
export { ewmaStep, peakEwmaLoad, UNTRIED_PENALTY } from './balance/peak-ewma.js'
export { activeRequestWeight } from './balance/least-request.js'
export { simulate, algorithmLabel, type ClassResult, type HealthTransition, type PersistenceResult, type QueueSamples, type RequestCounts, type ServerResult, type SimResult, type SimulateOptions } from './sim/simulate.js'
export { parseScenario, ScenarioSchema, type ScenarioInput } from './sim/scenario-schema.js'
export type { ArrivalPriority, ArrivalProcess, ArrivalSource, Change, Failure, RetryPolicy, Scenario, SimBackend, SimHealth, SimObserve, SimPersistence, SimServer, Slowdown, TraceRequest } from './sim/scenario.js'
export { sampler, meanOf, type Distribution } from './sim/distributions.js'
export { detectAfter, type HealthControl, type HealthDriver, type HealthDriverFactory } from './sim/health.js'
export { healthChecks, settleTime, type CheckDriver, type TransitionCause } from './sim/checks.js'
export { ClientPicker } from './sim/clients.js'
export { compareAlgorithms, comparisonTable } from './sim/compare.js'
export { comparisonCharts, runCharts } from './sim/charts.js'
export { barChart, lineChart, type BarChart, type LineChart, type LineSeries } from './sim/svg.js'
export { CDF_QUANTILES, latencyStats, quantile, type LatencyStats } from './sim/stats.js'
export { createPrng } from './sim/prng.js'
export { VirtualClock } from './sim/virtual-clock.js'
export { DEFAULT_TARPIT_TIMEOUT, RuleSet } from './rules/rule-set.js'
export { applyHeaderEdits } from './rules/header-edits.js'
export {
  StickTable,
  type StickEntry,
  type StickEntryStats,
  type StickTableOptions,
  type StickTableStats,
} from './rules/stick-table.js'
export { NetworkList, parseNetwork, type Network } from './rules/ip.js'
export { clientAddress } from './rules/client-address.js'
export { createFreqCtr, freqCtrTotal, readFreqCtr, updateFreqCtr, type FreqCtr } from './rules/freq-ctr.js'
export { PREDEFINED_ACLS, parseAcl, parseCondition, parseCriterion, type ParsedAcl } from './rules/cfg-acl.js'
export { RulesConfigParser, parseRequestRule, parseResponseRule, parseStickTable } from './rules/cfg-rules.js'
export { parseDuration, parseSize, splitWords } from './rules/cfg-words.js'
export type {
  BackendStateSource,
  Condition,
  CounterName,
  CounterSlot,
  IntCompare,
  ReplyOptions,
  RequestRule,
  RequestVerdict,
  ResponseRule,
  RuleGuard,
  RuleHeaders,
  RuleRequest,
  RuleSetOptions,
  StringMatch,
  TrackKey,
  ValueFormat,
  VerdictAction,
} from './rules/types.js'
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
export { createTcpHandler, listenTcp, type TcpHandler } from './adapters/tcp.js'
export { parseTcpAddress, type TcpEndpoint } from './adapters/tcp-target.js'
export type {
  ProxyRejectReason,
  SendProxy,
  TcpCounters,
  TcpEvents,
  TcpHandlerOptions,
  TcpLeaseSource,
  TcpLogEntry,
  TcpLogger,
  TcpServerCounters,
  TcpServerOptions,
  TcpTermination,
  TcpTimeouts,
} from './adapters/tcp-types.js'
export { encodeProxyV1, encodeProxyV2 } from './proxy-protocol/encode.js'
export { parseProxyHeader } from './proxy-protocol/parse.js'
export { PROXY_V1_MAX_LENGTH, PROXY_V2_MAX_LENGTH, PROXY_V2_SIGNATURE } from './proxy-protocol/constants.js'
export type { ProxyEndpoint, ProxyHeader, ProxyParseResult, ProxyTlv } from './proxy-protocol/types.js'
export { loadHaproxyConfig, type LoadHaproxyOptions } from './config/haproxy/load.js'
export type { BindConfig, ConfigWarning, FrontendConfig, GlobalConfig, LoadedConfig, StatsPageConfig, SwitchyardConfig } from './config/types.js'
export { parseSwitchyardConfig, SwitchyardConfigSchema } from './config/schema.js'
export { checkConfig, startConfig, DEFAULT_HARD_STOP_AFTER, type Listener, type ReloadReport, type RunningConfig, type StartOptions, type StopOptions } from './config/start.js'
export { formatHttpLog, formatLogDate, formatRequestLine, formatTcpLog, type LogLineContext } from './stats/httplog.js'
