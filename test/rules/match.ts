import t from 'tap'
import { asciiLower, compileIntCompare, compileRegex, compileStringMatch } from '../../lib/rules/match.js'
import type { StringMatch } from '../../lib/rules/types.js'
import { expectInvalid } from '../fixtures/invalid.js'

/** Matches the whole text and, embedded as `<<text>>`, the range inside. */
function both(match: StringMatch, text: string): boolean {
  const m = compileStringMatch(match, 'm')
  const whole = m(text, 0, text.length)
  const inner = m(`<<${text}>>`, 2, text.length + 2)
  if (whole !== inner) throw new Error(`range and whole disagree on ${text}`)
  return whole
}

t.test('exact, prefix, suffix, substring, domain, with and without -i', async (t) => {
  const table: Array<[StringMatch, string, boolean]> = [
    [{ op: 'exact', values: '/api' }, '/api', true],
    [{ op: 'exact', values: '/api' }, '/API', false],
    [{ op: 'exact', values: '/api', ignoreCase: true }, '/API', true],
    [{ op: 'exact', values: '/API', ignoreCase: true }, '/api', true],
    [{ op: 'exact', values: ['/a', '/b'] }, '/b', true],
    [{ op: 'exact', values: ['/a', '/b'] }, '/c', false],
    [{ op: 'exact', values: '/api' }, '/api/', false],
    [{ op: 'exact', values: '' }, '', true],
    [{ op: 'prefix', values: '/websockets' }, '/websockets/chat', true],
    [{ op: 'prefix', values: '/websockets', ignoreCase: true }, '/WebSockets/chat', true],
    [{ op: 'prefix', values: '/websockets' }, '/WebSockets', false],
    [{ op: 'prefix', values: '/websockets' }, '/web', false],
    [{ op: 'suffix', values: ['.jpg', '.png'] }, '/a/b.png', true],
    [{ op: 'suffix', values: '.PNG', ignoreCase: true }, '/a/b.png', true],
    [{ op: 'suffix', values: '.png' }, 'png', false],
    [{ op: 'substring', values: 'admin' }, '/x/admin/y', true],
    [{ op: 'substring', values: 'admin' }, '/x/ADMIN/y', false],
    [{ op: 'substring', values: 'admin', ignoreCase: true }, '/x/ADMIN/y', true],
    [{ op: 'substring', values: 'admin', ignoreCase: true }, '/x/adm', false],
    [{ op: 'domain', values: 'example' }, 'www.example.com', true],
    [{ op: 'domain', values: 'example' }, 'www.example', true],
    [{ op: 'domain', values: 'example' }, 'example:8080', true],
    [{ op: 'domain', values: 'example' }, 'www.myexample.com', false],
    [{ op: 'domain', values: 'example' }, 'www.examples.com', false],
    [{ op: 'domain', values: 'EXAMPLE', ignoreCase: true }, 'http://Example/x', true],
    [{ op: 'domain', values: 'example.com' }, 'a.example.com?x', true],
  ]
  for (const [match, text, expected] of table) t.equal(both(match, text), expected, `${JSON.stringify(match)} ~ ${text}`)
})

t.test('substring does not match past the end of the range', async (t) => {
  const m = compileStringMatch({ op: 'substring', values: 'bc' }, 'm')
  t.notOk(m('abcd', 0, 2), 'bc starts inside but ends outside')
  t.ok(m('abcd', 0, 3))
  t.notOk(m('abc', 2, 3), 'range starts after the occurrence')
})

t.test('exact with many values uses a set, with and without -i', async (t) => {
  const values = Array.from({ length: 20 }, (_, i) => `/p${i}`)
  t.ok(both({ op: 'exact', values }, '/p17'))
  t.notOk(both({ op: 'exact', values }, '/P17'))
  t.ok(both({ op: 'exact', values, ignoreCase: true }, '/P17'))
  t.notOk(both({ op: 'exact', values }, '/p20'))
})

