import t from 'tap'
import { classifyFailure, connectTermination } from '../../lib/adapters/failure.js'
import { SwitchyardError } from '../../lib/errors.js'

function coded(code: string): Error {
  return Object.assign(new Error(code), { code })
}

t.test('classification table', async (t) => {
  const table: [Error, boolean, string][] = [
    [new SwitchyardError('SWY_ERR_CONNECT_TIMEOUT'), false, 'connect-timeout'],
    [coded('ECONNREFUSED'), false, 'conn-failure'],
    [coded('DEPTH_ZERO_SELF_SIGNED_CERT'), false, 'conn-failure'],
    [new Error('no code'), false, 'conn-failure'],
    [coded('UND_ERR_SOCKET'), true, 'empty-response'],
    [Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }), true, 'empty-response'],
    [Object.assign(new Error('bad response'), { code: 'UND_ERR_SOCKET' }), true, 'junk-response'],
    [Object.assign(new Error('bad upgrade'), { code: 'UND_ERR_SOCKET' }), true, 'junk-response'],
    [coded('ECONNRESET'), true, 'empty-response'],
    [coded('EPIPE'), true, 'empty-response'],
    [coded('HPE_INVALID_CONSTANT'), true, 'junk-response'],
    [coded('UND_ERR_HEADERS_OVERFLOW'), true, 'junk-response'],
    [new Error('no code'), true, 'junk-response'],
  ]
  for (const [err, connected, kind] of table) t.equal(classifyFailure(err, connected), kind, `${err.message} connected=${connected}`)
})

t.test('connect failures for lack of local resources are RC, others keep their state', async (t) => {
  for (const code of ['EMFILE', 'ENFILE', 'EADDRNOTAVAIL']) t.equal(connectTermination(coded(code), 'SC'), 'RC', code)
  t.equal(connectTermination(coded('ECONNREFUSED'), 'SC'), 'SC')
  t.equal(connectTermination(new Error('no code'), 'SC'), 'SC')
})
