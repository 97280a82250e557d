/**
 * Applying a verdict's request header edits to the header list the HTTP
 * layer sends upstream, in place: the lines of deleted (or replaced) names
 * are removed, then the added lines are appended. Rules record edits
 * instead of copying headers, so the HTTP layer copies the client's headers
 * once and calls this only when `verdict.headersChanged`.
 */
import { SwitchyardError } from '../errors.js'
import { Txn, removeLines } from './txn.js'
import type { RequestVerdict } from './types.js'

/**
 * Applies the request header edits of `verdict` to a flat `[name, value, …]`
 * list with lower-case names (the shape `requestHeaders()` builds). Call it
 * before appending the proxy's own forwarding headers, so that a rule
 * deleting `x-forwarded-for` removes only the client's.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION when `verdict` did not come from `RuleSet.evaluate`.
 */
export function applyHeaderEdits(headers: string[], verdict: RequestVerdict): void {
  if (!(verdict instanceof Txn)) throw new SwitchyardError('SWY_ERR_INVALID_OPTION', 'Expected a verdict returned by RuleSet.evaluate()', { field: 'verdict' })
  const drop = verdict.drop
  if (drop !== undefined) {
    if (drop.length === 1) {
      removeLines(headers, drop[0]!)
    } else {
      let w = 0
      for (let r = 0; r < headers.length; r += 2) {
        if (drop.includes(headers[r]!)) continue
        headers[w] = headers[r]!
        headers[w + 1] = headers[r + 1]!
        w += 2
      }
      if (w !== headers.length) headers.length = w
    }
  }
  const append = verdict.append
  if (append !== undefined) for (let i = 0; i < append.length; i++) headers.push(append[i]!)
}
