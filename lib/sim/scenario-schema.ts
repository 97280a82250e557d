/**
 * The scenario file format: a zod schema (the boundary: JSON files, API
 * input) and {@link parseScenario}, which validates, fills defaults and
 * names the offending field in its error.
 */
import { z } from 'zod'
import { BalanceSchema, type BalanceOptions } from '../options/balance.js'
import { parseOptions } from '../options/parse.js'
import { isValidServerCookie } from '../persist/cookie-index.js'
import type { Distribution } from './distributions.js'
import type { ArrivalSource, Scenario, SimHealth, TraceRequest } from './scenario.js'

const ms = z.number().nonnegative()
const positive = z.number().positive()
const count = z.number().int().nonnegative()
const name = z.string().min(1)

/** A duration distribution; a bare number is a constant. */
const DistributionSchema: z.ZodType<Distribution, unknown> = z.union([
  ms.transform((value): Distribution => ({ kind: 'constant', value })),
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('constant'), value: ms }),
    z.strictObject({ kind: z.literal('exponential'), mean: positive }),
    z.strictObject({ kind: z.literal('uniform'), min: ms, max: ms }).refine((d) => d.min <= d.max, { path: ['max'], message: 'must be >= min' }),
    z.strictObject({ kind: z.literal('normal'), mean: ms, sd: ms }),
    z.strictObject({ kind: z.literal('lognormal'), median: positive, sigma: ms }),
  ]),
])

const keys = count.max(1_000_000).default(0)

/** Queue priority of a source (HAProxy `set-priority-class` / `set-priority-offset` ranges). */
const priority = {
  priorityClass: z.number().int().min(-2047).max(2047).default(0),
  priorityOffset: z.number().int().min(-524287).max(524287).default(0),
}

const ArrivalSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({
      kind: z.enum(['constant', 'poisson']),
      /** Requests per second. */
      rate: positive,
      start: ms.default(0),
      count: count.optional(),
      /** Alternative to `count`: `rate × duration / 1000` requests. */
      duration: ms.optional(),
      keys,
      ...priority,
    })
    .refine((a) => (a.count === undefined) !== (a.duration === undefined), { message: 'give exactly one of `count` and `duration`' })
    .transform(
      (a): ArrivalSource => ({
        kind: a.kind,
        rate: a.rate,
        start: a.start,
        // The refinement above guarantees `duration` when `count` is absent.
        count: a.count ?? Math.floor((a.rate * a.duration!) / 1000),
        keys: a.keys,
        priorityClass: a.priorityClass,
        priorityOffset: a.priorityOffset,
      }),
    ),
  z.strictObject({ kind: z.literal('burst'), at: ms.default(0), count, spacing: ms.default(0), keys, ...priority }),
  z
    .strictObject({
      kind: z.literal('trace'),
      requests: z.array(z.strictObject({ at: ms, key: z.string().optional() })),
      ...priority,
    })
    .transform((a): ArrivalSource => {
      // Replays are in time order; equal times keep file order.
      const requests: TraceRequest[] = a.requests.map((r) => (r.key === undefined ? { at: r.at } : { at: r.at, key: r.key }))
      requests.sort((x, y) => x.at - y.at)
      return { kind: 'trace', requests, priorityClass: a.priorityClass, priorityOffset: a.priorityOffset }
    }),
])

const ServerSchema = z
  .strictObject({
    name,
    weight: z.number().int().min(0).max(256).default(1),
    maxconn: count.default(0),
    minconn: count.default(0),
    maxqueue: count.default(0),
    backup: z.boolean().default(false),
    workers: count.default(0),
    service: DistributionSchema,
    errorRate: z.number().min(0).max(1).default(0),
    errorTime: DistributionSchema.default({ kind: 'constant', value: 1 }),
  })
  .refine((s) => s.minconn === 0 || s.maxconn === 0 || s.minconn <= s.maxconn, { path: ['minconn'], message: 'must be <= maxconn' })

const window = { server: name, at: ms, duration: ms.optional() }

const FailureSchema = z.strictObject({
  ...window,
  mode: z.enum(['down', 'errors']).default('down'),
  errorRate: z.number().min(0).max(1).default(1),
  errorTime: DistributionSchema.optional(),
})

const SlowdownSchema = z.strictObject({ ...window, factor: positive })

const ChangeSchema = z
  .strictObject({
    at: ms,
    server: name,
    admin: z.enum(['ready', 'drain', 'maint']).optional(),
    weight: z.union([z.number().int().min(0).max(256), z.string().regex(/^\d+%$/)]).optional(),
    maxconn: count.optional(),
  })
  .refine((c) => c.admin !== undefined || c.weight !== undefined || c.maxconn !== undefined, {
    message: 'give at least one of `admin`, `weight`, `maxconn`',
  })

