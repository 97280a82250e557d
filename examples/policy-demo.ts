/**
 * `npm start`: a live tour of switchyard's policy core. It balances simulated
 * requests with every algorithm, shows backups taking over and a consistent
 * ring moving only a removed server's keys. (The HTTP load balancer demo with
 * a stats page replaces this once the HTTP layer lands.)
 */
import { Farm, resolveBalance, type BalanceOptions, type ServerView } from '../lib/index.js'

function farmWith(balance: BalanceOptions, weights: number[], backups: number[] = []): Farm {
  const farm = new Farm({ balance: resolveBalance(balance), random: Math.random })
  weights.forEach((weight, i) => farm.add({ name: `s${i + 1}`, address: `127.0.0.1:${8001 + i}`, weight }))
  backups.forEach((weight, i) => farm.add({ name: `b${i + 1}`, address: `127.0.0.1:${9001 + i}`, weight, backup: true }))
  return farm
}

const line = (farm: Farm, n: number, request = {}): string =>
  Array.from({ length: n }, () => farm.pick(request)?.name ?? '<NOSRV>').join(' ')

console.log('switchyard policy demo: HAProxy 2.6 balancing, pick for pick\n')

console.log('roundrobin, weights 1,2,3,4 (HAProxy: s4 s3 s4 s2 s3 s4 s1 s4 s3 s2):')
console.log('  ' + line(farmWith('roundrobin', [1, 2, 3, 4]), 10))

console.log('static-rr, weights 1,2,3,4 (HAProxy table: s1 s2 s4 s3 s4 s2 s3 s4 s3 s4):')
console.log('  ' + line(farmWith('static-rr', [1, 2, 3, 4]), 10))

const lc = farmWith('leastconn', [1, 2])
const held: ServerView[] = []
for (let i = 0; i < 6; i++) {
  const s = lc.pick({})!
  lc.take(s)
  held.push(s)
}
console.log('leastconn, weights 1,2, six concurrent requests (HAProxy: s1 s2 s2 s2 s1 s2):')
console.log('  ' + held.map((s) => s.name).join(' '))

const uri = farmWith({ algorithm: 'uri', hashType: 'consistent' }, [1, 1, 1])
const paths = ['/', '/index.html', '/a', '/b', '/c', '/images/logo.png', '/api/v1/users?id=5', '/api/v2/orders', '/static/app.js', '/login']
console.log('balance uri, consistent (sdbm + avalanche), 3 servers:')
console.log('  ' + paths.map((p) => `${p}→${uri.pick({ uri: p })!.name}`).join('  '))
uri.setAdmin(uri.get('s2')!, 'maint')
console.log('  s2 in maintenance, only its keys move:')
console.log('  ' + paths.map((p) => `${p}→${uri.pick({ uri: p })!.name}`).join('  '))

const backups = farmWith('roundrobin', [1, 1], [1, 2])
console.log('backups: actives first, then only the first usable backup:')
console.log('  both actives up:   ' + line(backups, 4))
backups.setOperational(backups.get('s1')!, 'down')
backups.setOperational(backups.get('s2')!, 'down')
console.log('  both actives down: ' + line(backups, 4))
backups.setAdmin(backups.get('b1')!, 'maint')
console.log('  b1 in maintenance: ' + line(backups, 4))
backups.setAdmin(backups.get('b2')!, 'maint')
console.log('  nothing usable:    ' + line(backups, 2))

console.log('\nNext: `npm test` runs the suite; `npm run bench -- pick` measures picks per second.')
