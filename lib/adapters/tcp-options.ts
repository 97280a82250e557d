/**
 * Defaults and validation of the TCP handler's options. Validated once, when
 * the handler is created (or a server's options are set); the connection path
 * trusts the resolved values.
 */
import { SwitchyardError } from '../errors.js'
import { NetworkList, parseAddress } from '../rules/ip.js'
import type { SendProxy, TcpHandlerOptions, TcpServerOptions } from './tcp-types.js'

/** `timeout connect`. HAProxy's sample configurations use 5 s. */
export const DEFAULT_TCP_TIMEOUT_CONNECT = 5_000
/** `timeout client`. */
export const DEFAULT_TCP_TIMEOUT_CLIENT = 50_000
/** `timeout server`. */
export const DEFAULT_TCP_TIMEOUT_SERVER = 50_000
/** `retries` (HAProxy `CONN_RETRIES`). */
export const DEFAULT_TCP_RETRIES = 3
/** Bytes held per connection before the server is connected (HAProxy `tune.bufsize`). */
export const DEFAULT_TCP_BUFFER_SIZE = 16_384
/** Smallest `bufferSize` accepted: a PROXY v2 header of TCP over IPv6 with a few extensions must fit. */
export const MIN_TCP_BUFFER_SIZE = 128
/** Upper bound of the turn-around delay before retrying the same server: min(1 s, `timeout connect`). */
export const MAX_TURNAROUND_DELAY = 1_000

/** {@link TcpServerOptions} with defaults applied. */
export interface ResolvedTcpServer {
  readonly sendProxy: SendProxy | false
  readonly source: string | undefined
}

/** Every timeout, in milliseconds, 0 = none. */
export interface ResolvedTcpTimeouts {
  readonly connect: number
  readonly client: number
  readonly server: number
  readonly tunnel: number
  readonly clientFin: number
  readonly serverFin: number
  readonly acceptProxy: number
}

/** {@link TcpHandlerOptions} validated, with defaults applied. */
export interface ResolvedTcpOptions {
  readonly timeouts: ResolvedTcpTimeouts
  readonly retries: number
  /** 0 = off, −1 = last retry, P > 0 = every P-th retry, N < −1 = every (retries + 1 + N)-th. */
  readonly redispatch: number
  /** Delay before retrying the same server: min(1 s, `timeout connect`), 1 s without a connect timeout. */
  readonly turnaround: number
  readonly acceptProxy: boolean
  readonly monitorNet: NetworkList | undefined
  readonly bufferSize: number
  readonly noDelay: boolean
  readonly server: ResolvedTcpServer
  readonly servers: ReadonlyMap<string, ResolvedTcpServer>
}

function describe(value: unknown): string {
  return `\`${String(value)}\` (${typeof value})`
}

function fail(field: string, expected: string, value: unknown): never {
  throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected \`${field}\` to be ${expected}, got ${describe(value)}`, { field, value })
}

function count(field: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(field, min === 0 ? 'a non-negative integer' : `an integer ≥ ${min}`, value)
  return value
}

function flag(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(field, 'a boolean', value)
  return value
}

const NO_WORDS = new Uint32Array(4)

/**
 * Resolves one server's options over `defaults`.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming `field`
 */
export function resolveTcpServer(options: TcpServerOptions, defaults: ResolvedTcpServer, field: string): ResolvedTcpServer {
  if (typeof options !== 'object' || options === null) fail(field, 'an object', options)
  const sendProxy = options.sendProxy ?? defaults.sendProxy
  if (sendProxy !== false && sendProxy !== 'v1' && sendProxy !== 'v2') fail(`${field}.sendProxy`, "'v1', 'v2' or false", sendProxy)
  const source = options.source ?? defaults.source
  if (source !== undefined && (typeof source !== 'string' || source.indexOf('%') >= 0 || parseAddress(source, 0, source.length, NO_WORDS) === 0)) {
    fail(`${field}.source`, 'an IP address', source)
  }
  return { sendProxy, source }
}

/**
 * Validates the handler options and applies the defaults.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming the first invalid field
 */
export function resolveTcpOptions(options: TcpHandlerOptions): ResolvedTcpOptions {
  const t = options.timeouts ?? {}
  const client = count('timeouts.client', t.client, DEFAULT_TCP_TIMEOUT_CLIENT)
  const connect = count('timeouts.connect', t.connect, DEFAULT_TCP_TIMEOUT_CONNECT)
  const timeouts: ResolvedTcpTimeouts = {
    connect,
    client,
    server: count('timeouts.server', t.server, DEFAULT_TCP_TIMEOUT_SERVER),
    tunnel: count('timeouts.tunnel', t.tunnel, 0),
    clientFin: count('timeouts.clientFin', t.clientFin, 0),
    serverFin: count('timeouts.serverFin', t.serverFin, 0),
    acceptProxy: count('timeouts.acceptProxy', t.acceptProxy, client),
  }
  const retries = count('retries', options.retries, DEFAULT_TCP_RETRIES)
  const r = options.redispatch
  let redispatch = 0
  if (r === true) redispatch = -1
  else if (typeof r === 'number' && Number.isInteger(r)) redispatch = r
  else if (r !== undefined && r !== false) fail('redispatch', 'a boolean or an integer', r)
  let monitorNet: NetworkList | undefined
  if (options.monitorNet !== undefined) {
    const list = options.monitorNet
    if (typeof list !== 'string' && !Array.isArray(list)) fail('monitorNet', 'a network or a list of networks', list)
    monitorNet = NetworkList.compile(list, 'monitorNet')
  }
  const server = resolveTcpServer(options.server ?? {}, { sendProxy: false, source: undefined }, 'server')
  const servers = new Map<string, ResolvedTcpServer>()
  for (const [name, spec] of Object.entries(options.servers ?? {})) servers.set(name, resolveTcpServer(spec, server, `servers.${name}`))
  return {
    timeouts,
    retries,
    redispatch,
    turnaround: connect > 0 ? Math.min(MAX_TURNAROUND_DELAY, connect) : MAX_TURNAROUND_DELAY,
    acceptProxy: flag('acceptProxy', options.acceptProxy, false),
    monitorNet,
    bufferSize: count('bufferSize', options.bufferSize, DEFAULT_TCP_BUFFER_SIZE, MIN_TCP_BUFFER_SIZE),
    noDelay: flag('noDelay', options.noDelay, true),
    server,
    servers,
  }
}
