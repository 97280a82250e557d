import t from 'tap'
import { createAgentProbe } from '../../lib/health/agent-check.js'
import { closedPort, probeContext, rawServer } from '../fixtures/net.js'

t.test('reads one line from the agent', async (t) => {
  const agent = await rawServer((socket) => socket.write('up 75%\nignored\n'))
  t.teardown(agent.close)
  const context = probeContext()
  t.same(await createAgentProbe({ target: { host: '127.0.0.1', port: agent.port } })(context), { status: 'CHECKED', reply: 'up 75%\nignored\n' })
  t.same(context.stages, ['response'])
})

t.test('agent-send is sent verbatim; the line may come in pieces and end with CR', async (t) => {
  const agent = await rawServer((socket) => {
    socket.once('data', (chunk) => {
      socket.write(String(chunk).trim() === 'hello agent' ? 'dra' : 'fail')
      setImmediate(() => socket.write('in\r'))
    })
  })
  t.teardown(agent.close)
  t.same(await createAgentProbe({ target: { host: '127.0.0.1', port: agent.port }, send: 'hello agent\n' })(probeContext()), { status: 'CHECKED', reply: 'drain\r' })
  t.equal(String(agent.received[0]), 'hello agent\n')
})

t.test('an agent closing before the line end: the text without it (the parser ignores it)', async (t) => {
  const agent = await rawServer((socket) => socket.end('up'))
  t.teardown(agent.close)
  t.same(await createAgentProbe({ target: { host: '127.0.0.1', port: agent.port }, send: '' })(probeContext()), { status: 'CHECKED', reply: 'up' })
})

t.test('a reply without line end is cut at the size limit', async (t) => {
  const agent = await rawServer((socket) => socket.write('x'.repeat(100)))
  t.teardown(agent.close)
  t.same(await createAgentProbe({ target: { host: '127.0.0.1', port: agent.port }, maxReply: 10 })(probeContext()), { status: 'CHECKED', reply: 'x'.repeat(10) })
})

t.test('refused', async (t) => {
  const port = await closedPort()
  t.same(await createAgentProbe({ target: { host: '127.0.0.1', port } })(probeContext()), { status: 'L4CON', message: 'Connection refused' })
})
