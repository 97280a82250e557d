/**
 * Observation comparison: deep equality, except for values built with
 * `approx()` (timings), which match when within the larger of both tolerances.
 */

/** A measured number that may differ between implementations by up to `tol`. */
export interface Approx {
  readonly $approx: number
  readonly tol: number
  readonly unit: string
}

/** Marks `value` as a timing compared within ± `tol`. Rounded to whole ms for readability. */
export function approx(value: number, tol: number, unit = 'ms'): Approx {
  return { $approx: Math.round(value), tol, unit }
}

function isApprox(v: unknown): v is Approx {
  return typeof v === 'object' && v !== null && '$approx' in v
}

function show(v: unknown): string {
  if (isApprox(v)) return `${v.$approx}${v.unit}`
  const s = JSON.stringify(v)
  return s === undefined ? 'undefined' : s.length > 120 ? `${s.slice(0, 117)}...` : s
}

/** Every difference between `a` (HAProxy) and `b` (switchyard) as `path: haproxy=… switchyard=…`. */
export function diff(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (isApprox(a) && isApprox(b)) {
    const tol = Math.max(a.tol, b.tol)
    if (Math.abs(a.$approx - b.$approx) > tol) out.push(`${path}: haproxy=${a.$approx}${a.unit} switchyard=${b.$approx}${b.unit} (±${tol})`)
    return out
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length)
    if (a.length !== b.length) out.push(`${path}.length: haproxy=${a.length} switchyard=${b.length}`)
    for (let i = 0; i < n && out.length < 50; i++) {
      if (i >= a.length || i >= b.length) continue
      diff(a[i], b[i], `${path}[${i}]`, out)
    }
    return out
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const k of keys) diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`, out)
    return out
  }
  if (!Object.is(a, b)) out.push(`${path}: haproxy=${show(a)} switchyard=${show(b)}`)
  return out
}

/** Removes every `approx()` wrapper (for printing). */
export function plain(v: unknown): unknown {
  if (isApprox(v)) return v.$approx
  if (Array.isArray(v)) return v.map(plain)
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
  return v
}
