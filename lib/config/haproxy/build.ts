/**
 * Drafts → {@link SwitchyardConfig}: the option objects of `createProxy`,
 * `createTcpHandler`, `addBackend` and `addServer`, validated by the same
 * functions the API uses (errors point at the configuration line).
 */
import type { TcpServerOptions } from '../../adapters/tcp-types.js'
import { parseServerAddress } from '../../adapters/upstream.js'
import type { AgentOptions, CheckOptions, HttpCheckOptions } from '../../health/options.js'
import { resolveServerHealth } from '../../health/options.js'
import { resolveBalance, type BalanceOptions } from '../../options/balance.js'
import { parseOptions } from '../../options/parse.js'
import { BackendOptionsSchema, ProxyOptionsSchema, ServerOptionsSchema } from '../../options/schema.js'
import { isValidServerCookie } from '../../persist/cookie-index.js'
import { createCookiePolicy } from '../../persist/policy.js'
import type { BackendOptions, ProxyOptions, ServerOptions } from '../../proxy.js'
import { RuleSet } from '../../rules/rule-set.js'
import type { StickTableOptions } from '../../rules/stick-table.js'
import type { RuleSetOptions } from '../../rules/types.js'
import type { BackendConfig, ConfigWarning, FrontendConfig, GlobalConfig, SwitchyardConfig } from '../types.js'
import { statsPage, type BackendDraft, type FrontendDraft, type GlobalDraft, type ServerDraft, type ServerLine } from './drafts.js'
import { atLine, configError, type CfgLocation } from './errors.js'
import type { Section } from './sections.js'

/** One frontend, backend or listen section after its keywords were applied. */
export interface ProxySection {
  readonly section: Section
  readonly at: CfgLocation
  readonly fe: FrontendDraft | undefined
  readonly be: BackendDraft | undefined
}

/** Copies the defined values only (the contract's objects have no `undefined` noise). */
function defined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v
  return out as T
}

function nonEmpty<T extends object>(value: T): T | undefined {
  const d = defined(value)
  return Object.keys(d).length === 0 ? undefined : d
}

function balanceOf(be: BackendDraft): BalanceOptions | undefined {
  const b = be.balance
  if (b === undefined) return undefined
  const hashed = b.algorithm === 'source' || b.algorithm === 'uri' || b.algorithm === 'url_param' || b.algorithm === 'hdr'
  const settings: Record<string, unknown> = { algorithm: b.algorithm, ...b.settings }
  if (hashed) {
    if (be.hashType !== undefined) {
      settings['hashType'] = be.hashType.type
      if (be.hashType.fn !== undefined) settings['hashFunction'] = be.hashType.fn
      if (be.hashType.avalanche === true) settings['avalanche'] = true
    }
    if (be.balanceFactor !== undefined) settings['balanceFactor'] = be.balanceFactor
  } else if (b.algorithm === 'random' && be.balanceFactor !== undefined) {
    settings['balanceFactor'] = be.balanceFactor
  }
  const result = Object.keys(settings).length === 1 ? (b.algorithm as BalanceOptions) : (settings as BalanceOptions)
  atLine(b.at, 'balance', () => resolveBalance(result, 'balance'))
  return result
}

function httpCheck(be: BackendDraft): HttpCheckOptions | undefined {
  const c = be.httpchk
  if (c === undefined) return undefined
  return defined({
    method: c.method,
    path: c.path,
    version: c.version,
    headers: c.headers.length === 0 ? undefined : c.headers,
    body: c.body,
    expect: c.expect,
    disableOn404: c.disableOn404,
  })
}

function checkOf(d: ServerDraft, be: BackendDraft): boolean | CheckOptions | undefined {
  if (d.check !== true) return undefined
  const timeout = be.timeouts.check
  const check = nonEmpty<CheckOptions>({
    type: be.sslHelloChk === true ? 'ssl-hello' : undefined,
    inter: d.inter,
    fastinter: d.fastinter,
    downinter: d.downinter,
    rise: d.rise,
    fall: d.fall,
    timeout,
    // `timeout check` splits the check into connect (min(inter, timeout connect)) and exchange.
    connectTimeout: timeout === undefined ? undefined : be.timeouts.connect,
    addr: d.addr,
    port: d.port,
    tls: d.checkSsl,
    http: be.sslHelloChk === true ? undefined : httpCheck(be),
  })
  return check ?? true
}

