import t from 'tap'
import { compileHttpExpect, parseStatusList } from '../../lib/health/http-expect.js'

const res = (status: number, body = '', reason = 'Whatever') => ({ status, reason, body })

t.test('default rule: 200–399 pass (observed: 200, 204, 301, 302, 399 L7OK; 400, 404, 500, 503 L7STS)', (t) => {
  const e = compileHttpExpect(undefined, false)
  t.equal(e.needsBody, false)
  for (const code of [200, 204, 301, 302, 399]) t.equal(e.evaluate(res(code), true).status, 'L7OK', String(code))
  for (const code of [199, 400, 404, 500, 503]) t.equal(e.evaluate(res(code), true).status, 'L7STS', String(code))
  t.same(e.evaluate(res(200, '', 'OK'), true), { status: 'L7OK', code: 200, message: '200 OK' })
  t.same(e.evaluate(res(503, '', ''), true), { status: 'L7STS', code: 503, message: 'HTTP status check returned code 503' })
  t.end()
})

t.test('status lists and ranges', (t) => {
  t.same(parseStatusList('200,201,300-310'), [[200, 200], [201, 201], [300, 310]])
  t.same(parseStatusList(' 204 , 400 - 404 '), [[204, 204], [400, 404]])
  t.same(parseStatusList([200, 404]), [[200, 200], [404, 404]])
  for (const bad of ['', '20', '200-100', 'abc', '099', '200,,201', '1000']) {
    t.throws(() => parseStatusList(bad), { code: 'SWY_ERR_INVALID_OPTION' }, JSON.stringify(bad))
  }
  const e = compileHttpExpect({ type: 'status', codes: '200,300-310' }, false)
  t.same([200, 201, 300, 305, 310, 311].map((c) => e.evaluate(res(c), true).status), ['L7OK', 'L7STS', 'L7OK', 'L7OK', 'L7OK', 'L7STS'])
  const not = compileHttpExpect({ type: 'status', codes: [503], negate: true }, false)
  t.same([200, 503].map((c) => not.evaluate(res(c), true).status), ['L7OK', 'L7STS'], '! status 503')
  t.end()
})

t.test('rstatus', (t) => {
  const e = compileHttpExpect({ type: 'rstatus', pattern: '^2' }, false)
  t.same([200, 299, 301].map((c) => e.evaluate(res(c), true).status), ['L7OK', 'L7OK', 'L7STS'])
  const r = compileHttpExpect({ type: 'rstatus', pattern: /^(200|404)$/ }, false)
  t.same([200, 404, 500].map((c) => r.evaluate(res(c), true).status), ['L7OK', 'L7OK', 'L7STS'])
  t.throws(() => compileHttpExpect({ type: 'rstatus', pattern: '(' }, false), { code: 'SWY_ERR_INVALID_OPTION' })
  t.end()
})

t.test('string and rstring look at the body; a mismatch is L7RSP', (t) => {
  const e = compileHttpExpect({ type: 'string', text: 'ready' }, false)
  t.equal(e.needsBody, true)
  t.same(e.evaluate(res(200, 'status: ready'), true), { status: 'L7OK', code: 200, message: '200 Whatever' })
  t.same(e.evaluate(res(200, 'status: busy'), true), { status: 'L7RSP', code: 200, message: 'HTTP content check did not match' })
  t.equal(e.evaluate(res(500, 'ready'), true).status, 'L7OK', 'only the body counts')
  const r = compileHttpExpect({ type: 'rstring', pattern: 'load=[0-4]\\b' }, false)
  t.same(['load=3', 'load=7'].map((b) => r.evaluate(res(200, b), true).status), ['L7OK', 'L7RSP'])
  const not = compileHttpExpect({ type: 'string', text: 'error', negate: true }, false)
  t.same(not.evaluate(res(200, 'an error'), true), { status: 'L7RSP', code: 200, message: 'HTTP check matched unwanted content' })
  t.equal(not.evaluate(res(200, 'fine'), true).status, 'L7OK')
  t.equal(compileHttpExpect({ type: 'rstring', pattern: /x/ }, false).evaluate(res(200, 'x'), true).status, 'L7OK')
  t.end()
})

t.test('disable-on-404: NOLB for a running server, takes precedence over expect; a DOWN server stays DOWN', (t) => {
  const e = compileHttpExpect({ type: 'status', codes: '404' }, true)
  t.same(e.evaluate(res(404, '', 'Not Found'), true), { status: 'L7OKC', code: 404, message: '404 Not Found (disable-on-404)' })
  t.equal(e.evaluate(res(404), false).status, 'L7OK', 'not running: the expect rule decides')
  const d = compileHttpExpect(undefined, true)
  t.equal(d.evaluate(res(404), false).status, 'L7STS')
  t.equal(d.evaluate(res(200), true).status, 'L7OK')
  t.end()
})
