import t from 'tap'
import { barChart, escapeXml, formatNumber, lineChart } from '../../lib/sim/svg.js'

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0
}

t.test('escaping and number labels', (t) => {
  t.equal(escapeXml('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;')
  const rows: Array<[number, string]> = [
    [0, '0'],
    [2_500_000, '2.5M'],
    [12_000, '12k'],
    [20_000, '20k'],
    [250, '250'],
    [12.5, '12.5'],
    [3, '3'],
    [0.25, '0.25'],
    [0.000123, '0.00012'],
    [-1500, '-1500'],
  ]
  for (const [value, text] of rows) t.equal(formatNumber(value), text, String(value))
  t.end()
})

t.test('line chart: one path per series, legend, linear and log axes, steps', (t) => {
  const svg = lineChart({
    title: 'Queue <depth>',
    xLabel: 'time (ms)',
    yLabel: 'requests',
    series: [
      { name: 'backend', points: [[0, 0], [10, 5], [20, 2]] },
      { name: 'empty', points: [] },
    ],
    step: true,
  })
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
  t.match(svg, /Queue &lt;depth&gt;/)
  t.equal(count(svg, /<path /g), 1)
  t.match(svg, /d="M70 350H[\d.]+V/)
  t.match(svg, />backend</)
  t.match(svg, />empty</)
  const log = lineChart({ title: 'cdf', xLabel: 'ms', yLabel: 'q', series: [{ name: 'x', points: [[0, 0], [1, 0.5], [1000, 1]] }], logX: true })
  for (const tick of ['>1<', '>10<', '>100<', '>1000<']) t.ok(log.includes(tick), `log tick ${tick}`)
  t.match(log, /L/)
  const none = lineChart({ title: 'none', xLabel: 'x', yLabel: 'y', series: [] })
  t.notMatch(none, /<path/)
  const onlyZero = lineChart({ title: 'zero', xLabel: 'x', yLabel: 'y', series: [{ name: 'z', points: [[0, 0]] }], logX: true })
  t.match(onlyZero, /<path/)
  t.end()
})

t.test('bar chart: one rect per value, value labels, log scale with empty bars', (t) => {
  const svg = barChart({
    title: 'p99',
    yLabel: 'ms',
    categories: ['rr', 'lc'],
    series: [
      { name: 'p50', values: [1, 10] },
      { name: 'p99', values: [100, 0] },
    ],
    logY: true,
  })
  // 4 bars + 2 legend swatches + background + plot frame.
  t.equal(count(svg, /<rect /g), 8)
  t.match(svg, />100</)
  const linear = barChart({ title: 'n', yLabel: 'n', categories: ['a'], series: [{ name: 'x', values: [] }] })
  t.match(linear, />0</)
  const many = barChart({ title: 'n', yLabel: 'n', categories: Array.from({ length: 12 }, (_, i) => `c${i}`), series: [1, 2, 3].map((i) => ({ name: `s${i}`, values: [i] })) })
  t.notMatch(many, /font-size="9"/, 'no value labels on narrow bars')
  const allZero = barChart({ title: 'z', yLabel: 'z', categories: ['a'], series: [{ name: 'x', values: [0] }], logY: true })
  t.match(allZero, /<svg/)
  t.end()
})