function agentOf(d: ServerDraft, be: BackendDraft): AgentOptions | undefined {
  if (d.agentCheck !== true) return undefined
  return defined({ port: d.agentPort, addr: d.agentAddr, send: d.agentSend, inter: d.agentInter, timeout: be.timeouts.check })
}

function serverOptions(line: ServerLine, be: BackendDraft, backend: string): ServerOptions {
  const d: ServerDraft = line.dispatch ? {} : { ...be.defaultServer, ...line.draft }
  const observe = d.observe === undefined ? undefined : d.errorLimit === undefined && d.onError === undefined ? d.observe : defined({ mode: d.observe, errorLimit: d.errorLimit, onError: d.onError })
  const options = defined<ServerOptions>({
    address: line.address,
    weight: d.weight,
    id: d.id,
    backup: d.backup,
    maxconn: d.maxconn,
    minconn: d.minconn,
    maxqueue: d.maxqueue,
    disabled: d.disabled,
    cookie: d.cookie,
    ssl: d.ssl,
    verify: d.verify,
    ca: d.ca,
    sni: d.sni,
    source: d.source,
    check: checkOf(d, be),
    agent: agentOf(d, be),
    observe,
    slowstart: d.slowstart,
    initialState: d.initState,
    shutdownOnDown: d.shutdownOnDown,
    shutdownBackupsOnUp: d.shutdownBackupsOnUp,
  })
  // The checks addServer makes, here so that the error points at the line.
  atLine(line.at, 'server', () => {
    const where = `server "${line.name}" of backend "${backend}"`
    parseOptions(ServerOptionsSchema, options, where)
    parseServerAddress(options.address, options.ssl ?? false)
    if (options.cookie !== undefined && !isValidServerCookie(options.cookie)) throw configError(line.at, 'cookie', `${where}: invalid cookie value \`${options.cookie}\``)
    resolveServerHealth(options)
  })
  return options
}

function backendOptions(p: ProxySection, be: BackendDraft, global: GlobalDraft, fullconn: number | undefined): BackendOptions {
  const cookie = be.cookie === undefined ? undefined : defined({ ...be.cookie, dynamicKey: be.dynamicKey })
  const options = defined<BackendOptions>({
    balance: balanceOf(be),
    allbackups: be.allbackups,
    maxconn: be.maxconn,
    fullconn: be.fullconn ?? fullconn,
    timeouts: nonEmpty({ connect: be.timeouts.connect, server: be.timeouts.server, queue: be.timeouts.queue, tunnel: be.timeouts.tunnel }),
    retries: be.retries,
    redispatch: be.redispatch,
    idleTimeout: be.idleTimeout,
    retryOn: be.retryOn,
    bufferSize: global.bufferSize,
    forwardFor: be.forwardFor,
    originalTo: be.originalTo,
    server: be.source === undefined ? undefined : { source: be.source },
    errorPages: nonEmpty(be.errorPages),
    cookie,
    persist: be.persist,
  })
  // The cookie line exists whenever a cookie does.
  if (cookie !== undefined) atLine(be.cookieAt!, 'cookie', () => createCookiePolicy(cookie))
  atLine(p.at, p.section.kind, () => parseOptions(BackendOptionsSchema, options, `backend "${p.section.name}"`))
  return options
}

/** The backends a frontend can route to, with the line naming each. */
function routes(fe: FrontendDraft, own: string | undefined): { name: string; at: CfgLocation | undefined }[] {
  const out: { name: string; at: CfgLocation | undefined }[] = []
  if (fe.defaultBackend !== undefined) out.push(fe.defaultBackend)
  else if (own !== undefined) out.push({ name: own, at: undefined })
  out.push(...fe.useBackends)
  return out
}

