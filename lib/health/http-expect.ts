/**
 * What makes an HTTP check pass (§5.6 of the semantics reference): the
 * default 200–399 rule, `http-check expect` (status list, status regex, body
 * string, body regex, each negatable) and `http-check disable-on-404`. Pure:
 * the HTTP probe reads the response, this decides.
 */
import { SwitchyardError } from '../errors.js'
import type { ProbeResult } from './types.js'

/**
 * An `http-check expect` rule. `negate` is HAProxy's `!`.
 * - `status` — the status is in a comma-separated list of codes and ranges (`"200,201,300-310"`, or numbers).
 * - `rstatus` — the status, as three digits, matches a regular expression.
 * - `string` — the body contains a text.
 * - `rstring` — the body matches a regular expression.
 * Only the first 16 KiB of the response are read (HAProxy `tune.bufsize`).
 * HAProxy: `http-check expect [!] status|rstatus|string|rstring <pattern>`
 */
export type HttpExpect =
  | { readonly type: 'status'; readonly codes: string | readonly number[]; readonly negate?: boolean | undefined }
  | { readonly type: 'rstatus'; readonly pattern: string | RegExp; readonly negate?: boolean | undefined }
  | { readonly type: 'string'; readonly text: string; readonly negate?: boolean | undefined }
  | { readonly type: 'rstring'; readonly pattern: string | RegExp; readonly negate?: boolean | undefined }

/** The part of a response a check looks at. */
export interface HttpCheckResponse {
  /** Status code. */
  readonly status: number
  /** Reason phrase ("" when absent). */
  readonly reason: string
  /** Body as read (at most the read limit), decoded from chunked encoding. */
  readonly body: string
}

/** A compiled expectation: evaluates one response. */
export interface HttpExpectation {
  /** True when the body must be read (string/rstring rules); otherwise the headers decide. */
  readonly needsBody: boolean
  /**
   * The check result for `response`: L7OK, L7OKC (disable-on-404, a running
   * server answered 404), L7STS (status rule failed) or L7RSP (body rule failed).
   * @param running the server is not DOWN (a DOWN server answering 404 stays DOWN)
   */
  evaluate(response: HttpCheckResponse, running: boolean): ProbeResult
}

/**
 * Parses a status list (`"200,201,300-310"`) into inclusive ranges.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for anything but codes 100..999 and ranges
 */
export function parseStatusList(codes: string | readonly number[]): readonly (readonly [number, number])[] {
  const items = typeof codes === 'string' ? codes.split(',') : codes.map(String)
  return items.map((item) => {
    const match = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(item)
    const low = Number(match?.[1])
    const high = match?.[2] === undefined ? low : Number(match[2])
    if (match === null || high < low || low < 100) {
      throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected \`http.expect.codes\` to list status codes and ranges like "200,300-310", got \`${String(codes)}\``, {
        field: 'http.expect.codes',
        value: codes,
      })
    }
    return [low, high] as const
  })
}

function toRegExp(pattern: string | RegExp): RegExp {
  if (typeof pattern !== 'string') return pattern
  try {
    return new RegExp(pattern)
  } catch (error) {
    throw new SwitchyardError('SWY_ERR_INVALID_OPTION', `Expected \`http.expect.pattern\` to be a regular expression, got \`${pattern}\``, { field: 'http.expect.pattern', value: pattern }, { cause: error })
  }
}

function statusLine(response: HttpCheckResponse): string {
  return response.reason === '' ? String(response.status) : `${response.status} ${response.reason}`
}

/**
 * Compiles the expectation of an HTTP check: `expect` (default: status
 * 200–399, HAProxy's implicit rule) and `disableOn404`, which takes
 * precedence: a 404 from a running server gives L7OKC (the server goes NOLB).
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an invalid status list or regular expression
 * HAProxy: `http-check expect`, `http-check disable-on-404`
 */
export function compileHttpExpect(expect: HttpExpect | undefined, disableOn404: boolean): HttpExpectation {
  let test: (response: HttpCheckResponse) => boolean
  let onBody = false
  switch (expect?.type) {
    case undefined:
      test = (r) => r.status >= 200 && r.status <= 399
      break
    case 'status': {
      const ranges = parseStatusList(expect.codes)
      test = (r) => ranges.some(([low, high]) => r.status >= low && r.status <= high)
      break
    }
    case 'rstatus': {
      const regex = toRegExp(expect.pattern)
      test = (r) => regex.test(String(r.status))
      break
    }
    case 'string': {
      const text = expect.text
      onBody = true
      test = (r) => r.body.includes(text)
      break
    }
    case 'rstring': {
      const regex = toRegExp(expect.pattern)
      onBody = true
      test = (r) => regex.test(r.body)
      break
    }
  }
  const negate = expect?.negate === true
  const failure = onBody ? 'L7RSP' : 'L7STS'
  return {
    needsBody: onBody,
    evaluate(response, running) {
      const code = response.status
      if (disableOn404 && running && code === 404) {
        return { status: 'L7OKC', code, message: `${statusLine(response)} (disable-on-404)` }
      }
      if (test(response) !== negate) return { status: 'L7OK', code, message: statusLine(response) }
      const message = onBody
        ? negate
          ? 'HTTP check matched unwanted content'
          : 'HTTP content check did not match'
        : `HTTP status check returned code ${statusLine(response)}`
      return { status: failure, code, message }
    },
  }
}
