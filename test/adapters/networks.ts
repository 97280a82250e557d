import t from 'tap'
import { compileNetworks, inNetworks, plainAddress } from '../../lib/adapters/networks.js'

t.test('plainAddress prints addresses like HAProxy', async (t) => {
  t.equal(plainAddress('::ffff:10.1.2.3'), '10.1.2.3')
  t.equal(plainAddress('::ffff:abcd'), '::ffff:abcd')
  t.equal(plainAddress('2001:db8::1'), '2001:db8::1')
  t.equal(plainAddress('127.0.0.1'), '127.0.0.1')
  t.equal(plainAddress(undefined), '')
})

t.test('networks: CIDR and single hosts, both families', async (t) => {
  const list = compileNetworks(['127.0.0.0/8', '10.0.0.5', 'fd00::/8', '::1'], 'f')!
  const table: [string, boolean][] = [
    ['127.0.0.1', true],
    ['127.255.1.1', true],
    ['128.0.0.1', false],
    ['10.0.0.5', true],
    ['10.0.0.6', false],
    ['fd12::1', true],
    ['fe80::1', false],
    ['::1', true],
    ['not-an-ip', false],
  ]
  for (const [address, expected] of table) t.equal(inNetworks(list, address), expected, address)
  t.equal(compileNetworks([], 'f'), undefined)
})

t.test('invalid entries are refused naming the field', async (t) => {
  for (const bad of ['nope', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', '10.0.0.0/-1', '1.2.3.4/1.5']) {
    t.throws(() => compileNetworks([bad], 'forwardFor.except'), { code: 'SWY_ERR_INVALID_OPTION', details: { field: 'forwardFor.except', value: bad } }, bad)
  }
})
