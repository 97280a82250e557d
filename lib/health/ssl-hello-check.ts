/**
 * The SSL hello check for TCP-mode servers (I/O adapter): send a TLS
 * ClientHello on a plain TCP connection and require a TLS record back,
 * without doing any TLS (§5.7; HAProxy `option ssl-hello-chk`).
 *
 * HAProxy forges an SSLv3 ClientHello and accepts an answer whose first byte
 * is a TLS handshake (0x16) or alert (0x15) record, once 5 bytes arrived
 * (L6OK; anything else L6RSP, no answer in time L6TOUT). Modern TLS stacks
 * refuse SSLv3 and only answer an alert, so switchyard sends a TLS 1.2
 * ClientHello that they answer with a real ServerHello, and keeps HAProxy's
 * acceptance rule.
 */
import type { Socket } from 'node:net'
import { socketCheck, type SocketExchange, type SocketReader } from './socket-check.js'
import type { CheckTarget, Probe, ProbeResult } from './types.js'

/** What an SSL hello check connects to. */
export interface SslHelloOptions {
  readonly target: CheckTarget
}

function u16(value: number): number[] {
  return [(value >> 8) & 0xff, value & 0xff]
}

function u24(value: number): number[] {
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]
}

function extension(type: number, body: readonly number[]): number[] {
  return [...u16(type), ...u16(body.length), ...body]
}

function list16(values: readonly number[]): number[] {
  const bytes = values.flatMap(u16)
  return [...u16(bytes.length), ...bytes]
}

/** ECDHE/RSA suites with AES-GCM, ChaCha20 and AES-CBC, then the renegotiation SCSV. */
const CIPHERS = [0xc02f, 0xc030, 0xc02b, 0xc02c, 0xcca8, 0xcca9, 0x009c, 0x009d, 0xc013, 0xc014, 0x002f, 0x0035, 0x000a, 0x00ff]
/** x25519, secp256r1, secp384r1. */
const GROUPS = [0x001d, 0x0017, 0x0018]
/** RSA-PSS, RSA PKCS#1 and ECDSA with SHA-256/384/512, then SHA-1. */
const SIGNATURES = [0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0603, 0x0201, 0x0203]

/** The ClientHello the check sends (TLS 1.2; constant, so built once). */
export const CLIENT_HELLO: Buffer = (() => {
  const random = Buffer.from('switchyard ssl-hello-chk random!', 'latin1')
  const extensions = [
    ...extension(0x000a, list16(GROUPS)),
    ...extension(0x000b, [1, 0]),
    ...extension(0x000d, list16(SIGNATURES)),
  ]
  const hello = [0x03, 0x03, ...random, 0, ...list16(CIPHERS), 1, 0, ...u16(extensions.length), ...extensions]
  const handshake = [0x01, ...u24(hello.length), ...hello]
  return Buffer.from([0x16, 0x03, 0x01, ...u16(handshake.length), ...handshake])
})()

const HANDSHAKE = 0x16
const ALERT = 0x15
const SERVER_HELLO = 0x02
/** Bytes needed before judging (HAProxy `min-recv 5`: one record header). */
const MIN_RECV = 5

/** Reads the first bytes of the answer. */
class HelloReader implements SocketReader {
  #data: Buffer = Buffer.alloc(0)

  data(chunk: Buffer): ProbeResult | undefined {
    this.#data = Buffer.concat([this.#data, chunk])
    const data = this.#data
    if (data.length < MIN_RECV) return undefined
    if (data[0] === HANDSHAKE) {
      return { status: 'L6OK', message: data.length > MIN_RECV && data[MIN_RECV] === SERVER_HELLO ? 'ServerHello received' : 'TLS handshake record received' }
    }
    if (data[0] === ALERT) return { status: 'L6OK', message: 'TLS alert received' }
    return { status: 'L6RSP', message: 'Not a TLS response' }
  }

  ended(): ProbeResult {
    return { status: 'L6RSP', message: 'Connection closed before a TLS response' }
  }
}

const EXCHANGE: SocketExchange = {
  stage: 'handshake',
  opened(socket: Socket) {
    socket.write(CLIENT_HELLO)
    return new HelloReader()
  },
}

/**
 * A probe that sends a TLS ClientHello and requires a TLS record back.
 * HAProxy: `option ssl-hello-chk`
 */
export function createSslHelloProbe(options: SslHelloOptions): Probe {
  const { target } = options
  return (context) => socketCheck(context, target, undefined, EXCHANGE)
}
