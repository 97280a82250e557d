import t from 'tap'
import { expectConfigError, load } from '../../fixtures/config.js'

const balanceOf = (...lines: string[]) => load(['backend b', 'mode http', ...lines]).config.backends['b']!.options?.balance

t.test('every algorithm lib/options/balance.ts knows', async (t) => {
  const table: Array<[string[], unknown]> = [
    [['balance roundrobin'], 'roundrobin'],
    [['balance static-rr'], 'static-rr'],
    [['balance leastconn'], 'leastconn'],
    [['balance first'], 'first'],
    [['balance source'], 'source'],
    [['balance peak-ewma'], 'peak-ewma'],
    [['balance least-request'], 'least-request'],
    [['balance random'], 'random'],
    [['balance random(3)'], { algorithm: 'random', draws: 3 }],
    [['balance random', 'hash-balance-factor 150'], { algorithm: 'random', balanceFactor: 150 }],
    [['balance uri'], 'uri'],
    [['balance uri len 10 depth 2 whole path-only'], { algorithm: 'uri', len: 10, depth: 2, whole: true, pathOnly: true }],
    [['balance url_param userid'], { algorithm: 'url_param', name: 'userid' }],
    [['balance url_param userid check_post'], { algorithm: 'url_param', name: 'userid', checkPost: true }],
    [['balance url_param userid check_post 64'], { algorithm: 'url_param', name: 'userid', checkPost: true }],
    [['balance hdr(Host)'], { algorithm: 'hdr', name: 'Host' }],
    [['balance hdr(host) use_domain_only'], { algorithm: 'hdr', name: 'host', useDomainOnly: true }],
    [['balance source', 'hash-type consistent'], { algorithm: 'source', hashType: 'consistent' }],
    [['hash-type consistent djb2 avalanche', 'balance uri'], { algorithm: 'uri', hashType: 'consistent', hashFunction: 'djb2', avalanche: true }],
    [['balance source', 'hash-type map-based crc32'], { algorithm: 'source', hashType: 'map-based', hashFunction: 'crc32' }],
    [['balance source', 'hash-type consistent wt6', 'hash-balance-factor 150'], { algorithm: 'source', hashType: 'consistent', hashFunction: 'wt6', balanceFactor: 150 }],
    // hash-type only concerns hashing algorithms (HAProxy ignores it otherwise).
    [['balance leastconn', 'hash-type consistent', 'hash-balance-factor 150'], 'leastconn'],
    [['hash-type consistent'], undefined],
  ]
  for (const [lines, want] of table) t.same(balanceOf(...lines), want, lines.join(' / '))
})

t.test('balance errors', async (t) => {
  expectConfigError(t, () => balanceOf('balance'), 3, 'balance', /expected `balance <algorithm> \[<arguments>\]`/)
  expectConfigError(t, () => balanceOf('balance rdp-cookie'), 3, 'balance', /unsupported algorithm `rdp-cookie` \(roundrobin, static-rr/)
  expectConfigError(t, () => balanceOf('balance roundrobin extra'), 3, 'balance', /`roundrobin` takes no argument, got `extra`/)
  expectConfigError(t, () => balanceOf('balance random(2) x'), 3, 'balance', /`random\(2\)` takes no argument/)
  expectConfigError(t, () => balanceOf('balance random(0)'), 3, 'balance', /expected an integer 1\.\.100, got `0`/)
  expectConfigError(t, () => balanceOf('balance hdr(host) x'), 3, 'balance', /unknown `hdr` argument `x`/)
  expectConfigError(t, () => balanceOf('balance uri len'), 3, 'balance uri len', /got nothing/)
  expectConfigError(t, () => balanceOf('balance uri bogus'), 3, 'balance', /unknown `uri` argument `bogus`/)
  expectConfigError(t, () => balanceOf('balance url_param'), 3, 'balance', /`url_param` needs a parameter name/)
  expectConfigError(t, () => balanceOf('balance url_param a b'), 3, 'balance', /unknown `url_param` argument `b`/)
  expectConfigError(t, () => balanceOf('balance url_param a check_post 1 2'), 3, 'balance', /unknown `url_param` argument `check_post 1 2`/)
  expectConfigError(t, () => balanceOf('hash-type'), 3, 'hash-type', /expected `hash-type map-based\|consistent/)
  expectConfigError(t, () => balanceOf('hash-type consistent none'), 3, 'hash-type', /unsupported `none`/)
  expectConfigError(t, () => balanceOf('hash-type consistent sdbm djb2'), 3, 'hash-type', /unsupported `djb2`/)
  expectConfigError(t, () => balanceOf('hash-type consistent avalanche avalanche'), 3, 'hash-type', /unsupported `avalanche`/)
  expectConfigError(t, () => balanceOf('hash-balance-factor 50'), 3, 'hash-balance-factor', /must be 0 \(off\) or greater than 100, got `50`/)
  expectConfigError(t, () => balanceOf('hash-balance-factor'), 3, 'hash-balance-factor', /expected `hash-balance-factor <0 or >100>`/)
  // Cross-field checks of resolveBalance, reported at the balance line.
  expectConfigError(t, () => balanceOf('balance source', 'hash-balance-factor 150'), 3, 'balance', /balanceFactor needs hashType "consistent"/)
})
