import t from 'tap'
import { dynamicCookie } from '../../lib/persist/dynamic-cookie.js'

// Reference values: §4.6 gives the first two, verified against HAProxy. The
// others were computed with the system's libxxhash 0.8.1 over
// key ‖ inet_pton(address) ‖ port as 4 bytes big-endian (Python ctypes).
t.test('§4.6 verified values', async (t) => {
  t.equal(dynamicCookie('MySecret', '127.0.0.1:9001'), '57c93b266778480b')
  t.equal(dynamicCookie('MySecret', '127.0.0.1:9002'), '0b60a3e078e4927e')
})

t.test('IPv6, URLs, UTF-8 keys, empty key, port 0', async (t) => {
  t.equal(dynamicCookie('MySecret', '[::1]:80'), '516a64703faa122b')
  t.equal(dynamicCookie('MySecret', 'http://[::1]/'), '516a64703faa122b', 'default port of http')
  t.equal(dynamicCookie('MySecret', 'http://127.0.0.1:9002/app'), '0b60a3e078e4927e')
  t.equal(dynamicCookie('k', '[2001:db8::8a2e:370:7334]:443'), 'b3b4c88992eb15d3')
  t.equal(dynamicCookie('', '10.0.0.1'), 'a74e8e6ce642fad4')
  t.equal(dynamicCookie('clé', '192.168.1.11:80'), '5706e53d9cb55cd5', 'the key is hashed as UTF-8')
})

t.test('16 lower-case hex digits, different per port', async (t) => {
  const values = new Set<string>()
  for (let port = 1; port <= 200; port++) {
    const v = dynamicCookie('key', `10.1.2.3:${port}`)!
    t.match(v, /^[0-9a-f]{16}$/)
    values.add(v)
  }
  t.equal(values.size, 200)
})

t.test('named servers get no dynamic cookie', async (t) => {
  t.equal(dynamicCookie('MySecret', 'backend.local:80'), undefined)
  t.equal(dynamicCookie('MySecret', 'http://app:8080/'), undefined)
})
