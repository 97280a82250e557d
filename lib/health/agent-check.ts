/**
 * The agent check (I/O adapter): connect to the agent's port, send
 * `agent-send` if configured, read one line (§5.10). The line is parsed by
 * agent.ts; this adapter only moves bytes. A connection failure or timeout is
 * reported (L4CON / L4TOUT / L7TOUT) but never marks the server down.
 * HAProxy: `agent-check`, `agent-port`, `agent-addr`, `agent-send`
 */
import type { Socket } from 'node:net'
import { DEFAULT_CHECK_BUFFER_SIZE } from '../options/defaults.js'
import { socketCheck, type SocketExchange, type SocketReader } from './socket-check.js'
import type { CheckTarget, Probe, ProbeResult } from './types.js'

/** Where the agent listens and what to tell it. */
export interface AgentProbeOptions {
  readonly target: CheckTarget
  /** Sent verbatim once connected. HAProxy: `agent-send`. */
  readonly send?: string | undefined
  /** Bytes read at most while waiting for the line end. @default 16384 */
  readonly maxReply?: number | undefined
}

/** Collects bytes up to the first line end (CR or LF), the close, or the size limit. */
class LineReader implements SocketReader {
  readonly #max: number
  #text = ''

  constructor(max: number) {
    this.#max = max
  }

  data(chunk: Buffer): ProbeResult | undefined {
    this.#text += chunk.toString('latin1')
    if (/[\r\n]/.test(this.#text) || this.#text.length >= this.#max) return this.ended()
    return undefined
  }

  ended(): ProbeResult {
    return { status: 'CHECKED', reply: this.#text.slice(0, this.#max) }
  }
}

/**
 * A probe that returns what the agent said (`reply`, status CHECKED); the
 * reply may lack a line end when the agent closed early, which the parser
 * reports as an incomplete line.
 */
export function createAgentProbe(options: AgentProbeOptions): Probe {
  const { target, send } = options
  const max = options.maxReply ?? DEFAULT_CHECK_BUFFER_SIZE
  const exchange: SocketExchange = {
    stage: 'response',
    opened(socket: Socket) {
      if (send !== undefined && send !== '') socket.write(send)
      return new LineReader(max)
    },
  }
  return (context) => socketCheck(context, target, undefined, exchange)
}
