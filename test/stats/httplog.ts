import t from 'tap'
import type { HttpLogEntry } from '../../lib/adapters/types.js'
import type { TcpLogEntry } from '../../lib/adapters/tcp-types.js'
import { formatHttpLog, formatLogDate, formatRequestLine, formatTcpLog } from '../../lib/stats/httplog.js'

// Local-time components: the expected strings do not depend on the machine's time zone.
const DATE = new Date(2009, 1, 6, 12, 14, 14, 655)

const ENTRY: HttpLogEntry = {
  clientAddress: '10.0.1.2',
  clientPort: 33317,
  backend: 'static',
  server: 'srv1',
  method: 'GET',
  uri: '/index.html',
  httpVersion: '1.1',
  Tq: 10,
  Tw: 0,
  Tc: 30,
  Tr: 69,
  Tt: 109,
  status: 200,
  bytesIn: 0,
  bytesOut: 2750,
  termination: '----',
  retries: 0,
  redispatched: false,
}

t.test('dates as HAProxy logs them', (t) => {
  t.equal(formatLogDate(DATE), '06/Feb/2009:12:14:14.655')
  t.equal(formatLogDate(new Date(2026, 10, 2, 3, 4, 5, 6)), '02/Nov/2026:03:04:05.006')
  t.equal(formatLogDate(new Date(2026, 11, 31, 23, 59, 59, 999)), '31/Dec/2026:23:59:59.999')
  t.end()
})

t.test('httplog: the documented example line', (t) => {
  const ctx = { frontend: 'http-in', acceptDate: DATE, actconn: 1, feconn: 1, beconn: 1, srvConn: 1, srvQueue: 0, backendQueue: 0 }
  t.equal(formatHttpLog(ENTRY, ctx), '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET /index.html HTTP/1.1"')
  t.end()
})

t.test('httplog: no server, queue timeout, redispatch, counts default to 0', (t) => {
  const fractions = { ...ENTRY, Tq: 0.4, Tw: -1, Tc: 1.99, Tr: 20.5, Tt: 23.0001 }
  t.match(formatHttpLog(fractions, { frontend: 'fe', acceptDate: DATE }), / 0\/-1\/1\/20\/23 200 /, 'whole milliseconds')
  const nosrv = { ...ENTRY, server: '<NOSRV>', Tq: 0, Tw: 1001, Tc: -1, Tr: -1, Tt: 1001, status: 503, bytesOut: 217, termination: 'sQ--' }
  t.equal(formatHttpLog(nosrv, { frontend: 'fe', acceptDate: DATE }), '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] fe static/<NOSRV> 0/1001/-1/-1/1001 503 217 - - sQ-- 0/0/0/0/0 0/0 "GET /index.html HTTP/1.1"')
  t.match(formatHttpLog({ ...nosrv, backend: '<NOBACKEND>', termination: 'SC--' }, { frontend: 'fe', acceptDate: DATE }), / fe fe\/<NOSRV> /, 'no backend: the frontend name')
  const redispatched = { ...ENTRY, retries: 3, redispatched: true, termination: '--NI', method: 'POST', uri: '/a"b#c\x01', httpVersion: '1.0' }
  t.equal(
    formatHttpLog(redispatched, { frontend: 'fe', acceptDate: DATE, actconn: 5, feconn: 4, beconn: 3, srvConn: 2, srvQueue: 7, backendQueue: 8 }),
    '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] fe static/srv1 10/0/30/69/109 200 2750 - - --NI 5/4/3/2/+3 7/8 "POST /a#22b#23c#01 HTTP/1.0"',
  )
  t.end()
})

t.test('request line encoding', (t) => {
  t.equal(formatRequestLine('GET', '/', '1.1'), '"GET / HTTP/1.1"')
  t.equal(formatRequestLine('GET', '/\x7f\xe9', '1.1'), '"GET /#7F#E9 HTTP/1.1"')
  t.end()
})

t.test('tcplog', (t) => {
  const entry: TcpLogEntry = {
    clientAddress: '127.0.0.1',
    clientPort: 40000,
    frontendAddress: '127.0.0.1',
    frontendPort: 5432,
    backend: 'pg',
    server: 'pg1',
    Tw: 0,
    Tc: 1,
    Tt: 5012,
    bytesIn: 300,
    bytesOut: 1200,
    termination: '--',
    retries: 0,
    redispatched: false,
  }
  t.equal(formatTcpLog(entry, { frontend: 'db', acceptDate: DATE, actconn: 2, feconn: 2, beconn: 1, srvConn: 1 }), '127.0.0.1:40000 [06/Feb/2009:12:14:14.655] db pg/pg1 0/1/5012 1200 -- 2/2/1/1/0 0/0')
  t.equal(
    formatTcpLog({ ...entry, server: '<NOSRV>', Tw: -1, Tc: -1, Tt: 3, bytesOut: 0, termination: 'SC', retries: 1, redispatched: true }, { frontend: 'db', acceptDate: DATE }),
    '127.0.0.1:40000 [06/Feb/2009:12:14:14.655] db pg/<NOSRV> -1/-1/3 0 SC 0/0/0/0/+1 0/0',
  )
  t.end()
})
