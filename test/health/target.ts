import t from 'tap'
import { resolveTarget } from '../../lib/health/target.js'

t.test('server addresses', (t) => {
  t.same(resolveTarget('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080, secure: false })
  t.same(resolveTarget('http://app.local:81'), { host: 'app.local', port: 81, secure: false })
  t.same(resolveTarget('http://app.local'), { host: 'app.local', port: 80, secure: false })
  t.same(resolveTarget('https://app.local'), { host: 'app.local', port: 443, secure: true })
  t.same(resolveTarget('https://[::1]:8443'), { host: '::1', port: 8443, secure: true })
  t.same(resolveTarget('[::1]:9000'), { host: '::1', port: 9000, secure: false })
  t.same(resolveTarget('tcp://db:5432'), { host: 'db', port: 5432, secure: false })
  t.end()
})

t.test('addr and port redirect the check', (t) => {
  t.same(resolveTarget('127.0.0.1:8080', undefined, 9000), { host: '127.0.0.1', port: 9000, secure: false })
  t.same(resolveTarget('https://app:8443', '10.0.0.1'), { host: '10.0.0.1', port: 8443, secure: true })
  t.same(resolveTarget('not an address', '10.0.0.2', 81), { host: '10.0.0.2', port: 81, secure: false })
  t.end()
})

t.test('no host or no port', (t) => {
  for (const address of ['app.local', 'not an address', 'ftp://x', 'ftp://x:21/'.slice(0, 6)]) {
    t.throws(() => resolveTarget(address), { code: 'SWY_ERR_INVALID_OPTION' }, address)
  }
  t.same(resolveTarget('ftp://x', undefined, 21), { host: 'x', port: 21, secure: false })
  t.end()
})