function tcpOptions(fe: FrontendDraft, be: BackendDraft | undefined, global: GlobalDraft): FrontendConfig['tcp'] {
  const servers: Record<string, TcpServerOptions> = {}
  for (const s of be?.servers ?? []) {
    const d = s.dispatch ? {} : { ...be!.defaultServer, ...s.draft }
    const o = nonEmpty<TcpServerOptions>({ sendProxy: d.sendProxy, source: d.source })
    if (o !== undefined) servers[s.name] = o
  }
  const acceptProxy = fe.bind.length > 0 && fe.bind.every((b) => b.acceptProxy === true)
  return defined({
    timeouts: nonEmpty({
      connect: be?.timeouts.connect,
      client: fe.timeouts.client,
      server: be?.timeouts.server,
      tunnel: be?.timeouts.tunnel,
      clientFin: fe.timeouts.clientFin,
      serverFin: be?.timeouts.serverFin,
    }),
    retries: be?.retries,
    redispatch: be?.redispatch,
    acceptProxy: acceptProxy ? true : undefined,
    monitorNet: fe.monitorNet.length === 0 ? undefined : [...fe.monitorNet],
    bufferSize: global.bufferSize,
    server: be?.source === undefined ? undefined : { source: be.source },
    servers: Object.keys(servers).length === 0 ? undefined : servers,
  })
}

function httpOptions(p: ProxySection, fe: FrontendDraft, be: BackendDraft | undefined, global: GlobalDraft, tables: Readonly<Record<string, StickTableOptions>>): NonNullable<FrontendConfig['http']> {
  let rules: RuleSetOptions | undefined
  if (fe.rulesAt !== undefined || fe.timeouts.tarpit !== undefined || Object.keys(tables).length > 0) {
    const r = fe.rules!.options()
    rules = defined({ ...r, tables: { ...tables, ...r.tables }, tarpitTimeout: fe.timeouts.tarpit })
    const compiled = rules
    // Compiled once here as createProxy does (unknown ACL names, bad regexes, counters without tables).
    atLine(p.at, p.section.kind, () => new RuleSet(compiled))
  }
  const options = defined<ProxyOptions>({
    timeouts: nonEmpty({ client: fe.timeouts.client, httpRequest: fe.timeouts.httpRequest, httpKeepAlive: fe.timeouts.httpKeepAlive }),
    monitorUri: fe.monitorUri,
    maxHeaders: global.maxHeaders,
    abortOnClose: be?.abortOnClose,
    errorPages: nonEmpty(fe.errorPages),
    rules,
  })
  atLine(p.at, p.section.kind, () => parseOptions(ProxyOptionsSchema, options, `frontend "${p.section.name}"`))
  return options
}

/**
 * Builds the configuration: checks references between sections, computes
 * `fullconn` defaults, and maps each half to its options.
 * @throws {SwitchyardError} SWY_ERR_CONFIG
 */
