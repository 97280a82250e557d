import t from 'tap'
import { isMonitorRequest } from '../../lib/adapters/monitor.js'

t.test('monitor-uri matching (HAProxy: path when it starts with /, else the whole target)', async (t) => {
  t.ok(isMonitorRequest('/health', '/health'))
  t.ok(isMonitorRequest('/health?x=1', '/health'))
  t.notOk(isMonitorRequest('/health/x', '/health'))
  t.notOk(isMonitorRequest(undefined, 'health'))
  t.ok(isMonitorRequest('http://h/health', '/health'))
  t.ok(isMonitorRequest('*', '*'))
  t.notOk(isMonitorRequest('/x', '*'))
})
