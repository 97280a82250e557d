/**
 * The loader's working state: what the keywords of one section set, before
 * it becomes option objects. `defaults` sections hold both halves and are
 * copied into the sections that follow them.
 */
import type { RetryOnKeyword } from '../../adapters/types.js'
import type { HttpExpect } from '../../health/http-expect.js'
import type { InitialState, ObserveMode, OnErrorAction } from '../../health/state.js'
import type { RulesConfigParser } from '../../rules/cfg-rules.js'
import type { StickTableOptions } from '../../rules/stick-table.js'
import type { BindConfig, StatsPageConfig } from '../types.js'
import type { CfgLocation } from './errors.js'

/** Settings of a `server` or `default-server` line. */
export interface ServerDraft {
  weight?: number
  maxconn?: number
  minconn?: number
  maxqueue?: number
  id?: number
  backup?: boolean
  disabled?: boolean
  cookie?: string
  ssl?: boolean
  verify?: 'none' | 'required'
  ca?: string
  sni?: string
  source?: string
  sendProxy?: 'v1' | 'v2' | false
  check?: boolean
  checkSsl?: boolean
  inter?: number
  fastinter?: number
  downinter?: number
  rise?: number
  fall?: number
  port?: number
  addr?: string
  agentCheck?: boolean
  agentPort?: number
  agentInter?: number
  agentAddr?: string
  agentSend?: string
  observe?: ObserveMode
  errorLimit?: number
  onError?: OnErrorAction
  slowstart?: number
  initState?: InitialState
  shutdownOnDown?: boolean
  shutdownBackupsOnUp?: boolean
}

/** One `server` line. */
export interface ServerLine {
  readonly name: string
  readonly address: string
  readonly at: CfgLocation
  readonly draft: ServerDraft
  /** Created by `dispatch <addr>`: no checks, no cookie. */
  readonly dispatch: boolean
}

/** The HTTP check of a backend. HAProxy: `option httpchk`, `http-check …`. */
export interface HttpCheckDraft {
  method?: string
  path?: string
  version?: string
  headers: [string, string][]
  body?: string
  expect?: HttpExpect
  disableOn404?: boolean
}

/** Mutable cookie settings. HAProxy: `cookie`. */
export interface CookieDraft {
  name: string
  mode?: 'insert' | 'prefix' | 'rewrite'
  indirect?: boolean
  nocache?: boolean
  postonly?: boolean
  preserve?: boolean
  httponly?: boolean
  secure?: boolean
  domains?: string[]
  attrs?: string[]
  maxidle?: number
  maxlife?: number
  dynamic?: boolean
}

/** Error page as the loader builds it. */
export interface ErrorPageDraft {
  body: string
  contentType?: string
  headers?: Record<string, string>
}

/** The backend half of a proxy section. */
export interface BackendDraft {
  mode: 'http' | 'tcp'
  balance?: { algorithm: string; settings: Record<string, unknown>; at: CfgLocation }
  hashType?: { type: 'map-based' | 'consistent'; fn?: string; avalanche?: boolean }
  balanceFactor?: number
  allbackups?: boolean
  maxconn?: number
  fullconn?: number
  timeouts: { connect?: number; server?: number; queue?: number; tunnel?: number; check?: number; serverFin?: number }
  /** `timeout http-keep-alive` of a backend section: idle pooled server connections. */
  idleTimeout?: number
  retries?: number
  redispatch?: boolean | number
  retryOn?: RetryOnKeyword[]
  retryNonIdempotent?: boolean
  forwardFor?: boolean | { header?: string; except?: string[]; ifNone?: boolean }
  originalTo?: boolean | { header?: string; except?: string[] }
  abortOnClose?: boolean
  cookie?: CookieDraft
  /** Line of the `cookie` keyword (cross-field errors point at it). */
  cookieAt?: CfgLocation
  dynamicKey?: string
  persist?: boolean
  errorPages: Record<string, ErrorPageDraft>
  source?: string
  httpchk?: HttpCheckDraft
  sslHelloChk?: boolean
  defaultServer: ServerDraft
  servers: ServerLine[]
  /** A `stick-table` declared in a backend section (tables are named after their section). */
  table?: StickTableOptions
}

/** The frontend half of a proxy section. */
export interface FrontendDraft {
  mode: 'http' | 'tcp'
  bind: BindConfig[]
  maxconn?: number
  log?: boolean
  timeouts: { client?: number; httpRequest?: number; httpKeepAlive?: number; clientFin?: number; tarpit?: number }
  monitorUri?: string
  monitorNet: string[]
  /** `option forwardfor` in a frontend-only section: applied to the backends it routes to. */
  forwardFor?: BackendDraft['forwardFor']
  /** `option originalto` in a frontend-only section: applied to the backends it routes to. */
  originalTo?: BackendDraft['originalTo']
  /** `disabled`: the section starts no listener. */
  disabled?: boolean
  errorPages: Record<string, ErrorPageDraft>
  stats?: { uri?: string; refresh?: number }
  defaultBackend?: { name: string; at: CfgLocation }
  /** `use_backend` targets with their lines (checked against the backends). */
  useBackends: { name: string; at: CfgLocation }[]
  /** Rule lines, through the shared rules parser. */
  rules?: RulesConfigParser
  /** The first rule line (rules need HTTP mode). */
  rulesAt?: { at: CfgLocation; keyword: string }
}

/** Global settings. */
export interface GlobalDraft {
  maxconn?: number
  hardStopAfter?: number
  grace?: number
  spreadChecks?: number
  bufferSize?: number
  maxHeaders?: number
  /** Directory of relative `ca-file` paths. HAProxy: `ca-base`. */
  caBase?: string
}

/** A fresh backend half. */
export function newBackend(): BackendDraft {
  return { mode: 'tcp', timeouts: {}, errorPages: {}, defaultServer: {}, servers: [] }
}

/** A fresh frontend half. */
export function newFrontend(): FrontendDraft {
  return { mode: 'tcp', bind: [], timeouts: {}, monitorNet: [], errorPages: {}, useBackends: [] }
}

/** Stats settings of a frontend, resolved. */
export function statsPage(stats: FrontendDraft['stats']): StatsPageConfig | undefined {
  if (stats === undefined) return undefined
  return { uri: stats.uri ?? '/haproxy?stats', ...(stats.refresh === undefined ? {} : { refresh: stats.refresh }) }
}
