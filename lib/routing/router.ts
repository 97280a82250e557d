/**
 * Frontend routing: HAProxy's `use_backend <backend> if|unless <condition>`
 * rules tried in order (first match wins), then `default_backend`. Conditions
 * are compiled once into small predicate functions.
 */
import type { HeaderCondition, RouteCondition, RouteRequest, Router, RouterOptions } from './types.js'

type Test = (request: RouteRequest) => boolean

function list<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [value as T]
}

/** The path of a request target (before `?`); for an absolute-form target, its path. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/'
  if (!url.startsWith('/')) {
    try {
      return new URL(url).pathname
    } catch {
      return url
    }
  }
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}

/** A Host value for comparisons: lower case, no port, no trailing dot. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase()
  const colon = h.lastIndexOf(':')
  if (colon >= 0 && h.indexOf(']') < colon && (h.startsWith('[') || h.indexOf(':') === colon)) h = h.slice(0, colon)
  return h.endsWith('.') ? h.slice(0, -1) : h
}

function headerTest(condition: HeaderCondition): Test {
  const name = condition.name.toLowerCase()
  const expected = condition.value
  return (request) => {
    const actual = request.headers[name]
    if (actual === undefined) return false
    if (expected === undefined) return true
    for (const one of list(actual)) {
      if (typeof expected === 'string' ? one === expected : expected.test(one)) return true
    }
    return false
  }
}

/** Compiles a condition to a predicate (all given fields must hold). */
export function compileCondition(condition: RouteCondition): Test {
  const tests: Test[] = []
  if (condition.pathPrefix !== undefined) {
    const prefixes = list(condition.pathPrefix)
    tests.push((r) => {
      const path = pathOf(r.url)
      return prefixes.some((p) => path.startsWith(p))
    })
  }
  if (condition.host !== undefined) {
    const hosts = new Set(list(condition.host).map(normalizeHost))
    tests.push((r) => r.headers.host !== undefined && hosts.has(normalizeHost(r.headers.host)))
  }
  if (condition.header !== undefined) tests.push(...list(condition.header).map(headerTest))
  if (condition.method !== undefined) {
    const methods = new Set(list(condition.method).map((m) => m.toUpperCase()))
    tests.push((r) => r.method !== undefined && methods.has(r.method))
  }
  if (condition.predicate !== undefined) tests.push(condition.predicate)
  return (request) => tests.every((test) => test(request))
}

/**
 * Builds a router.
 *
 * @example
 * ```ts
 * const router = createRouter({
 *   rules: [
 *     { backend: api, if: { pathPrefix: '/api/' } },
 *     { backend: admin, if: { host: 'admin.example.com', method: ['GET', 'POST'] } },
 *   ],
 *   defaultBackend: web,
 * })
 * ```
 * HAProxy: `use_backend`, `default_backend`.
 */
export function createRouter<B>(options: RouterOptions<B>): Router<B> {
  const rules = (options.rules ?? []).map((rule) => {
    const when = rule.if === undefined ? undefined : compileCondition(rule.if)
    const unless = rule.unless === undefined ? undefined : compileCondition(rule.unless)
    return { backend: rule.backend, when, unless }
  })
  const fallback = options.defaultBackend
  const backends: B[] = []
  for (const b of [...rules.map((r) => r.backend), ...(fallback === undefined ? [] : [fallback])]) if (!backends.includes(b)) backends.push(b)
  return {
    backends,
    route(request: RouteRequest): B | undefined {
      for (const rule of rules) {
        if ((rule.when === undefined || rule.when(request)) && (rule.unless === undefined || !rule.unless(request))) return rule.backend
      }
      return fallback
    },
  }
}