const BackendSchema = z.strictObject({
  balance: BalanceSchema.default({ algorithm: 'roundrobin' }),
  maxconn: count.default(0),
  fullconn: count.optional(),
  timeoutQueue: ms.default(0),
  timeoutConnect: ms.default(0),
  redispatch: z.boolean().default(false),
  allbackups: z.boolean().default(false),
})

const HealthSchema = z
  .strictObject({
    inter: positive.default(2000),
    fastinter: positive.optional(),
    downinter: positive.optional(),
    rise: z.number().int().positive().default(2),
    fall: z.number().int().positive().default(3),
    timeout: ms.default(0),
    connectTimeout: ms.default(0),
    failedCheck: z.enum(['refused', 'timeout']).default('refused'),
    spreadChecks: z.number().min(0).max(50).default(0),
    initialState: z.enum(['up', 'fully-up', 'down', 'fully-down']).default('up'),
    slowstart: ms.default(0),
    observe: z
      .union([
        z.enum(['layer4', 'layer7']).transform((mode) => ({ mode, errorLimit: undefined, onError: undefined })),
        z.strictObject({ mode: z.enum(['layer4', 'layer7']), errorLimit: z.number().int().positive().optional(), onError: z.enum(['fastinter', 'fail-check', 'sudden-death', 'mark-down']).optional() }),
      ])
      .optional(),
  })
  .transform((h): SimHealth => ({
    ...h,
    fastinter: h.fastinter ?? h.inter,
    downinter: h.downinter ?? h.inter,
    // HAProxy defaults: error-limit 10, on-error fail-check.
    observe: h.observe === undefined ? undefined : { mode: h.observe.mode, errorLimit: h.observe.errorLimit ?? 10, onError: h.observe.onError ?? 'fail-check' },
  }))

const PersistenceSchema = z.strictObject({
  cookie: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only').default('SERVERID'),
  clients: z.number().int().positive().max(10_000_000),
  skew: z.number().min(0).max(10).default(0),
  persist: z.boolean().default(false),
})

/** Schema of a scenario file (JSON). */
export const ScenarioSchema = z
  .strictObject({
    name: z.string().default('scenario'),
    description: z.string().default(''),
    seed: z.number().int().default(1),
    backend: BackendSchema.prefault({}),
    servers: z.array(ServerSchema).min(1),
    arrivals: z.array(ArrivalSchema).min(1),
    failures: z.array(FailureSchema).default([]),
    slowdowns: z.array(SlowdownSchema).default([]),
    changes: z.array(ChangeSchema).default([]),
    retries: z
      .strictObject({ count: count.max(100).default(0), redispatch: z.boolean().default(true), delay: ms.default(1000) })
      .prefault({}),
    detect: ms.default(0),
    health: HealthSchema.optional(),
    persistence: PersistenceSchema.optional(),
    sample: ms.default(0),
    compare: z.array(BalanceSchema).default([]),
  })
  .superRefine((s, ctx) => {
    if (s.health !== undefined && s.detect > 0) ctx.addIssue({ code: 'custom', path: ['detect'], message: 'give either `detect` (an idealised detector) or `health` (real checks), not both' })
    const names = new Set<string>()
    s.servers.forEach((server, i) => {
      if (names.has(server.name)) ctx.addIssue({ code: 'custom', path: ['servers', i, 'name'], message: `duplicate server name "${server.name}"` })
      // With persistence the name is the server's cookie value.
      if (s.persistence !== undefined && !isValidServerCookie(server.name)) {
        ctx.addIssue({ code: 'custom', path: ['servers', i, 'name'], message: 'with `persistence`, a server name is its cookie value: visible ASCII without quotes, commas, semicolons, backslashes, `|` or `~`' })
      }
      names.add(server.name)
    })
    for (const list of ['failures', 'slowdowns', 'changes'] as const) {
      s[list].forEach((entry, i) => {
        if (!names.has(entry.server)) ctx.addIssue({ code: 'custom', path: [list, i, 'server'], message: `no server named "${entry.server}"` })
      })
    }
  })

/** What a scenario file may contain (defaults not applied). */
export type ScenarioInput = z.input<typeof ScenarioSchema>

/**
 * Validates a scenario (from JSON or code) and fills its defaults.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming each offending field (`servers.1.maxconn`, …)
 */
export function parseScenario(input: unknown): Scenario {
  const s = parseOptions(ScenarioSchema, input, 'scenario')
  return {
    ...s,
    backend: { ...s.backend, balance: s.backend.balance as BalanceOptions, fullconn: s.backend.fullconn },
    servers: s.servers,
    failures: s.failures.map((f) => ({ ...f, duration: f.duration, errorTime: f.errorTime })),
    slowdowns: s.slowdowns.map((w) => ({ ...w, duration: w.duration })),
    compare: s.compare as BalanceOptions[],
    health: s.health,
    persistence: s.persistence,
  }
}
