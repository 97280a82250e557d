/**
 * Character-level helpers shared by the Cookie and Set-Cookie scanners, with
 * HAProxy's exact rules.
 */

const HT = 9
const SP = 32
const DQUOTE = 34
const COMMA = 44
const SEMI = 59
const BACKSLASH = 92

/** Space or horizontal tab (HAProxy `HTTP_IS_SPHT`). */
export function isSpHt(c: number): boolean {
  return c === SP || c === HT
}

/**
 * The end of a cookie value in `text[start, end)`: the first `,` or `;`
 * outside a quoted string, where a backslash escapes the next character.
 * HAProxy: `http_find_cookie_value_end()`.
 */
export function cookieValueEnd(text: string, start: number, end: number): number {
  let quoted = false
  let escaped = false
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (escaped) escaped = false
    else if (quoted) {
      if (c === BACKSLASH) escaped = true
      else if (c === DQUOTE) quoted = false
    } else if (c === DQUOTE) quoted = true
    else if (c === COMMA || c === SEMI) return i
  }
  return end
}
