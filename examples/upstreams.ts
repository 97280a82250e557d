import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** Starts small demo servers on 127.0.0.1 (unref'd); resolves with their addresses. */
export function startUpstreams(names: readonly string[], delayMs = 0): Promise<string[]> {
  return Promise.all(
    names.map(
      (name) =>
        new Promise<string>((resolve) => {
          const server = http.createServer((req, res) => {
            setTimeout(() => {
              res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': name })
              res.end(`${name}: ${req.method} ${req.url}\n`)
            }, delayMs)
          })
          server.listen(0, '127.0.0.1', () => {
            server.unref()
            resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
          })
        }),
    ),
  )
}
