/**
 * Hand-written SVG charts (no browser, no dependency): line charts and
 * grouped bar charts with linear or logarithmic axes. Output is a string,
 * deterministic for the same input.
 */

/** One line of a line chart. */
export interface LineSeries {
  readonly name: string
  /** Points in x order. */
  readonly points: ReadonlyArray<readonly [number, number]>
}

/** A line chart. */
export interface LineChart {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: readonly LineSeries[]
  /** Logarithmic x axis (values ≤ 0 are clamped to the smallest positive one). */
  readonly logX?: boolean | undefined
  /** Draw steps (value held until the next point) instead of slopes. */
  readonly step?: boolean | undefined
}

/** A grouped bar chart: one group of bars per category, one bar per series. */
export interface BarChart {
  readonly title: string
  readonly yLabel: string
  readonly categories: readonly string[]
  readonly series: ReadonlyArray<{ readonly name: string; readonly values: readonly number[] }>
  /** Logarithmic y axis (values ≤ 0 are drawn as empty bars). */
  readonly logY?: boolean | undefined
}

const WIDTH = 760
const HEIGHT = 400
const LEFT = 70
const RIGHT = 170
const TOP = 40
const BOTTOM = 50
const PLOT_W = WIDTH - LEFT - RIGHT
const PLOT_H = HEIGHT - TOP - BOTTOM

/** Colour-blind-friendly palette (Okabe–Ito), then grey. */
export const PALETTE: readonly string[] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000']

function colour(i: number): string {
  return PALETTE[i % PALETTE.length]!
}

/** Escapes text for SVG content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** A short, stable rendering of a number for labels. */
export function formatNumber(value: number): string {
  if (value === 0) return '0'
  const abs = Math.abs(value)
  if (abs >= 1e6) return `${trim((value / 1e6).toFixed(1))}M`
  if (abs >= 1e4) return `${trim((value / 1e3).toFixed(1))}k`
  if (abs >= 100) return String(Math.round(value))
  if (abs >= 1) return trim(value.toFixed(2))
  return trim(value.toPrecision(2))
}

/** Drops trailing fractional zeros. Only for toFixed(n ≥ 1) / toPrecision output of |x| < 1, which always has a '.'. */
function trim(text: string): string {
  return text.replace(/\.?0+$/, '')
}

/** Coordinates rounded to 0.1 px: small files, stable output. */
function px(value: number): string {
  return trim(value.toFixed(1))
}

/** Maps data values to pixels along one axis. */
interface Scale {
  readonly at: (value: number) => number
  readonly ticks: readonly number[]
}

/** Linear scale over [0 or min, max] with about 5 round ticks. */
function linearScale(min: number, max: number, pixels: number, flip: boolean): Scale {
  const lo = Math.min(0, min)
  let hi = max > lo ? max : lo + 1
  const raw = (hi - lo) / 5
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!
  hi = Math.ceil(hi / step) * step
  const ticks: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step / 1e9; v += step) ticks.push(Number(v.toPrecision(12)))
  const at = (value: number): number => {
    const f = (value - lo) / (hi - lo)
    return flip ? pixels * (1 - f) : pixels * f
  }
  return { at, ticks }
}

/** Log10 scale over the decades covering [min, max] (min > 0). */
function logScale(min: number, max: number, pixels: number, flip: boolean): Scale {
  const lo = Math.floor(Math.log10(min))
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)))
  const ticks: number[] = []
  for (let e = lo; e <= hi; e++) ticks.push(10 ** e)
  const at = (value: number): number => {
    const f = (Math.log10(Math.max(value, 10 ** lo)) - lo) / (hi - lo)
    return flip ? pixels * (1 - f) : pixels * f
  }
  return { at, ticks }
}

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n')
}

function axes(x: Scale | undefined, y: Scale, xLabel: string, yLabel: string): string[] {
  const out: string[] = []
  for (const tick of y.ticks) {
    const ty = TOP + y.at(tick)
    out.push(`<line x1="${LEFT}" y1="${px(ty)}" x2="${LEFT + PLOT_W}" y2="${px(ty)}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${LEFT - 6}" y="${px(ty + 4)}" text-anchor="end">${formatNumber(tick)}</text>`)
  }
  if (x !== undefined) {
    for (const tick of x.ticks) {
      const tx = LEFT + x.at(tick)
      out.push(`<line x1="${px(tx)}" y1="${TOP}" x2="${px(tx)}" y2="${TOP + PLOT_H}" stroke="#f0f0f0"/>`)
      out.push(`<text x="${px(tx)}" y="${TOP + PLOT_H + 16}" text-anchor="middle">${formatNumber(tick)}</text>`)
    }
  }
  out.push(`<rect x="${LEFT}" y="${TOP}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#444"/>`)
  out.push(`<text x="${LEFT + PLOT_W / 2}" y="${HEIGHT - 10}" text-anchor="middle">${escapeXml(xLabel)}</text>`)
  out.push(`<text transform="translate(16 ${TOP + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`)
  return out
}

