import t from 'tap'
import { parseInteger, parseSize, parseTime } from '../../../lib/config/haproxy/units.js'
import { expectConfigError } from '../../fixtures/config.js'

const at = { file: 't.cfg', line: 3 }

t.test('times: ms by default, us ms s m h d', async (t) => {
  const table: Array<[string, number]> = [
    ['2000', 2000],
    ['0', 0],
    ['100ms', 100],
    ['5s', 5000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1500us', 2],
    ['1000us', 1],
    ['24d', 2_073_600_000],
  ]
  for (const [text, ms] of table) t.equal(parseTime(text, at, 'timeout client'), ms, text)
})

t.test('bad times', async (t) => {
  expectConfigError(t, () => parseTime('5x', at, 'timeout client'), 3, 'timeout client', /expected a time like `5s`, `100ms` or `2000` \(ms\), got `5x`/)
  expectConfigError(t, () => parseTime('-1', at, 'inter'), 3, 'inter', /got `-1`/)
  expectConfigError(t, () => parseTime('1.5s', at, 'inter'), 3, 'inter', /got `1.5s`/)
  expectConfigError(t, () => parseTime(undefined, at, 'inter'), 3, 'inter', /got nothing/)
  expectConfigError(t, () => parseTime('25d', at, 'timeout server'), 3, 'timeout server', /too large \(at most 2147483647 ms/)
})

t.test('sizes', async (t) => {
  const table: Array<[string, number]> = [
    ['16384', 16384],
    ['16k', 16384],
    ['16K', 16384],
    ['1m', 1_048_576],
    ['1g', 1_073_741_824],
  ]
  for (const [text, n] of table) t.equal(parseSize(text, at, 'tune.bufsize'), n, text)
  expectConfigError(t, () => parseSize('16kb', at, 'tune.bufsize'), 3, 'tune.bufsize', /expected a size like `16k` or `16384`, got `16kb`/)
  expectConfigError(t, () => parseSize(undefined, at, 'tune.bufsize'), 3, 'tune.bufsize', /got nothing/)
})

t.test('integers and ranges', async (t) => {
  t.equal(parseInteger('42', at, 'weight', 0, 256), 42)
  t.equal(parseInteger('-1', at, 'option redispatch', -5), -1)
  t.equal(parseInteger('7', at, 'retries'), 7)
  expectConfigError(t, () => parseInteger('257', at, 'weight', 0, 256), 3, 'weight', /expected an integer 0\.\.256, got `257`/)
  expectConfigError(t, () => parseInteger('0', at, 'id', 1), 3, 'id', /expected an integer ≥ 1, got `0`/)
  expectConfigError(t, () => parseInteger('x', at, 'maxconn'), 3, 'maxconn', /got `x`/)
  expectConfigError(t, () => parseInteger(undefined, at, 'maxconn'), 3, 'maxconn', /got nothing/)
})
