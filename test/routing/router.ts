import t from 'tap'
import { compileCondition, createRouter, normalizeHost, pathOf } from '../../lib/routing/router.js'
import type { RouteRequest } from '../../lib/routing/types.js'

const r = (url: string | undefined, headers: Record<string, string | string[]> = {}, method: string | undefined = 'GET'): RouteRequest => ({ url, method, headers })

t.test('pathOf', async (t) => {
  t.equal(pathOf('/a/b?c=1'), '/a/b')
  t.equal(pathOf('/a'), '/a')
  t.equal(pathOf(undefined), '/')
  t.equal(pathOf('http://h:1/x/y?z'), '/x/y')
  t.equal(pathOf('not a url'), 'not a url')
})

t.test('normalizeHost', async (t) => {
  const table: [string, string][] = [
    ['Example.COM', 'example.com'],
    ['example.com:8080', 'example.com'],
    ['example.com.', 'example.com'],
    [' a.b.:80 ', 'a.b'],
    ['[::1]:8080', '[::1]'],
    ['[::1]', '[::1]'],
    ['::1', '::1'],
  ]
  for (const [input, expected] of table) t.equal(normalizeHost(input), expected, input)
})

t.test('conditions', async (t) => {
  const c = (cond: Parameters<typeof compileCondition>[0], req: RouteRequest): boolean => compileCondition(cond)(req)
  t.ok(c({}, r('/')), 'empty holds')
  t.ok(c({ pathPrefix: '/api' }, r('/api/x')))
  t.ok(c({ pathPrefix: '/api' }, r('/apiv2')), 'path_beg is a string prefix')
  t.notOk(c({ pathPrefix: '/api' }, r('/x?/api')))
  t.ok(c({ pathPrefix: ['/a', '/b'] }, r('/b/1')))
  t.ok(c({ host: 'Example.com' }, r('/', { host: 'EXAMPLE.com:8080' })))
  t.notOk(c({ host: ['a', 'b'] }, r('/', { host: 'c' })))
  t.notOk(c({ host: 'a' }, r('/')), 'no Host')
  t.ok(c({ header: { name: 'X-Beta' } }, r('/', { 'x-beta': '' })), 'present')
  t.notOk(c({ header: { name: 'X-Beta' } }, r('/')))
  t.ok(c({ header: { name: 'x-v', value: '2' } }, r('/', { 'x-v': '2' })))
  t.notOk(c({ header: { name: 'x-v', value: '2' } }, r('/', { 'x-v': '22' })))
  t.ok(c({ header: { name: 'x-v', value: /^2/ } }, r('/', { 'x-v': '22' })))
  t.ok(c({ header: { name: 'set-cookie', value: 'b' } }, r('/', { 'set-cookie': ['a', 'b'] })), 'array values')
  t.notOk(c({ header: [{ name: 'a' }, { name: 'b' }] }, r('/', { a: '1' })), 'all headers required')
  t.ok(c({ method: ['get', 'POST'] }, r('/', {}, 'GET')))
  t.notOk(c({ method: 'POST' }, r('/', {}, 'GET')))
  t.notOk(c({ method: 'GET' }, { url: '/', headers: {} }))
  t.ok(c({ predicate: (q) => q.url === '/p' }, r('/p')))
  t.notOk(c({ pathPrefix: '/p', method: 'POST' }, r('/p')), 'AND')
})

t.test('router: first match wins, unless, default', async (t) => {
  const router = createRouter({
    rules: [
      { backend: 'api', if: { pathPrefix: '/api' }, unless: { method: 'DELETE' } },
      { backend: 'admin', if: { host: 'admin.example' } },
      { backend: 'api', unless: { pathPrefix: '/' } },
      { backend: 'beta', if: { header: { name: 'x-beta' } } },
    ],
    defaultBackend: 'web',
  })
  t.same(router.backends, ['api', 'admin', 'beta', 'web'])
  t.equal(router.route(r('/api/x', { host: 'admin.example' })), 'api')
  t.equal(router.route(r('/api/x', { host: 'admin.example' }, 'DELETE')), 'admin')
  t.equal(router.route(r('/x', { 'x-beta': '1' })), 'beta')
  t.equal(router.route(r('/x')), 'web')
  t.equal(router.route(r('x')), 'api', 'unless only')
  const none = createRouter<string>({ rules: [{ backend: 'a', if: { method: 'POST' } }] })
  t.equal(none.route(r('/')), undefined)
  t.same(none.backends, ['a'])
  t.same(createRouter<string>({}).backends, [])
  t.equal(createRouter({ defaultBackend: 'd' }).route(r('/')), 'd')
})
