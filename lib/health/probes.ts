/**
 * Builds the probe of a server's check or agent from resolved options and the
 * server's address.
 */
import { createAgentProbe } from './agent-check.js'
import { createHttpProbe } from './http-check.js'
import type { ResolvedAgent, ResolvedCheck } from './options.js'
import { createSslHelloProbe } from './ssl-hello-check.js'
import { resolveTarget } from './target.js'
import { createTcpProbe } from './tcp-check.js'
import type { CheckTlsOptions, Probe } from './types.js'

/**
 * The probe of a regular check: the custom one, else TCP, HTTP(S) or SSL
 * hello towards the server (or `addr`/`port`). An `https://` server is checked
 * over TLS unless `tls` says otherwise or `addr`/`port` redirect the check.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an address without host or port, or an invalid `expect`
 */
export function checkProbe(check: ResolvedCheck, address: string): Probe {
  if (check.probe !== undefined) return check.probe
  const target = resolveTarget(address, check.addr, check.port)
  const redirected = check.addr !== undefined || check.port !== undefined
  const tls: CheckTlsOptions | undefined =
    check.tls === undefined ? (target.secure && !redirected ? {} : undefined) : check.tls === true ? {} : check.tls === false ? undefined : check.tls
  if (check.type === 'ssl-hello') return createSslHelloProbe({ target })
  if (check.type === 'tcp') return createTcpProbe({ target, tls })
  // check.http is resolved whenever the type is http.
  return createHttpProbe({ target, tls, ...check.http! })
}

/**
 * The probe of an agent check: the custom one, else a line read from the
 * agent's port on `addr` or the server's host.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an address without host
 */
export function agentProbe(agent: ResolvedAgent, address: string): Probe {
  if (agent.probe !== undefined) return agent.probe
  // resolveServerHealth guarantees a port when there is no custom probe.
  const target = resolveTarget(address, agent.addr, agent.port!)
  return createAgentProbe({ target, send: agent.send })
}
