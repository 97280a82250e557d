import t from 'tap'
import { agentDescription, agentMaxconn, agentWeight, parseAgentReply, type AgentReply } from '../../lib/health/agent.js'

function reply(data: string): AgentReply {
  const parsed = parseAgentReply(data)
  if (!parsed.ok) throw new Error(`expected a reply for ${JSON.stringify(data)}, got ${parsed.error}`)
  return parsed.reply
}

t.test('words by category, case-insensitive, last one wins', (t) => {
  t.same(reply('up\n'), { health: 'up', admin: undefined, weight: undefined, maxconn: undefined, description: '', unknown: undefined })
  t.equal(reply('DOWN\r\n').health, 'down')
  t.equal(reply('Stopped\n').health, 'stopped')
  t.equal(reply('fail\n').health, 'fail')
  t.equal(reply('up down\n').health, 'down', 'last health word wins')
  t.equal(reply('drain,ready\n').admin, 'ready', 'commas separate words')
  t.equal(reply('MAINT\n').admin, 'maint')
  t.equal(reply('50%\t75%\n').weight, '75%', 'tabs separate words')
  t.equal(reply('maxconn:5 MAXCONN:30\n').maxconn, '30')
  const all = reply('75%,maxconn:30,maint,down\n')
  t.same([all.health, all.admin, all.weight, all.maxconn], ['down', 'maint', '75%', '30'], 'HAProxy reg-test reply')
  t.same(reply('ready,up,100%\n'), { health: 'up', admin: 'ready', weight: '100%', maxconn: undefined, description: '', unknown: undefined })
  t.end()
})

t.test('the line ends at the first CR or LF; the rest is ignored', (t) => {
  t.equal(reply('up\rdown\n').health, 'up')
  t.equal(reply('drain\nmaint\n').admin, 'drain')
  t.end()
})

t.test('description after a # that starts a word', (t) => {
  const r = reply('down #maintenance window\n')
  t.equal(r.health, 'down')
  t.equal(r.description, 'maintenance window')
  t.equal(reply('down,#\t  backup running\n').description, 'backup running', 'blanks after # are skipped')
  t.equal(reply('up # \n').description, '')
  t.end()
})

t.test('§15.9 quirks', (t) => {
  t.same(parseAgentReply('down#maintenance window\n'), { ok: false, error: 'agent reports an error : down#maintenance' }, 'down#reason is one unknown word: ignored')
  t.same(parseAgentReply('weight:50\n'), { ok: false, error: 'agent reports an error : weight:50' }, 'weight: does not exist in 2.6')
  const mixed = reply('foo up bar\n')
  t.equal(mixed.health, 'up', 'unknown words do not prevent the others')
  t.equal(mixed.unknown, 'foo', 'the first unknown word is kept')
  t.equal(reply('%50 75%\n').unknown, '%50', 'a weight word starts with a digit')
  t.equal(reply('5 up\n').unknown, '5', 'and contains %')
  t.end()
})

t.test('malformed replies change nothing and say why', (t) => {
  t.same(parseAgentReply('up'), { ok: false, error: 'Ignoring incomplete line from agent' }, 'no line end before the close')
  t.same(parseAgentReply(''), { ok: false, error: 'Ignoring incomplete line from agent' })
  t.same(parseAgentReply('\n'), { ok: false, error: 'empty agent reply' })
  t.same(parseAgentReply(' ,\t\n'), { ok: false, error: 'empty agent reply' })
  t.same(parseAgentReply('#only a comment\n'), { ok: false, error: 'empty agent reply' })
  t.same(parseAgentReply('hello world\n'), { ok: false, error: 'agent reports an error : hello' })
  t.end()
})

t.test('§5.10 weights relative to the configured weight, truncated, capped (observed with iweight 10)', (t) => {
  const rows: [string, number][] = [
    ['50%', 5],
    ['0%', 0],
    ['100%', 10],
    ['300%', 30],
    ['75%', 7],
    ['2560%', 256],
    ['99999999999999999999%', 256],
  ]
  for (const [word, weight] of rows) t.same(agentWeight(word, 10), { ok: true, value: weight }, word)
  t.same(agentWeight('33%', 1), { ok: true, value: 0 }, 'iweight 1: 33% truncates to 0')
  t.same(agentWeight('5%x', 10), { ok: false, warning: 'Trailing garbage in weight string.' })
  t.same(agentWeight('50.5%', 10), { ok: false, warning: 'Trailing garbage in weight string.' })
  t.same(agentWeight('300x%', 10), { ok: false, warning: 'Absolute weight can only be between 0 and 256 inclusive.' })
  t.end()
})

t.test('maxconn values', (t) => {
  t.same(agentMaxconn('5'), { ok: true, value: 5 })
  t.same(agentMaxconn('0'), { ok: true, value: 0 })
  t.same(agentMaxconn(''), { ok: false, warning: 'maxconn string empty' })
  t.same(agentMaxconn('-5'), { ok: false, warning: 'maxconn string empty' })
  t.same(agentMaxconn('5x'), { ok: false, warning: 'Trailing garbage in maxconn string' })
  t.end()
})

t.test('status descriptions', (t) => {
  t.equal(agentDescription(reply('down\n'), undefined), 'via agent : down')
  t.equal(agentDescription(reply('down #backup\n'), undefined), 'via agent : down (backup)')
  t.equal(agentDescription(reply('down foo #backup\n'), undefined), 'via agent : down (backup)', 'a down reason stays')
  t.equal(agentDescription(reply('stopped foo\n'), undefined), 'via agent : stopped (foo)', 'no reason: the unknown word')
  t.equal(agentDescription(reply('fail\n'), 'maxconn string empty'), 'via agent : fail (maxconn string empty)', 'else the warning')
  t.equal(agentDescription(reply('up #all good\n'), undefined), 'via agent : up (all good)')
  t.equal(agentDescription(reply('up foo #all good\n'), undefined), 'via agent : up (foo)', 'for up, an error replaces the reason')
  t.equal(agentDescription(reply('up #all good\n'), 'w'), 'via agent : up (w)')
  t.equal(agentDescription(reply('drain foo\n'), 'w'), 'agent reports an error : foo')
  t.equal(agentDescription(reply('drain\n'), 'w'), 'agent warns : w')
  t.equal(agentDescription(reply('drain\n'), undefined), '')
  t.end()
})
