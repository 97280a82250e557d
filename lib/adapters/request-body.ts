/**
 * A client's request body as the transport reads it, attempt after attempt.
 *
 * Nothing is read from the client before a server connection is established
 * (undici pulls the body only once it writes the request), so a connection
 * failure can always be retried: the body is still in the client socket.
 * While bytes flow, the first `limit` bytes are kept (references to the chunks,
 * no copy); a later attempt replays them and continues with the rest. Past
 * `limit`, the copy is dropped and the body can no longer be replayed once
 * some of it was sent. Bounded memory: at most `limit` bytes per request.
 *
 * Each attempt gets its own stream, so the transport destroying it on failure
 * never destroys the client request.
 */
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'

/** Flow notifications, to run `timeout client` only while the client is expected to send. */
export interface BodyFlowListener {
  /** The transport wants bytes and the client has none buffered. */
  bodyStalled(): void
  /** Bytes arrived (or the body ended) after a stall. */
  bodyFlowing(): void
}

class AttemptBody extends Readable {
  /** Next retained chunk to replay into this stream. */
  replayed = 0
  readonly #owner: RequestBody

  constructor(owner: RequestBody) {
    super()
    this.#owner = owner
  }

  override _read(): void {
    this.#owner.pump(this)
  }
}

/** The body of one client request (only created for requests that have one). */
export class RequestBody {
  readonly #req: IncomingMessage
  readonly #limit: number
  readonly #listener: BodyFlowListener
  /** Chunks read so far, while they fit in `limit`; `null` once dropped. */
  #kept: Buffer[] | null = []
  #keptBytes = 0
  #bytes = 0
  #ended = false
  #failure: Error | undefined = undefined
  #current: AttemptBody | undefined = undefined
  #stalled = false
  #listening = false

  /**
   * @param limit bytes kept for replays; 0 keeps nothing (when no retry can happen)
   */
  constructor(req: IncomingMessage, limit: number, listener: BodyFlowListener) {
    this.#req = req
    this.#limit = limit
    this.#listener = listener
  }

  /** Bytes read from the client so far. */
  get bytesRead(): number {
    return this.#bytes
  }

  /** True once the client's body ended. */
  get complete(): boolean {
    return this.#ended
  }

  /** True while the whole body, as read so far, can be sent again. */
  get replayable(): boolean {
    return this.#kept !== null || this.#bytes === 0
  }

  /** True while the transport waits for client bytes. */
  get stalled(): boolean {
    return this.#stalled
  }

  /** The error the client request failed with (an abort mid-upload), if any. */
  get failure(): Error | undefined {
    return this.#failure
  }

  /**
   * The body for a new attempt: a Buffer when the whole body is in memory, else a
   * stream replaying the kept bytes then reading on. The previous attempt's stream
   * stops receiving data. Only call while {@link replayable}.
   */
  forAttempt(): Buffer | Readable {
    this.endAttempt()
    if (this.#ended && this.#kept !== null) return Buffer.concat(this.#kept, this.#keptBytes)
    const stream = new AttemptBody(this)
    this.#current = stream
    return stream
  }

  /** The current attempt ended: its stream gets no more bytes (they wait for the next attempt). */
  endAttempt(): void {
    const current = this.#current
    this.#current = undefined
    current?.destroy()
  }

  /**
   * The exchange ended: stop listening and let the rest of the body drain to
   * nowhere (what Node does for an unread body), so that the client connection
   * can carry its next request.
   */
  detach(): void {
    this.endAttempt()
    this.#stalled = false
    if (this.#listening) {
      this.#req.off('readable', this.#onReadable)
      this.#req.off('end', this.#onEnd)
      this.#req.off('error', this.#onError)
    }
    if (!this.#ended) this.#req.resume()
  }

  /** Moves bytes into `stream` until it is full or the client has none. */
  pump(stream: AttemptBody): void {
    if (stream !== this.#current) return
    if (!this.#listening) {
      this.#listening = true
      this.#req.on('readable', this.#onReadable)
      this.#req.on('end', this.#onEnd)
      this.#req.on('error', this.#onError)
    }
    const kept = this.#kept
    if (kept !== null) {
      while (stream.replayed < kept.length) {
        if (!stream.push(kept[stream.replayed++])) return
      }
    }
    for (;;) {
      if (this.#failure !== undefined) {
        stream.destroy(this.#failure)
        return
      }
      const chunk = this.#req.read() as Buffer | null
      if (chunk === null) {
        if (this.#ended) {
          this.#setStalled(false)
          stream.push(null)
        } else {
          this.#setStalled(true)
        }
        return
      }
      this.#setStalled(false)
      this.#bytes += chunk.length
      if (this.#kept !== null) {
        if (this.#keptBytes + chunk.length <= this.#limit) {
          this.#kept.push(chunk)
          this.#keptBytes += chunk.length
          stream.replayed = this.#kept.length
        } else {
          this.#kept = null
          this.#keptBytes = 0
        }
      }
      if (!stream.push(chunk)) return
    }
  }

  #setStalled(stalled: boolean): void {
    if (stalled === this.#stalled) return
    this.#stalled = stalled
    if (stalled) this.#listener.bodyStalled()
    else this.#listener.bodyFlowing()
  }

  readonly #onReadable = (): void => {
    if (this.#current !== undefined) this.pump(this.#current)
  }

  readonly #onEnd = (): void => {
    this.#ended = true
    if (this.#current !== undefined) this.pump(this.#current)
  }

  readonly #onError = (err: Error): void => {
    this.#failure = err
    if (this.#current !== undefined) this.pump(this.#current)
  }
}
