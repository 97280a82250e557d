/**
 * What compiling a rule set needs to know besides the rule itself: named
 * ACLs, the backends for `nbsrv()`, the phase (response-only fetches), and
 * which stick tables fill each counter slot.
 */
import { SwitchyardError } from '../errors.js'
import type { StickTable } from './stick-table.js'
import type { Txn } from './txn.js'
import type { BackendStateSource, Condition, CounterSlot } from './types.js'

/** A compiled condition. */
export type Predicate = (txn: Txn) => boolean

/** Shared state of one rule-set compilation. */
export interface CompileContext {
  readonly acls: Readonly<Record<string, Condition>>
  /** Compiled named ACLs, keyed by phase and name. */
  readonly compiled: Map<string, Predicate>
  /** Named ACLs being compiled (cycle detection). */
  readonly resolving: Set<string>
  readonly backends: BackendStateSource | undefined
  /** Tables each slot is tracked in by some `track` rule. */
  readonly slots: ReadonlyMap<CounterSlot, readonly StickTable[]>
  /** Response rules may read the response status and headers. */
  phase: 'request' | 'response'
}

/** A value as error messages show it. */
function show(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'object' && value !== null && !(value instanceof RegExp)) {
    try {
      return JSON.stringify(value)
    } catch {
      return String(value)
    }
  }
  return String(value)
}

/** An invalid-option error naming the field and the offending value. */
export function optionError(field: string, message: string, value: unknown): SwitchyardError {
  return new SwitchyardError('SWY_ERR_INVALID_OPTION', `Invalid \`${field}\`: ${message}, got \`${show(value)}\``, { field, value })
}
