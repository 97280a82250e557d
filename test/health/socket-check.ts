import t from 'tap'
import { describeError } from '../../lib/health/socket-check.js'

t.test('transport errors as check messages', (t) => {
  const error = (code: string | undefined, message = 'raw'): Error => Object.assign(new Error(message), code === undefined ? {} : { code })
  t.equal(describeError(error('ECONNREFUSED')), 'Connection refused')
  t.equal(describeError(error('ECONNRESET')), 'Connection reset by peer')
  t.equal(describeError(error('EHOSTUNREACH')), 'No route to host')
  t.equal(describeError(error('ENETUNREACH')), 'Network is unreachable')
  t.equal(describeError(error('ETIMEDOUT')), 'Connection timed out')
  t.equal(describeError(error('EPIPE')), 'Broken pipe')
  t.equal(describeError(error('EWHATEVER', 'something odd')), 'something odd')
  t.equal(describeError(error(undefined, 'no code')), 'no code')
  t.end()
})
