import t from 'tap'
import { isMonitorRequest } from '../../lib/adapters/monitor.js'

t.test('monitor-uri matching (HAProxy: path and query when it starts with /, else the whole target)', async (t) => {
  t.ok(isMonitorRequest('/health', '/health'))
  // HAProxy 2.6 keeps the query string in the compared path (conformance scenario monitor-uri)
  t.notOk(isMonitorRequest('/health?x=1', '/health'))
  t.ok(isMonitorRequest('/health?x=1', '/health?x=1'))
  t.notOk(isMonitorRequest('http://h/health?x=1', '/health'))
  t.notOk(isMonitorRequest('not a url', '/health'))
  t.notOk(isMonitorRequest(undefined, '/health'))
  t.notOk(isMonitorRequest('/health/x', '/health'))
  t.notOk(isMonitorRequest(undefined, 'health'))
  t.ok(isMonitorRequest('http://h/health', '/health'))
  t.ok(isMonitorRequest('*', '*'))
  t.notOk(isMonitorRequest('/x', '*'))
})
