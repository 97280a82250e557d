import t from 'tap'
import { clientAddress } from '../../lib/rules/client-address.js'
import { NetworkList } from '../../lib/rules/ip.js'
import { RuleSet } from '../../lib/rules/rule-set.js'
import { makeRequest } from '../fixtures/rules.js'

const proxies = NetworkList.compile(['10.0.0.0/8', '2001:db8::/32'], 'trustedProxies')

t.test('a spoofed X-Forwarded-For never changes the address without trusted proxies', async (t) => {
  const rules = new RuleSet({
    request: [{ action: 'deny', unless: { kind: 'src', networks: ['192.168.0.0/16'] } }, { action: 'track', key: 'src' }],
    tables: { t: { size: 10 } },
  })
  const v = rules.evaluate(makeRequest({ source: '203.0.113.9', headers: { 'x-forwarded-for': '192.168.1.1' } }), 0)
  t.same([v.action, v.source], ['deny', '203.0.113.9'], 'the allowlist sees the peer, not the header')
  const w = rules.evaluate(makeRequest({ source: '192.168.7.7', headers: { 'x-forwarded-for': '1.2.3.4, 5.6.7.8' } }), 0)
  t.same([w.action, w.source], ['continue', '192.168.7.7'])
  t.same(
    rules.tables.get('t')!.entries(0).map((e) => e.key),
    ['192.168.7.7'],
    'tracking keys on the peer too',
  )
})

t.test('behind trusted proxies: the right-most untrusted entry is the client', async (t) => {
  const table: Array<[string, string | readonly string[] | undefined, string]> = [
    ['10.0.0.1', '203.0.113.9', '203.0.113.9'],
    ['10.0.0.1', '198.51.100.1, 203.0.113.9', '203.0.113.9'],
    ['10.0.0.1', '198.51.100.1, 203.0.113.9, 10.0.0.2', '203.0.113.9'],
    ['10.0.0.1', '10.0.0.3,10.0.0.2', '10.0.0.3'],
    ['10.0.0.1', ' 203.0.113.9 ,, ', '203.0.113.9'],
    ['10.0.0.1', '', '10.0.0.1'],
    ['10.0.0.1', ', 10.0.0.2', '10.0.0.2'],
    ['10.0.0.1', '::ffff:203.0.113.9', '203.0.113.9'],
    ['10.0.0.1', 'unknown, 10.0.0.2', '10.0.0.2'],
    ['10.0.0.1', '203.0.113.9, garbage', '10.0.0.1'],
    ['10.0.0.1', '1.2.3.4:5678', '10.0.0.1'],
    ['::ffff:10.0.0.1', '2001:db8::5, 2001:db9::1', '2001:db9::1'],
    ['10.0.0.1', ['198.51.100.1', '203.0.113.9, 10.0.0.2'], '203.0.113.9'],
    ['10.0.0.1', ['198.51.100.1', '10.0.0.2'], '198.51.100.1'],
    ['10.0.0.1', ['10.0.0.5', '10.0.0.2'], '10.0.0.5'],
    ['10.0.0.1', undefined, '10.0.0.1'],
    ['203.0.113.50', '1.1.1.1', '203.0.113.50'],
    ['::ffff:203.0.113.50', '1.1.1.1', '203.0.113.50'],
  ]
  for (const [peer, xff, expected] of table) t.equal(clientAddress(peer, xff, proxies), expected, `${peer} + ${JSON.stringify(xff)}`)
})

t.test('rule sets use trusted proxies for src and tracking', async (t) => {
  const rules = new RuleSet({
    trustedProxies: '10.0.0.0/8',
    tables: { t: { size: 10 } },
    request: [{ action: 'track', key: 'src' }, { action: 'deny', if: { kind: 'src', networks: ['203.0.113.0/24'] } }],
  })
  const v = rules.evaluate(makeRequest({ source: '10.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' } }), 0)
  t.same([v.action, v.source], ['deny', '203.0.113.9'])
  const spoof = rules.evaluate(makeRequest({ source: '198.51.100.1', headers: { 'x-forwarded-for': '10.0.0.9' } }), 0)
  t.same([spoof.action, spoof.source], ['continue', '198.51.100.1'], 'an untrusted peer cannot claim an address')
  t.same(
    rules.tables.get('t')!.entries(0).map((e) => e.key),
    ['198.51.100.1', '203.0.113.9'],
  )
  t.equal(new RuleSet({ trustedProxies: [] }).evaluate(makeRequest({ source: '10.0.0.1', headers: { 'x-forwarded-for': '1.2.3.4' } }), 0).source, '10.0.0.1', 'an empty list trusts nobody')
  t.throws(() => new RuleSet({ trustedProxies: ['10.0.0.0/8', 'proxy.local'] }), { code: 'SWY_ERR_INVALID_OPTION', details: { field: 'trustedProxies', value: 'proxy.local' } })
})
