import t from 'tap'
import { DEFAULT_SERVER_TRANSPORT, resolveHttpBackendOptions, resolveHttpFrontendOptions, resolveServerTransport } from '../../lib/adapters/resolve.js'
import * as d from '../../lib/options/defaults.js'

t.test('backend defaults', async (t) => {
  t.same(resolveHttpBackendOptions(), {
    timeouts: { connect: d.DEFAULT_TIMEOUT_CONNECT, server: d.DEFAULT_TIMEOUT_SERVER, tunnel: d.DEFAULT_TIMEOUT_TUNNEL },
    retries: 3,
    redispatch: 0,
    retryOn: ['conn-failure'],
    retryNonIdempotent: false,
    bufferSize: 16384,
    forwardFor: false,
    originalTo: false,
    forwardedProto: false,
    forwardedHost: false,
    idleTimeout: 4000,
    server: DEFAULT_SERVER_TRANSPORT,
    errorPages: {},
  })
})

t.test('backend values and shorthands', async (t) => {
  const r = resolveHttpBackendOptions({
    timeouts: { connect: 1, server: 2, tunnel: 3 },
    retries: 0,
    redispatch: true,
    retryOn: [503],
    retryNonIdempotent: true,
    bufferSize: 10,
    forwardFor: true,
    originalTo: true,
    forwardedProto: true,
    forwardedHost: true,
    idleTimeout: 0,
    server: { ssl: true, verify: 'none', ca: 'pem', sni: 'x', source: '127.0.0.2' },
    errorPages: { 503: 'x' },
  })
  t.match(r, { timeouts: { connect: 1, server: 2, tunnel: 3 }, retries: 0, redispatch: -1, retryOn: [503], retryNonIdempotent: true, bufferSize: 10, idleTimeout: 0 })
  t.same(r.forwardFor, { header: 'x-forwarded-for', except: [], ifNone: false })
  t.same(r.originalTo, { header: 'x-original-to', except: [] })
  t.same(r.server, { ssl: true, verify: 'none', ca: 'pem', sni: 'x', source: '127.0.0.2' })
  t.equal(resolveHttpBackendOptions({ redispatch: false }).redispatch, 0)
  t.equal(resolveHttpBackendOptions({ redispatch: 2 }).redispatch, 2)
  t.same(resolveHttpBackendOptions({ forwardFor: { header: 'x-c', except: ['10.0.0.0/8'], ifNone: true } }).forwardFor, { header: 'x-c', except: ['10.0.0.0/8'], ifNone: true })
  t.same(resolveHttpBackendOptions({ originalTo: { header: 'x-o', except: ['::1'] } }).originalTo, { header: 'x-o', except: ['::1'] })
  t.same(resolveHttpBackendOptions(r), r, 'resolving is idempotent')
})

t.test('server transport over backend defaults', async (t) => {
  const base = resolveServerTransport({ ssl: true, sni: 'base' })
  t.same(resolveServerTransport({ verify: 'none' }, base), { ssl: true, verify: 'none', ca: undefined, sni: 'base', source: undefined })
  t.same(resolveServerTransport(), DEFAULT_SERVER_TRANSPORT)
})

t.test('frontend defaults and values', async (t) => {
  t.same(resolveHttpFrontendOptions(), {
    timeouts: { client: 50000, httpRequest: 10000, httpKeepAlive: 5000 },
    monitorUri: undefined,
    maxHeaders: 100,
    abortOnClose: true,
    errorPages: {},
  })
  t.same(resolveHttpFrontendOptions({ timeouts: { client: 1, httpRequest: 2, httpKeepAlive: 3 }, monitorUri: '/m', maxHeaders: 5, abortOnClose: false, errorPages: { 200: 'ok' } }), {
    timeouts: { client: 1, httpRequest: 2, httpKeepAlive: 3 },
    monitorUri: '/m',
    maxHeaders: 5,
    abortOnClose: false,
    errorPages: { 200: 'ok' },
  })
})
