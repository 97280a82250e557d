/**
 * Compile-only checks (tsc, not tap): a Backend (or a createProxy backend) is a TCP lease source, the
 * handler is a `net.Server` connection listener, and the option types refuse
 * common mistakes.
 */
import { createServer } from 'node:net'
import { Backend, createProxy, createTcpHandler, defaultDeps, type TcpHandlerOptions, type TcpLeaseSource, type TcpTermination } from '../../lib/index.js'

const backend = new Backend('be', { balance: { algorithm: 'roundrobin' } }, defaultDeps())
export const source: TcpLeaseSource = backend
export const server = createServer(createTcpHandler(backend))
// A createProxy backend is one too.
export const proxied: TcpLeaseSource = createProxy().addBackend('db')

export const ok: TcpHandlerOptions[] = [
  { redispatch: true, retries: 2, server: { sendProxy: 'v2', source: '10.0.0.1' } },
  { redispatch: -1, servers: { s1: { sendProxy: false } }, monitorNet: ['10.0.0.0/8'] },
]

export const bad: TcpHandlerOptions[] = [
  // @ts-expect-error sendProxy is 'v1', 'v2' or false
  { server: { sendProxy: true } },
  // @ts-expect-error timeouts are numbers of milliseconds
  { timeouts: { connect: '5s' } },
  // @ts-expect-error a typo is not an option
  { timeout: { connect: 5000 } },
]

// @ts-expect-error terminations are HAProxy's two-character states
export const state: TcpTermination = 'XX'
