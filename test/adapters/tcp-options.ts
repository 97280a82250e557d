import t from 'tap'
import { MAX_TURNAROUND_DELAY, resolveTcpOptions, resolveTcpServer } from '../../lib/adapters/tcp-options.js'
import type { TcpHandlerOptions } from '../../lib/adapters/tcp-types.js'
import { expectInvalid } from '../fixtures/invalid.js'

t.test('defaults', async (t) => {
  const r = resolveTcpOptions({})
  t.same(r.timeouts, { connect: 5000, client: 50000, server: 50000, tunnel: 0, clientFin: 0, serverFin: 0, acceptProxy: 50000 })
  t.equal(r.retries, 3)
  t.equal(r.redispatch, 0)
  t.equal(r.turnaround, 1000)
  t.equal(r.acceptProxy, false)
  t.equal(r.monitorNet, undefined)
  t.equal(r.bufferSize, 16384)
  t.equal(r.noDelay, true)
  t.same(r.server, { sendProxy: false, source: undefined })
  t.equal(r.servers.size, 0)
})

t.test('values, redispatch forms, turn-around delay', async (t) => {
  const r = resolveTcpOptions({
    timeouts: { connect: 300, client: 1, server: 2, tunnel: 3, clientFin: 4, serverFin: 5 },
    retries: 0,
    redispatch: true,
    acceptProxy: true,
    monitorNet: ['192.168.0.0/16'],
    bufferSize: 128,
    noDelay: false,
    server: { sendProxy: 'v2', source: '127.0.0.2' },
    servers: { a: { sendProxy: 'v1' }, b: { sendProxy: false, source: '::1' } },
  })
  t.same(r.timeouts, { connect: 300, client: 1, server: 2, tunnel: 3, clientFin: 4, serverFin: 5, acceptProxy: 1 })
  t.equal(r.turnaround, 300, 'min(1 s, timeout connect)')
  t.equal(r.redispatch, -1)
  t.equal(r.retries, 0)
  t.ok(r.monitorNet?.has('192.168.7.7'))
  t.same(r.servers.get('a'), { sendProxy: 'v1', source: '127.0.0.2' }, 'inherits the default source')
  t.same(r.servers.get('b'), { sendProxy: false, source: '::1' })
  t.equal(resolveTcpOptions({ redispatch: false }).redispatch, 0)
  t.equal(resolveTcpOptions({ redispatch: 2 }).redispatch, 2)
  t.equal(resolveTcpOptions({ redispatch: -2 }).redispatch, -2)
  t.equal(resolveTcpOptions({ timeouts: { connect: 0 } }).turnaround, MAX_TURNAROUND_DELAY, 'no connect timeout: 1 s')
  t.equal(resolveTcpOptions({ timeouts: { connect: 4000 } }).turnaround, 1000)
  t.equal(resolveTcpOptions({ timeouts: { acceptProxy: 7 } }).timeouts.acceptProxy, 7)
})

t.test('invalid options are refused, naming the field', async (t) => {
  const table: Array<[string, unknown, string]> = [
    ['timeouts.connect', { timeouts: { connect: -1 } }, 'timeouts.connect'],
    ['timeouts.client', { timeouts: { client: 1.5 } }, 'timeouts.client'],
    ['timeouts.server', { timeouts: { server: '5s' } }, 'timeouts.server'],
    ['timeouts.tunnel', { timeouts: { tunnel: NaN } }, 'timeouts.tunnel'],
    ['timeouts.clientFin', { timeouts: { clientFin: -5 } }, 'timeouts.clientFin'],
    ['timeouts.serverFin', { timeouts: { serverFin: Infinity } }, 'timeouts.serverFin'],
    ['timeouts.acceptProxy', { timeouts: { acceptProxy: -1 } }, 'timeouts.acceptProxy'],
    ['retries', { retries: -1 }, 'retries'],
    ['redispatch', { redispatch: 'yes' }, 'redispatch'],
    ['redispatch fraction', { redispatch: 0.5 }, 'redispatch'],
    ['acceptProxy', { acceptProxy: 1 }, 'acceptProxy'],
    ['noDelay', { noDelay: 'no' }, 'noDelay'],
    ['bufferSize', { bufferSize: 127 }, 'bufferSize'],
    ['monitorNet type', { monitorNet: 10 }, 'monitorNet'],
    ['monitorNet entry', { monitorNet: ['10.0.0.0/33'] }, 'monitorNet'],
    ['server', { server: 'v1' }, 'server'],
    ['servers entry', { servers: { y: null } }, 'servers.y'],
    ['server.sendProxy', { server: { sendProxy: 'v3' } }, 'server.sendProxy'],
    ['server.source name', { server: { source: 'localhost' } }, 'server.source'],
    ['server.source zone', { server: { source: 'fe80::1%lo' } }, 'server.source'],
    ['server.source type', { server: { source: 7 } }, 'server.source'],
    ['servers.x.sendProxy', { servers: { x: { sendProxy: true } } }, 'servers.x.sendProxy'],
  ]
  for (const [label, options, field] of table) expectInvalid(t, () => resolveTcpOptions(options as TcpHandlerOptions), { field }, label)
  expectInvalid(t, () => resolveTcpOptions({ bufferSize: 100 }), { value: 100, mention: /an integer ≥ 128/ }, 'message')
})

t.test('resolveTcpServer over defaults', async (t) => {
  const defaults = { sendProxy: 'v1' as const, source: '10.0.0.1' }
  t.same(resolveTcpServer({}, defaults, 'x'), defaults)
  t.same(resolveTcpServer({ sendProxy: false }, defaults, 'x'), { sendProxy: false, source: '10.0.0.1' })
})
