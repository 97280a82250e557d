/**
 * The zod schema of a whole {@link SwitchyardConfig}, for configurations that
 * arrive as data (`switchyard --json config.json`). The option objects inside
 * reuse the API's own schemas (`options/schema.ts`); what those leave open
 * (`balance`, rules, health keys, TCP options) is checked by the API calls
 * `startConfig` makes, with errors naming the field.
 */
import { z } from 'zod'
import { SwitchyardError } from '../errors.js'
import { BackendOptionsSchema, ProxyOptionsSchema, ServerOptionsSchema } from '../options/schema.js'
import type { SwitchyardConfig } from './types.js'

const ms = z.number().int().min(0).max(2_147_483_647)
const count = z.number().int().min(0)

const GlobalSchema = z.strictObject({
  maxconn: count.optional(),
  hardStopAfter: ms.optional(),
  grace: ms.optional(),
  spreadChecks: z.number().int().min(0).max(50).optional(),
})

const BindSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(0).max(65_535),
  acceptProxy: z.boolean().optional(),
})

const TcpServerSchema = z.strictObject({
  sendProxy: z.union([z.literal(false), z.enum(['v1', 'v2'])]).optional(),
  source: z.string().min(1).optional(),
})

/** `createTcpHandler` options without functions (`resolveTcpOptions` checks the values further). */
const TcpSchema = z.strictObject({
  timeouts: z
    .strictObject({
      connect: ms.optional(),
      client: ms.optional(),
      server: ms.optional(),
      tunnel: ms.optional(),
      clientFin: ms.optional(),
      serverFin: ms.optional(),
      acceptProxy: ms.optional(),
    })
    .optional(),
  retries: count.optional(),
  redispatch: z.union([z.boolean(), z.number().int()]).optional(),
  acceptProxy: z.boolean().optional(),
  monitorNet: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  bufferSize: count.optional(),
  noDelay: z.boolean().optional(),
  server: TcpServerSchema.optional(),
  servers: z.record(z.string(), TcpServerSchema).optional(),
})

const FrontendSchema = z.strictObject({
  name: z.string().min(1),
  mode: z.enum(['http', 'tcp']).default('http'),
  bind: z.array(BindSchema).min(1),
  defaultBackend: z.string().min(1).optional(),
  http: ProxyOptionsSchema.omit({ log: true, spreadChecks: true }).optional(),
  tcp: TcpSchema.optional(),
  maxconn: count.optional(),
  log: z.enum(['http', 'tcp']).optional(),
  stats: z.strictObject({ uri: z.string().startsWith('/'), refresh: ms.optional() }).optional(),
})

const BackendSchema = z.strictObject({
  options: BackendOptionsSchema.optional(),
  servers: z.record(z.string().min(1), ServerOptionsSchema),
})

/** Schema of a whole configuration (JSON form: no functions, RegExps or Buffers needed). */
export const SwitchyardConfigSchema = z.strictObject({
  global: GlobalSchema.optional(),
  frontends: z.array(FrontendSchema),
  backends: z.record(z.string().min(1), BackendSchema),
})

function describe(value: unknown): string {
  const text = JSON.stringify(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input
  // zod only reports paths it walked, so every step is an object.
  for (const key of path) value = (value as Record<PropertyKey, unknown>)[key]
  return value
}

/**
 * Validates a configuration given as data (e.g. parsed JSON) and returns it
 * typed, with `mode` defaulted to `'http'`. Checks the shape and every option
 * the API schemas know; frontends must have unique names, and their default
 * backends must exist.
 * @throws {SwitchyardError} SWY_ERR_CONFIG whose message names each offending path (`frontends[0].bind[0].port`), the value and the rule
 */
export function parseSwitchyardConfig(value: unknown): SwitchyardConfig {
  const result = SwitchyardConfigSchema.safeParse(value)
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const path = pathText(issue.path)
      if (issue.code === 'unrecognized_keys') return `${path === '' ? '' : `${path}: `}unknown key ${issue.keys.map((k) => `\`${k}\``).join(', ')}`
      const got = valueAt(value, issue.path)
      return `${path === '' ? '(config)' : path}: ${issue.message}${got === undefined ? '' : `, got ${describe(got)}`}`
    })
    throw new SwitchyardError('SWY_ERR_CONFIG', `Invalid configuration: ${lines.join('; ')}`, { issues: result.error.issues })
  }
  const config = result.data as SwitchyardConfig
  const names = new Set<string>()
  config.frontends.forEach((frontend, i) => {
    if (names.has(frontend.name)) throw new SwitchyardError('SWY_ERR_CONFIG', `Invalid configuration: frontends[${i}].name: duplicate frontend "${frontend.name}"`, { path: `frontends[${i}].name` })
    names.add(frontend.name)
    const target = frontend.defaultBackend
    if (target !== undefined && !Object.hasOwn(config.backends, target)) {
      throw new SwitchyardError('SWY_ERR_CONFIG', `Invalid configuration: frontends[${i}].defaultBackend: no backend named "${target}"`, { path: `frontends[${i}].defaultBackend` })
    }
  })
  return config
}

/** `frontends[0].bind[1].port` */
function pathText(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out === '' ? '' : '.'}${String(key)}`
  return out
}
