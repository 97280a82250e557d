// Minimal typing for the parts of autocannon 9 the benchmarks use (it ships no types).
declare module 'autocannon' {
  interface Histogram {
    readonly average: number
    readonly mean: number
    readonly p50: number
    readonly p99: number
    readonly total: number
  }
  interface Result {
    readonly requests: Histogram
    readonly latency: Histogram
    readonly throughput: Histogram
    readonly errors: number
    readonly timeouts: number
    readonly non2xx: number
    readonly duration: number
  }
  interface Options {
    url: string
    connections?: number
    pipelining?: number
    duration?: number
    method?: string
    body?: string | Buffer
    headers?: Record<string, string>
  }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
