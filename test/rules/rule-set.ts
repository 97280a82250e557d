import t from 'tap'
import { SwitchyardError } from '../../lib/errors.js'
import { DEFAULT_TARPIT_TIMEOUT, RuleSet } from '../../lib/rules/rule-set.js'
import { StickTable } from '../../lib/rules/stick-table.js'
import type { RequestVerdict, RuleRequest } from '../../lib/rules/types.js'
import { expectInvalid } from '../fixtures/invalid.js'
import { makeRequest } from '../fixtures/rules.js'

t.test('hasRules: nothing configured means the HTTP layer can skip every call', async (t) => {
  const flags = (rs: RuleSet): [boolean, boolean, boolean] => [rs.hasRules, rs.hasRequestRules, rs.hasResponseRules]
  t.same(flags(new RuleSet()), [false, false, false])
  t.same(flags(new RuleSet({ acls: { x: { kind: 'always' } }, tables: { t: { size: 1 } }, trustedProxies: ['10.0.0.0/8'] })), [false, false, false], 'ACLs and tables alone do nothing')
  t.same(flags(new RuleSet({ request: [{ action: 'allow' }] })), [true, true, false])
  t.same(flags(new RuleSet({ defaultBackend: 'b' })), [true, true, false])
  t.same(flags(new RuleSet({ response: [{ action: 'allow' }] })), [true, false, true])
  t.equal(DEFAULT_TARPIT_TIMEOUT, 5000)
})

t.test('an empty rule set still answers sensibly', async (t) => {
  const rs = new RuleSet()
  const v = rs.evaluate(makeRequest({ source: '::ffff:1.2.3.4' }), 0)
  t.same([v.action, v.source, v.backend], ['continue', '1.2.3.4', undefined])
  const headers = ['a', 'b']
  t.equal(rs.respond(v, 204, headers, 0), 204)
  t.same(headers, ['a', 'b'])
  rs.end(v, 204, 0)
  const noSource = rs.evaluate({ method: 'GET', url: '/', headers: {}, source: undefined } as unknown as RuleRequest, 0)
  t.equal(noSource.source, '', 'a destroyed socket has no address')
})

t.test('stick tables: shared instances or options; exposed for stats', async (t) => {
  const shared = new StickTable('shared', { size: 5 })
  const a = new RuleSet({ tables: { shared }, request: [{ action: 'track', key: 'src' }] })
  const b = new RuleSet({ tables: { shared, own: { size: 2 } }, request: [{ action: 'track', key: 'src', table: 'shared' }] })
  t.equal(a.tables.get('shared'), shared)
  t.equal(b.tables.get('own')!.size, 2)
  a.evaluate(makeRequest(), 0)
  b.evaluate(makeRequest(), 0)
  t.equal(shared.get('127.0.0.1', 0)!.httpReqCnt, 2, 'two frontends count into one table')
  expectInvalid(t, () => new RuleSet({ tables: { bad: { size: 0 } } }), { field: 'tables.bad.size', value: 0 })
})

t.test('respond and end only take verdicts from evaluate', async (t) => {
  const rs = new RuleSet({ response: [{ action: 'allow' }] })
  const fake = { action: 'continue' } as unknown as RequestVerdict
  expectInvalid(t, () => rs.respond(fake, 200, [], 0), { field: 'verdict' })
  expectInvalid(t, () => rs.end(fake, 200, 0), { field: 'verdict' })
})

t.test('a throwing predicate propagates out of evaluate', async (t) => {
  const rs = new RuleSet({
    request: [
      {
        action: 'deny',
        if: {
          kind: 'predicate',
          test: () => {
            throw new Error('boom')
          },
        },
      },
    ],
  })
  t.throws(() => rs.evaluate(makeRequest(), 0), /boom/)
})

t.test('error messages name the offending value, whatever its type', async (t) => {
  const circular: Record<string, unknown> = {}
  circular['self'] = circular
  expectInvalid(t, () => new RuleSet({ defaultBackend: circular as unknown as string }), { field: 'defaultBackend', mention: /got `\[object Object\]`/ })
  expectInvalid(t, () => new RuleSet({ defaultBackend: /x/ as unknown as string }), { field: 'defaultBackend', mention: /got `\/x\/`/ })
  expectInvalid(t, () => new RuleSet({ defaultBackend: { a: 1 } as unknown as string }), { field: 'defaultBackend', mention: /got `\{"a":1\}`/ })
  const err = new SwitchyardError('SWY_ERR_INVALID_OPTION')
  t.equal(err.message, 'An option or argument is invalid', 'the default message of the code')
})
