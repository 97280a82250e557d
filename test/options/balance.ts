import t from 'tap'
import { resolveBalance } from '../../lib/options/balance.js'
import { isSwitchyardError } from '../../lib/errors.js'

t.test('names resolve to plain algorithms; default is roundrobin', (t) => {
  t.same(resolveBalance(undefined), { algorithm: 'roundrobin' })
  for (const name of ['roundrobin', 'static-rr', 'leastconn', 'first'] as const) {
    t.same(resolveBalance(name), { algorithm: name })
    t.same(resolveBalance({ algorithm: name }), { algorithm: name })
  }
  t.end()
})

t.test('random: draws default 2, balance factor', (t) => {
  t.same(resolveBalance('random'), { algorithm: 'random', draws: 2, balanceFactor: 0 })
  t.same(resolveBalance({ algorithm: 'random', draws: 3, balanceFactor: 150 }), { algorithm: 'random', draws: 3, balanceFactor: 150 })
  t.end()
})

t.test('hash keys and HAProxy hash-type defaults', (t) => {
  t.same(resolveBalance('source'), {
    algorithm: 'hash', key: { kind: 'source' }, type: 'map-based', function: 'sdbm', avalanche: false, balanceFactor: 0,
  })
  t.same(resolveBalance({ algorithm: 'uri', depth: 2, hashType: 'consistent' }), {
    algorithm: 'hash',
    key: { kind: 'uri', len: undefined, depth: 2, whole: undefined, pathOnly: undefined },
    type: 'consistent', function: 'sdbm', avalanche: true, balanceFactor: 0,
  }, 'consistent without a function → sdbm + avalanche')
  t.match(resolveBalance({ algorithm: 'uri', hashType: 'consistent', hashFunction: 'crc32' }), { avalanche: false },
    'an explicit function means no avalanche unless asked')
  t.match(resolveBalance({ algorithm: 'url_param', name: 'userid', checkPost: true }), { key: { kind: 'url_param', name: 'userid', checkPost: true } })
  t.same(resolveBalance({ algorithm: 'hdr', name: 'Host', useDomainOnly: true, hashFunction: 'djb2', avalanche: true }), {
    algorithm: 'hash', key: { kind: 'hdr', name: 'host', useDomainOnly: true }, type: 'map-based', function: 'djb2', avalanche: true, balanceFactor: 0,
  })
  t.equal(resolveBalance({ algorithm: 'source', hashType: 'consistent', balanceFactor: 125 }).algorithm, 'hash')
  t.end()
})

t.test('bad input names the field, the value and what is allowed', (t) => {
  const cases: Array<[unknown, RegExp]> = [
    ['round-robin', /algorithm.*got `"round-robin"`/],
    [{ algorithm: 'leastconn', maxConn: 3 }, /unknown option `maxConn`/],
    [{ algorithm: 'random', nested: { x: 1 } }, /unknown option `nested`/],
    [null, /got `null` \(null\)/],
    [{ algorithm: 'url_param', name: 'x'.repeat(10), checkPost: 'x'.repeat(80) }, /\.\.\./],
    [{ algorithm: 'random', draws: 0 }, /draws.*got `0`/],
    [{ algorithm: 'random', balanceFactor: 50 }, /greater than 100.*got `50`/],
    [{ algorithm: 'uri', balanceFactor: 150 }, /needs hashType "consistent"/],
    [{ algorithm: 'hdr' }, /name/],
    [{ algorithm: 'uri', hashFunction: 'md5' }, /hashFunction.*md5/],
  ]
  const circular: Record<string, unknown> = { algorithm: 'hdr', name: 1 }
  circular['name'] = circular
  cases.push([circular, /name.*\[object Object\]/])
  cases.push([{ algorithm: 'hdr', name: 1n }, /name.*got `1` \(bigint\)/])
  for (const [input, pattern] of cases) {
    try {
      resolveBalance(input as never)
      t.fail(`accepted ${String(pattern)}`)
    } catch (err) {
      t.ok(isSwitchyardError(err) && err.code === 'SWY_ERR_INVALID_OPTION', 'coded error')
      t.match((err as Error).message, pattern, String(pattern))
    }
  }
  t.end()
})

t.test('latency-aware algorithms: shorthands, defaults, settings and bounds', (t) => {
  t.same(resolveBalance('peak-ewma'), { algorithm: 'peak-ewma', decay: 10_000, failurePenalty: 1000 })
  t.same(resolveBalance({ algorithm: 'peak-ewma', decay: 2500, failurePenalty: 0 }), { algorithm: 'peak-ewma', decay: 2500, failurePenalty: 0 })
  t.same(resolveBalance('least-request'), { algorithm: 'least-request', choiceCount: 2, activeRequestBias: 1 })
  t.same(resolveBalance({ algorithm: 'least-request', choiceCount: 3, activeRequestBias: 0.5 }), {
    algorithm: 'least-request',
    choiceCount: 3,
    activeRequestBias: 0.5,
  })
  const bad: Array<[unknown, RegExp]> = [
    [{ algorithm: 'peak-ewma', decay: 0 }, /`decay`/],
    [{ algorithm: 'peak-ewma', failurePenalty: -1 }, /`failurePenalty`/],
    [{ algorithm: 'least-request', choiceCount: 1 }, /`choiceCount`/],
    [{ algorithm: 'least-request', activeRequestBias: -0.5 }, /`activeRequestBias`/],
  ]
  for (const [input, pattern] of bad) t.throws(() => resolveBalance(input as never), { code: 'SWY_ERR_INVALID_OPTION', message: pattern })
  t.end()
})
