/**
 * zod schemas of the public API (`createProxy`, `addBackend`, `addServer`).
 * Used at that boundary only, never on a request's path. Strict objects:
 * a misspelt key (`maxConn`) is an error naming it.
 */
import { z } from 'zod'

const ms = z.number().int().min(0).max(2_147_483_647)
const count = z.number().int().min(0)
const pem = z.union([z.string(), z.instanceof(Buffer), z.array(z.union([z.string(), z.instanceof(Buffer)]))])

const errorPage = z.union([
  z.string(),
  z.instanceof(Buffer).transform((body) => ({ body })),
  z.strictObject({ body: z.union([z.string(), z.instanceof(Buffer)]), contentType: z.string().optional(), headers: z.record(z.string(), z.string()).optional() }),
])
const errorPages = z.partialRecord(z.enum(['200', '400', '403', '408', '431', '500', '502', '503', '504']), errorPage)

/** Per-server transport keys, also accepted on the backend as defaults (HAProxy `default-server`). */
const transport = {
  /** HAProxy `ssl`. */
  ssl: z.boolean().optional(),
  /** HAProxy `verify none|required`. */
  verify: z.enum(['none', 'required']).optional(),
  /** HAProxy `ca-file` (PEM contents, not a path). */
  ca: pem.optional(),
  /** HAProxy `sni`. */
  sni: z.string().min(1).optional(),
  /** HAProxy `source`: local address to bind outgoing connections to. */
  source: z.string().min(1).optional(),
}

/** Schema of `addServer(name, options)`. */
export const ServerOptionsSchema = z
  .strictObject({
    /** `http://host:port`, `https://host:port` or `host:port`. */
    address: z.string().min(1),
    weight: z.number().int().min(0).max(256).optional(),
    id: z.number().int().min(1).optional(),
    backup: z.boolean().optional(),
    maxconn: count.optional(),
    minconn: count.optional(),
    maxqueue: count.optional(),
    /** HAProxy `disabled`: start in maintenance. */
    disabled: z.boolean().optional(),
    /** HAProxy server `cookie <value>`: this server's persistence cookie value (used when the backend has a `cookie`). */
    cookie: z.string().optional(),
    ...transport,
    /** Health keys (HAProxy `check`, `agent-check`, `observe`, `slowstart`…): validated by `resolveServerHealth`. */
    check: z.union([z.boolean(), z.looseObject({})]).optional(),
    agent: z.looseObject({}).optional(),
    observe: z.union([z.string(), z.looseObject({})]).optional(),
    slowstart: ms.optional(),
    initialState: z.string().optional(),
    shutdownOnDown: z.boolean().optional(),
    shutdownBackupsOnUp: z.boolean().optional(),
  })

const retryOn = z.array(
  z.union([
    z.enum(['conn-failure', 'empty-response', 'junk-response', 'response-timeout']),
    z.literal([401, 403, 404, 408, 425, 429, 500, 501, 502, 503, 504]),
  ]),
)
const networks = z.array(z.string().min(1))

/** HAProxy `cookie <name> [rewrite|insert|prefix] …`; `createCookiePolicy` makes the cross-field checks. */
const cookie = z.strictObject({
  name: z.string(),
  /** Absent = passive (`cookie <name>` without a mode keyword). */
  mode: z.enum(['insert', 'prefix', 'rewrite']).optional(),
  indirect: z.boolean().optional(),
  nocache: z.boolean().optional(),
  postonly: z.boolean().optional(),
  preserve: z.boolean().optional(),
  httponly: z.boolean().optional(),
  secure: z.boolean().optional(),
  domains: z.array(z.string()).optional(),
  attrs: z.array(z.string()).optional(),
  maxidle: ms.optional(),
  maxlife: ms.optional(),
  dynamic: z.boolean().optional(),
  /** HAProxy `dynamic-cookie-key`. */
  dynamicKey: z.string().optional(),
})

/** Schema of `addBackend(name, options)`. */
export const BackendOptionsSchema = z.strictObject({
  /** Checked separately by `resolveBalance`, whose errors name the algorithm's own fields. */
  balance: z.unknown().optional(),
  allbackups: z.boolean().optional(),
  maxconn: count.optional(),
  fullconn: z.number().int().min(1).optional(),
  timeouts: z
    .strictObject({ connect: ms.optional(), server: ms.optional(), queue: ms.optional(), tunnel: ms.optional() })
    .optional(),
  retries: z.number().int().min(0).max(100).optional(),
  redispatch: z.union([z.boolean(), z.number().int()]).optional(),
  retryOn: retryOn.optional(),
  retryNonIdempotent: z.boolean().optional(),
  bufferSize: z.number().int().min(0).max(64 * 1024 * 1024).optional(),
  forwardFor: z
    .union([z.boolean(), z.strictObject({ header: z.string().min(1).optional(), except: networks.optional(), ifNone: z.boolean().optional() })])
    .optional(),
  originalTo: z.union([z.boolean(), z.strictObject({ header: z.string().min(1).optional(), except: networks.optional() })]).optional(),
  forwardedProto: z.boolean().optional(),
  forwardedHost: z.boolean().optional(),
  idleTimeout: ms.optional(),
  server: z.strictObject(transport).optional(),
  errorPages: errorPages.optional(),
  cookie: cookie.optional(),
  /** HAProxy `option persist`. */
  persist: z.boolean().optional(),
})

/** Client networks: one CIDR/address or a list. */
const networkList = z.union([z.string().min(1), networks])

const ruleList = z.array(z.looseObject({ action: z.string() }))

/**
 * The shape of `createProxy({ rules })`: the top level only. Conditions,
 * rules and tables are checked by `RuleSet` when it compiles them, with
 * errors naming the offending field and value.
 */
const rules = z.strictObject({
  acls: z.record(z.string(), z.looseObject({ kind: z.string() })).optional(),
  request: ruleList.optional(),
  response: ruleList.optional(),
  defaultBackend: z.string().min(1).optional(),
  tables: z.record(z.string(), z.object({}).loose()).optional(),
  trustedProxies: networkList.optional(),
  tarpitTimeout: ms.optional(),
})

/** Schema of `createProxy(options)`. */
export const ProxyOptionsSchema = z.strictObject({
  timeouts: z.strictObject({ client: ms.optional(), httpRequest: ms.optional(), httpKeepAlive: ms.optional() }).optional(),
  monitorUri: z.string().startsWith('/').optional(),
  maxHeaders: z.number().int().min(1).max(10_000).optional(),
  abortOnClose: z.boolean().optional(),
  errorPages: errorPages.optional(),
  log: z.custom<(entry: never) => void>((v) => typeof v === 'function', { message: 'Expected a function' }).optional(),
  /** Request and response rules (HAProxy `acl`, `http-request`, `http-response`, `use_backend`, `stick-table`). */
  rules: rules.optional(),
  /** Proxies whose `X-Forwarded-For` rules believe (overrides `rules.trustedProxies`). */
  trustedProxies: networkList.optional(),
  /** Jitter of every health-check interval, percent (HAProxy global `spread-checks`); proxy-wide, not per frontend. */
  spreadChecks: z.number().int().min(0).max(50).optional(),
})
