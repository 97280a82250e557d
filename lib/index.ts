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
