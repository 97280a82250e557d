import t from 'tap'
import { createServer as createHttpsServer } from 'node:https'
import { resolveServerHealth, type CheckOptions } from '../../lib/health/options.js'
import { agentProbe, checkProbe } from '../../lib/health/probes.js'
import type { Probe } from '../../lib/health/types.js'
import { close, listen, probeContext, rawServer, selfSigned } from '../fixtures/net.js'

function check(options: CheckOptions) {
  return resolveServerHealth({ check: options }).check!
}

t.test('the probe follows the check type and the server address', async (t) => {
  const { key, cert } = selfSigned()
  const https = createHttpsServer({ key, cert }, (_req, res) => res.end('ok'))
  const port = await listen(https)
  t.teardown(() => close(https))
  const plain = await rawServer((socket) => socket.end('HTTP/1.0 200 OK\r\n\r\n'))
  t.teardown(plain.close)
  const address = `https://127.0.0.1:${port}`
  const run = (probe: Probe) => probe(probeContext())
  t.same(await run(checkProbe(check({ tls: { ca: cert } }), address)), { status: 'L6OK', message: 'Layer6 check passed' }, 'tcp over TLS: explicit options')
  t.equal((await run(checkProbe(check({}), address))).status, 'L6RSP', 'an https address implies TLS (untrusted here)')
  t.equal((await run(checkProbe(check({ tls: true }), address))).status, 'L6RSP', 'tls: true')
  t.same(await run(checkProbe(check({ tls: false }), address)), { status: 'L4OK', message: 'Layer4 check passed' }, 'tls: false')
  t.same(await run(checkProbe(check({ port }), address)), { status: 'L4OK', message: 'Layer4 check passed' }, 'redirected with port: no TLS unless asked')
  t.same(await run(checkProbe(check({ type: 'ssl-hello' }), address)), { status: 'L6OK', message: 'ServerHello received' })
  t.same(await run(checkProbe(check({ http: { path: '/' }, tls: { ca: cert } }), address)), { status: 'L7OK', code: 200, message: '200 OK' })
  t.same(await run(checkProbe(check({ type: 'http' }), `127.0.0.1:${plain.port}`)), { status: 'L7OK', code: 200, message: '200 OK' })
  t.same(await run(checkProbe(check({ type: 'http', addr: '127.0.0.1', port: plain.port }), 'https://unused.invalid:1')), { status: 'L7OK', code: 200, message: '200 OK' }, 'addr and port')
  const custom: Probe = () => ({ status: 'L7OK' })
  t.equal(checkProbe(check({ probe: custom }), 'not an address'), custom)
})

t.test('agent probes', async (t) => {
  const agent = await rawServer((socket) => socket.end('up\n'))
  t.teardown(agent.close)
  const resolved = resolveServerHealth({ agent: { port: agent.port } }).agent!
  t.same(await agentProbe(resolved, 'http://127.0.0.1:1')(probeContext()), { status: 'CHECKED', reply: 'up\n' })
  const redirected = resolveServerHealth({ agent: { port: agent.port, addr: '127.0.0.1' } }).agent!
  t.same(await agentProbe(redirected, 'http://unused.invalid')(probeContext()), { status: 'CHECKED', reply: 'up\n' })
  const custom: Probe = () => ({ status: 'CHECKED', reply: 'down\n' })
  t.equal(agentProbe(resolveServerHealth({ agent: { probe: custom } }).agent!, 'x'), custom)
})
