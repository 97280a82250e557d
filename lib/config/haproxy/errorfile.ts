/**
 * `errorfile <code> <file>`: HAProxy's error files are complete HTTP
 * responses (status line, headers, blank line, body); switchyard's error
 * pages keep the generated status and take the headers and body.
 */
import type { ErrorPageDraft } from './drafts.js'
import { configError, type CfgLocation } from './errors.js'

/** Statuses whose answers can be replaced (the `errorPages` keys). */
export const ERROR_STATUSES = new Set(['200', '400', '403', '408', '431', '500', '502', '503', '504'])

/**
 * Parses the text of an error file.
 * @throws {SwitchyardError} SWY_ERR_CONFIG when it is not an HTTP response.
 */
export function parseErrorFile(text: string, at: CfgLocation, keyword: string): ErrorPageDraft {
  const end = /\r?\n\r?\n/.exec(text)
  const head = end === null ? text : text.slice(0, end.index)
  const body = end === null ? '' : text.slice(end.index + end[0].length)
  const [status, ...lines] = head.split(/\r?\n/)
  if (!/^HTTP\/1\.[01] \d{3}/.test(status!)) throw configError(at, keyword, `the file must hold a complete HTTP response starting with \`HTTP/1.x <code>\`, got \`${status!.slice(0, 40)}\``)
  const page: ErrorPageDraft = { body }
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw configError(at, keyword, `invalid header line \`${line}\` in the error file`)
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    // content-length is recomputed from the body; content-type has its own field.
    if (name === 'content-type') page.contentType = value
    else if (name !== 'content-length') headers[name] = value
  }
  if (Object.keys(headers).length > 0) page.headers = headers
  return page
}
