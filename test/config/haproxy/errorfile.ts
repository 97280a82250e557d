import t from 'tap'
import { parseErrorFile } from '../../../lib/config/haproxy/errorfile.js'
import { atLine, configError } from '../../../lib/config/haproxy/errors.js'
import { SwitchyardError } from '../../../lib/errors.js'
import { expectConfigError } from '../../fixtures/config.js'

const at = { file: 't.cfg', line: 4 }

t.test('an HAProxy error file: status line, headers, body', async (t) => {
  const text = 'HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: 12\r\n\r\n<h1>down</h1>'
  t.same(parseErrorFile(text, at, 'errorfile'), { body: '<h1>down</h1>', contentType: 'text/html', headers: { 'cache-control': 'no-cache', connection: 'close' } })
  t.same(parseErrorFile('HTTP/1.1 200 OK\n\nok\n', at, 'errorfile'), { body: 'ok\n' })
  t.same(parseErrorFile('HTTP/1.1 200 OK', at, 'errorfile'), { body: '' })
  expectConfigError(t, () => parseErrorFile('<html>oops</html>', at, 'errorfile'), 4, 'errorfile', /must hold a complete HTTP response starting with `HTTP\/1.x <code>`, got `<html>oops<\/html>`/)
  expectConfigError(t, () => parseErrorFile('HTTP/1.0 503 x\nbroken\n\n', at, 'errorfile'), 4, 'errorfile', /invalid header line `broken`/)
})

t.test('configError and atLine', async (t) => {
  const err = configError(at, 'balance', 'bad', new Error('inner'))
  t.equal(err.message, 't.cfg:4: `balance`: bad')
  t.same(err.details, { file: 't.cfg', line: 4, keyword: 'balance' })
  t.equal((err.cause as Error).message, 'inner')
  t.equal(configError(at, 'x', 'y').cause, undefined)
  t.equal(atLine(at, 'k', () => 5), 5)
  expectConfigError(t, () => atLine(at, 'k', () => { throw new SwitchyardError('SWY_ERR_INVALID_OPTION', 'nope') }), 4, 'k', /: nope$/)
  t.throws(() => atLine(at, 'k', () => { throw configError({ file: 't.cfg', line: 1 }, 'other', 'first') }), { message: 't.cfg:1: `other`: first' })
  t.throws(() => atLine(at, 'k', () => { throw new TypeError('plain') }), TypeError)
})