export function buildConfig(proxies: readonly ProxySection[], global: GlobalDraft, file: string, warn: (w: ConfigWarning) => void): SwitchyardConfig {
  const backendSections = new Map<string, ProxySection>()
  const frontendSections = new Map<string, ProxySection>()
  for (const p of proxies) {
    const name = p.section.name
    for (const [map, has] of [[frontendSections, p.fe], [backendSections, p.be]] as const) {
      if (has === undefined) continue
      const other = map.get(name)
      if (other !== undefined) throw configError(p.at, p.section.kind, `\`${name}\` is already defined at line ${other.at.line}`)
      map.set(name, p)
    }
  }
  // Route checks, and HAProxy's fullconn default: Σ maxconn of the frontends that can reach a backend / 10.
  const reach = new Map<string, number>()
  const frontendBackend = new Map<ProxySection, BackendDraft | undefined>()
  for (const p of frontendSections.values()) {
    const fe = p.fe!
    const seen = new Set<string>()
    for (const r of routes(fe, p.be === undefined ? undefined : p.section.name)) {
      const target = backendSections.get(r.name)
      const at = r.at ?? p.at
      const keyword = r.at === undefined ? p.section.kind : r.at === fe.defaultBackend?.at ? 'default_backend' : 'use_backend'
      if (target === undefined) throw configError(at, keyword, `backend \`${r.name}\` is not defined`)
      if (target.be!.mode !== fe.mode) throw configError(at, keyword, `${fe.mode} frontend \`${p.section.name}\` cannot use ${target.be!.mode} backend \`${r.name}\` (set the same \`mode\`)`)
      if (seen.has(r.name)) continue
      seen.add(r.name)
      reach.set(r.name, (reach.get(r.name) ?? 0) + (fe.maxconn ?? global.maxconn ?? 0))
      // A frontend-only `option forwardfor`/`originalto` applies to the backends it routes to.
      if (fe.forwardFor !== undefined) target.be!.forwardFor ??= fe.forwardFor
      if (fe.originalTo !== undefined) target.be!.originalTo ??= fe.originalTo
    }
    const main = fe.defaultBackend?.name ?? (p.be === undefined ? undefined : p.section.name)
    frontendBackend.set(p, main === undefined ? undefined : backendSections.get(main)!.be)
  }
  const backends: Record<string, BackendConfig> = {}
  const tables: Record<string, StickTableOptions> = {}
  for (const [name, p] of backendSections) {
    const be = p.be!
    const sum = reach.get(name) ?? 0
    const servers: Record<string, ServerOptions> = {}
    for (const s of be.servers) servers[s.name] = serverOptions(s, be, name)
    const options = backendOptions(p, be, global, sum > 0 ? Math.max(1, Math.ceil(sum / 10)) : undefined)
    backends[name] = Object.keys(options).length === 0 ? { servers } : { options, servers }
    if (be.table !== undefined) tables[name] = be.table
  }
  const frontends: FrontendConfig[] = []
  for (const [name, p] of frontendSections) {
    const fe = p.fe!
    const be = frontendBackend.get(p)
    const kind = p.section.kind
    if (fe.disabled === true) continue
    if (fe.bind.length === 0) throw configError(p.at, kind, `\`${name}\` has no \`bind\` (declare it as a backend if it only holds servers)`)
    const warnAt = (keyword: string, message: string): void => warn({ file, line: p.at.line, keyword, message })
    let http: FrontendConfig['http']
    let tcp: FrontendConfig['tcp']
    if (fe.mode === 'http') {
      if (fe.bind.some((b) => b.acceptProxy === true)) throw configError(p.at, 'accept-proxy', `http frontend \`${name}\`: accepting PROXY headers is only supported in tcp mode`)
      if (fe.monitorNet.length > 0) warnAt('monitor-net', 'no effect in http mode (only tcp frontends close monitor-net connections); use `monitor-uri`')
      http = httpOptions(p, fe, be, global, tables)
    } else {
      if (fe.rulesAt !== undefined) throw configError(fe.rulesAt.at, fe.rulesAt.keyword, `rules need \`mode http\` (\`${name}\` is in tcp mode)`)
      if (fe.stats !== undefined) throw configError(p.at, 'stats', `the stats page needs \`mode http\` (\`${name}\` is in tcp mode)`)
      if (fe.monitorUri !== undefined) warnAt('monitor-uri', 'no effect in tcp mode')
      tcp = tcpOptions(fe, be, global)
    }
    frontends.push(
      defined<FrontendConfig>({
        name,
        mode: fe.mode,
        bind: fe.bind,
        defaultBackend: fe.defaultBackend?.name ?? (p.be === undefined ? undefined : name),
        http,
        tcp,
        maxconn: fe.maxconn,
        log: fe.log === true ? fe.mode : undefined,
        stats: statsPage(fe.stats),
      }),
    )
  }
  const g = nonEmpty<GlobalConfig>({ maxconn: global.maxconn, hardStopAfter: global.hardStopAfter, grace: global.grace, spreadChecks: global.spreadChecks })
  return g === undefined ? { frontends, backends } : { global: g, frontends, backends }
}
