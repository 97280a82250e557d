import type { IncomingMessage } from 'node:http'
import { PassThrough, type Readable } from 'node:stream'
import t from 'tap'
import { RequestBody } from '../../lib/adapters/request-body.js'

function fakeReq(): PassThrough {
  return new PassThrough()
}

function listener(): { events: string[]; bodyStalled(): void; bodyFlowing(): void } {
  const events: string[] = []
  return { events, bodyStalled: () => events.push('stalled'), bodyFlowing: () => events.push('flowing') }
}

async function drain(stream: Readable, max = Infinity): Promise<string> {
  let text = ''
  for await (const chunk of stream) {
    text += (chunk as Buffer).toString()
    if (text.length >= max) break
  }
  return text
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

t.test('streams the body; nothing is read before the transport asks', async (t) => {
  const req = fakeReq()
  const l = listener()
  const body = new RequestBody(req as unknown as IncomingMessage, 100, l)
  req.write('abc')
  await tick()
  t.equal(body.bytesRead, 0)
  const stream = body.forAttempt() as Readable
  const text = drain(stream)
  req.write('def')
  req.end()
  t.equal(await text, 'abcdef')
  t.equal(body.bytesRead, 6)
  t.ok(body.complete)
  t.ok(body.replayable)
  t.equal(body.failure, undefined)
  t.same((body.forAttempt() as Buffer).toString(), 'abcdef', 'complete and kept: replayed as a Buffer')
})

t.test('a retry replays the kept bytes, then continues with the rest', async (t) => {
  const req = fakeReq()
  const body = new RequestBody(req as unknown as IncomingMessage, 100, listener())
  const first = body.forAttempt() as Readable
  req.write('12345')
  await drain(first, 5)
  t.equal(body.bytesRead, 5)
  const second = body.forAttempt() as Readable
  t.ok(first.destroyed, 'the previous attempt stream is destroyed')
  const text = drain(second)
  req.end('678')
  t.equal(await text, '12345678')
})

t.test('past the limit, nothing is kept: not replayable once bytes were read', async (t) => {
  const req = fakeReq()
  const body = new RequestBody(req as unknown as IncomingMessage, 4, listener())
  t.ok(body.replayable, 'nothing read yet')
  const stream = body.forAttempt() as Readable
  const text = drain(stream)
  req.write('123')
  await tick()
  t.ok(body.replayable)
  req.end('45')
  t.equal(await text, '12345')
  t.notOk(body.replayable)
})

t.test('limit 0 keeps nothing', async (t) => {
  const req = fakeReq()
  const body = new RequestBody(req as unknown as IncomingMessage, 0, listener())
  const text = drain(body.forAttempt() as Readable)
  req.end('x')
  t.equal(await text, 'x')
  t.notOk(body.replayable)
})

t.test('stall and flow notifications', async (t) => {
  const req = fakeReq()
  const l = listener()
  const body = new RequestBody(req as unknown as IncomingMessage, 100, l)
  const stream = body.forAttempt() as Readable
  const text = drain(stream)
  await tick()
  t.ok(body.stalled)
  t.same(l.events, ['stalled'])
  req.write('a')
  await tick()
  t.same(l.events, ['stalled', 'flowing', 'stalled'])
  req.end()
  t.equal(await text, 'a')
  t.same(l.events, ['stalled', 'flowing', 'stalled', 'flowing'])
  t.notOk(body.stalled)
})

t.test('a client error fails the attempt stream', async (t) => {
  const req = fakeReq()
  const body = new RequestBody(req as unknown as IncomingMessage, 100, listener())
  const stream = body.forAttempt() as Readable
  const failed = new Promise<Error>((resolve) => stream.on('error', resolve))
  stream.resume()
  await tick()
  const err = new Error('aborted')
  req.destroy(err)
  t.equal(await failed, err)
  t.equal(body.failure, err)
})

t.test('endAttempt stops feeding; detach drains the rest to nowhere', async (t) => {
  const req = fakeReq()
  const body = new RequestBody(req as unknown as IncomingMessage, 100, listener())
  const stream = body.forAttempt() as Readable
  stream.resume()
  req.write('a')
  await tick()
  body.endAttempt()
  t.ok(stream.destroyed)
  req.write('b')
  await tick()
  t.equal(body.bytesRead, 1, 'no attempt: bytes wait in the client request')
  body.detach()
  t.notOk(body.stalled)
  const ended = new Promise((resolve) => req.on('end', resolve))
  req.end('c')
  await ended
  t.equal(body.bytesRead, 1)
  body.detach()
})

t.test('detach before any read resumes the request', async (t) => {
  const req = fakeReq()
  const body = new RequestBody(req as unknown as IncomingMessage, 100, listener())
  body.detach()
  const ended = new Promise((resolve) => req.on('end', resolve))
  req.end('zzz')
  await ended
  t.equal(body.bytesRead, 0)
})

t.test('a stale attempt stream pumping is ignored', async (t) => {
  const req = fakeReq()
  const body = new RequestBody(req as unknown as IncomingMessage, 100, listener())
  const stale = body.forAttempt() as Readable
  body.endAttempt()
  body.pump(stale as never)
  t.equal(body.bytesRead, 0)
})

t.test('replay respects backpressure of the new attempt', async (t) => {
  const req = fakeReq()
  const body = new RequestBody(req as unknown as IncomingMessage, 1 << 20, listener())
  const first = body.forAttempt() as Readable
  const chunk = Buffer.alloc(10_000, 'x')
  for (let i = 0; i < 5; i++) req.write(chunk)
  await drain(first, 50_000)
  const second = body.forAttempt() as Readable
  const text = drain(second)
  req.end()
  t.equal((await text).length, 50_000)
})
