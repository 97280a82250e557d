import t from 'tap'
import { readFileSync } from 'node:fs'
import { ERROR_CODES, SwitchyardError, isSwitchyardError, type ErrorCode } from '../../lib/errors.js'

t.test('every code is documented in docs/errors.md with its status', (t) => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  const rows = new Map<string, number>()
  for (const m of doc.matchAll(/^\|\s*`(SWY_ERR_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) rows.set(m[1]!, Number(m[2]))
  const codes = Object.keys(ERROR_CODES) as ErrorCode[]
  t.same([...rows.keys()].sort(), [...codes].sort(), 'docs rows match the code table')
  for (const code of codes) t.equal(rows.get(code), ERROR_CODES[code].status, `${code} status`)
  t.end()
})

t.test('SwitchyardError carries code, status, details and cause', (t) => {
  const cause = new Error('boom')
  const err = new SwitchyardError('SWY_ERR_QUEUE_TIMEOUT', undefined, { waited: 5 }, { cause })
  t.equal(err.code, 'SWY_ERR_QUEUE_TIMEOUT')
  t.equal(err.statusCode, 503)
  t.equal(err.message, ERROR_CODES.SWY_ERR_QUEUE_TIMEOUT.message)
  t.same(err.details, { waited: 5 })
  t.equal(err.cause, cause)
  t.equal(err.name, 'SwitchyardError')
  t.ok(err instanceof Error)
  const custom = new SwitchyardError('SWY_ERR_UPSTREAM', 'custom text')
  t.equal(custom.message, 'custom text')
  t.equal(custom.statusCode, 502)
  t.end()
})

t.test('isSwitchyardError recognises the brand, even across copies', (t) => {
  t.equal(isSwitchyardError(new SwitchyardError('SWY_ERR_CLOSED')), true)
  const foreign = { [Symbol.for('switchyard.error')]: true, code: 'SWY_ERR_CLOSED' }
  t.equal(isSwitchyardError(foreign), true)
  t.equal(isSwitchyardError(new Error('x')), false)
  t.equal(isSwitchyardError(null), false)
  t.equal(isSwitchyardError('SWY_ERR_CLOSED'), false)
  t.end()
})
