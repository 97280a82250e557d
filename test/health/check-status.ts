import t from 'tap'
import { describeStatus, errorStatus, outcomeOf, timeoutStatus } from '../../lib/health/check-status.js'
import type { CheckStatus } from '../../lib/health/types.js'

t.test('what each status counts as (HAProxy CHK_RES_*)', (t) => {
  const rows: [CheckStatus, string][] = [
    ['UNK', 'neutral'],
    ['INI', 'neutral'],
    ['CHECKED', 'neutral'],
    ['SOCKERR', 'failed'],
    ['L4OK', 'passed'],
    ['L4TOUT', 'failed'],
    ['L4CON', 'failed'],
    ['L6OK', 'passed'],
    ['L6TOUT', 'failed'],
    ['L6RSP', 'failed'],
    ['L7OK', 'passed'],
    ['L7OKC', 'conditional'],
    ['L7TOUT', 'failed'],
    ['L7RSP', 'failed'],
    ['L7STS', 'failed'],
    ['HANA', 'failed'],
  ]
  for (const [status, outcome] of rows) t.equal(outcomeOf(status), outcome, status)
  t.equal(describeStatus('L4CON'), 'Layer4 connection problem')
  t.equal(describeStatus('L7STS'), 'Layer7 wrong status')
  t.end()
})

t.test('timeouts and errors by stage', (t) => {
  t.same([timeoutStatus('connect'), timeoutStatus('handshake'), timeoutStatus('response')], ['L4TOUT', 'L6TOUT', 'L7TOUT'])
  t.same([errorStatus('connect'), errorStatus('handshake'), errorStatus('response')], ['L4CON', 'L6RSP', 'L7RSP'])
  t.end()
})
