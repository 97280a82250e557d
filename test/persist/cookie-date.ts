import t from 'tap'
import { cookieDateQuantum, decodeCookieDate, encodeCookieDate } from '../../lib/persist/cookie-date.js'

t.test('§4.5 example: Unix time 1795295801 is written awIKP', async (t) => {
  const q = cookieDateQuantum(1795295801_000)
  t.equal(q, 448823951, 'floor((t + 3) / 4)')
  t.equal(encodeCookieDate(q), 'awIKP')
  t.equal(decodeCookieDate('awIKP', 0), 448823951)
})

t.test('the quantum rounds seconds up to a multiple of 4, ignoring milliseconds', async (t) => {
  // 4q-3 .. 4q all map to q.
  t.same([1795295801, 1795295802, 1795295803, 1795295804, 1795295805].map((s) => cookieDateQuantum(s * 1000)), [448823951, 448823951, 448823951, 448823951, 448823952])
  t.equal(cookieDateQuantum(1795295801_999), 448823951)
  t.equal(cookieDateQuantum(0), 0)
  t.equal(cookieDateQuantum(1000), 1)
})

t.test('MSB first over 30 bits, standard alphabet', async (t) => {
  t.equal(encodeCookieDate(0), 'AAAAA')
  t.equal(encodeCookieDate(1), 'AAAAB')
  t.equal(encodeCookieDate(63), 'AAAA/')
  t.equal(encodeCookieDate(64), 'AAABA')
  t.equal(encodeCookieDate(62), 'AAAA+')
  t.equal(encodeCookieDate(2 ** 30 - 1), '/////')
  t.equal(encodeCookieDate(2 ** 30), 'AAAAA', 'only the low 30 bits are written')
  // A hand-computed value: 26*64^4 + 1*64^3 + 2*64^2 + 3*64 + 4 → 'a' 'B' 'C' 'D' 'E'.
  t.equal(encodeCookieDate(26 * 64 ** 4 + 64 ** 3 + 2 * 64 ** 2 + 3 * 64 + 4), 'aBCDE')
})

t.test('decoding round-trips and rejects what b64tos30 rejects', async (t) => {
  for (const q of [0, 1, 63, 64, 4095, 448823951, 2 ** 30 - 1]) t.equal(decodeCookieDate(encodeCookieDate(q), 0), q)
  t.equal(decodeCookieDate('xxawIKPyy', 2), 448823951, 'at an offset')
  t.equal(decodeCookieDate('awIK=', 0), -1, 'padding is not allowed')
  t.equal(decodeCookieDate('awI|P', 0), -1)
  t.equal(decodeCookieDate('awI P', 0), -1)
  t.equal(decodeCookieDate('awI\u00e9P', 0), -1, 'non-ASCII')
  t.equal(decodeCookieDate('awIK', 0), -1, 'too short')
  t.equal(decodeCookieDate('awIKP', 1), -1, 'runs past the end')
  t.equal(decodeCookieDate('awIKP', -1), -1)
})