t.test('regex: sources or RegExp objects; -i; g and y flags dropped', async (t) => {
  t.ok(both({ op: 'regex', values: '^/api/v[0-9]+/' }, '/api/v2/x'))
  t.notOk(both({ op: 'regex', values: '^/api/v[0-9]+/' }, '/API/v2/x'))
  t.ok(both({ op: 'regex', values: '^/api/', ignoreCase: true }, '/API/x'))
  t.ok(both({ op: 'regex', values: [/^\/a$/, '^/b$'] }, '/b'))
  const sticky = compileStringMatch({ op: 'regex', values: /x/gy }, 'm')
  t.ok(sticky('x', 0, 1))
  t.ok(sticky('x', 0, 1), 'stateless: the second test matches too')
  t.ok(both({ op: 'regex', values: /abc/, ignoreCase: true }, 'ABC'), '-i adds the i flag to a RegExp')
  t.ok(both({ op: 'regex', values: /abc/i, ignoreCase: true }, 'ABC'), 'already case-insensitive')
  t.equal(compileRegex(/a/gimsuy, false, 'f').flags, 'imsu')
})

t.test('invalid patterns are rejected at configuration time, naming the value', async (t) => {
  expectInvalid(t, () => compileStringMatch({ op: 'regex', values: ['^ok$', '(unclosed'] }, 'acls.bad'), { value: '(unclosed', field: 'acls.bad.values' })
  expectInvalid(t, () => compileStringMatch({ op: 'regex', values: '[z-a]' }, 'x'), { value: '[z-a]' })
  expectInvalid(t, () => compileStringMatch({ op: 'regex', values: 5 as unknown as string }, 'x'), { value: 5 })
  expectInvalid(t, () => compileStringMatch({ op: 'exact', values: [] }, 'x'), { field: 'x.values' })
  expectInvalid(t, () => compileStringMatch({ op: 'prefix', values: [null as unknown as string] }, 'x'), { field: 'x.values', value: null, mention: /strings/ })
  expectInvalid(t, () => compileStringMatch({ op: 'like', values: 'a' } as unknown as StringMatch, 'x'), { field: 'x.op', value: 'like' })
})

t.test('integer comparisons; a missing sample (−1) never matches', async (t) => {
  const table: Array<[Parameters<typeof compileIntCompare>[0], number, boolean]> = [
    [{ op: 'eq', value: 3 }, 3, true],
    [{ op: 'eq', value: 3 }, 4, false],
    [{ op: 'lt', value: 1 }, 0, true],
    [{ op: 'lt', value: 1 }, 1, false],
    [{ op: 'le', value: 1 }, 1, true],
    [{ op: 'gt', value: 10 }, 11, true],
    [{ op: 'gt', value: 10 }, 10, false],
    [{ op: 'ge', value: 10 }, 10, true],
    [{ op: 'range', min: 1, max: 5 }, 5, true],
    [{ op: 'range', min: 1, max: 5 }, 6, false],
    [{ op: 'range', max: 5 }, 0, true],
    [{ op: 'range', min: 5 }, 1e9, true],
    [{ op: 'range', min: 5 }, 4, false],
  ]
  for (const [cmp, n, expected] of table) t.equal(compileIntCompare(cmp, 'c')(n), expected, `${JSON.stringify(cmp)} on ${n}`)
  for (const cmp of [{ op: 'lt', value: 1 }, { op: 'le', value: 5 }, { op: 'range' }, { op: 'eq', value: -1 }] as const) {
    t.notOk(compileIntCompare(cmp, 'c')(-1), `${JSON.stringify(cmp)}: missing sample`)
  }
  expectInvalid(t, () => compileIntCompare({ op: 'ne', value: 1 } as unknown as { op: 'eq'; value: number }, 'c'), { field: 'c.op', value: 'ne' })
  expectInvalid(t, () => compileIntCompare({ op: 'gt', value: '1' as unknown as number }, 'c'), { field: 'c.value', value: '1' })
  expectInvalid(t, () => compileIntCompare({ op: 'range', min: Number.NaN }, 'c'), { field: 'c.min', value: Number.NaN })
  expectInvalid(t, () => compileIntCompare({ op: 'range', max: 'x' as unknown as number }, 'c'), { field: 'c.max', value: 'x' })
})

t.test('asciiLower folds ASCII only', async (t) => {
  t.equal(asciiLower('AbC-Ä'), 'abc-Ä')
  t.equal(asciiLower('already'), 'already')
})