function legend(names: readonly string[]): string[] {
  return names.map((name, i) => {
    const y = TOP + 10 + i * 18
    const x = LEFT + PLOT_W + 14
    return `<rect x="${x}" y="${y - 9}" width="12" height="12" fill="${colour(i)}"/><text x="${x + 18}" y="${y + 1}">${escapeXml(name)}</text>`
  })
}

/** Renders a line chart. */
export function lineChart(chart: LineChart): string {
  let xMin = Infinity
  let xMax = -Infinity
  let yMax = 0
  let positive = Infinity
  for (const s of chart.series) {
    for (const [x, y] of s.points) {
      xMin = Math.min(xMin, x)
      xMax = Math.max(xMax, x)
      yMax = Math.max(yMax, y)
      if (x > 0) positive = Math.min(positive, x)
    }
  }
  if (xMin === Infinity) {
    xMin = 0
    xMax = 1
  }
  const x = chart.logX === true ? logScale(positive === Infinity ? 1 : positive, Math.max(xMax, positive === Infinity ? 10 : positive), PLOT_W, false) : linearScale(xMin, xMax, PLOT_W, false)
  const y = linearScale(0, yMax, PLOT_H, true)
  const body = axes(x, y, chart.xLabel, chart.yLabel)
  chart.series.forEach((s, i) => {
    const parts: string[] = []
    let previous: number | undefined
    for (const [vx, vy] of s.points) {
      const tx = px(LEFT + x.at(vx))
      const ty = px(TOP + y.at(vy))
      if (parts.length === 0) parts.push(`M${tx} ${ty}`)
      else if (chart.step === true && previous !== undefined) parts.push(`H${tx}V${ty}`)
      else parts.push(`L${tx} ${ty}`)
      previous = vy
    }
    if (parts.length > 0) body.push(`<path d="${parts.join('')}" fill="none" stroke="${colour(i)}" stroke-width="1.6"/>`)
  })
  body.push(...legend(chart.series.map((s) => s.name)))
  return frame(chart.title, body)
}

/** Renders a grouped bar chart, values printed above the bars. */
export function barChart(chart: BarChart): string {
  let yMax = 0
  let positive = Infinity
  for (const s of chart.series) {
    for (const v of s.values) {
      yMax = Math.max(yMax, v)
      if (v > 0) positive = Math.min(positive, v)
    }
  }
  const log = chart.logY === true && positive !== Infinity
  const y = log ? logScale(positive, yMax, PLOT_H, true) : linearScale(0, yMax, PLOT_H, true)
  const body = axes(undefined, y, '', chart.yLabel)
  const groups = chart.categories.length
  const groupW = PLOT_W / Math.max(1, groups)
  const barW = (groupW * 0.8) / Math.max(1, chart.series.length)
  chart.categories.forEach((category, g) => {
    const gx = LEFT + g * groupW
    body.push(`<text x="${px(gx + groupW / 2)}" y="${TOP + PLOT_H + 16}" text-anchor="middle">${escapeXml(category)}</text>`)
    chart.series.forEach((s, i) => {
      const v = s.values[g] ?? 0
      const bx = gx + groupW * 0.1 + i * barW
      const top = log && v <= 0 ? PLOT_H : y.at(v)
      const h = PLOT_H - top
      body.push(`<rect x="${px(bx)}" y="${px(TOP + top)}" width="${px(barW * 0.92)}" height="${px(h)}" fill="${colour(i)}"/>`)
      if (barW >= 18) body.push(`<text x="${px(bx + barW / 2)}" y="${px(TOP + top - 3)}" text-anchor="middle" font-size="9">${formatNumber(v)}</text>`)
    })
  })
  body.push(...legend(chart.series.map((s) => s.name)))
  return frame(chart.title, body)
}
