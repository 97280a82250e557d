import t from 'tap'
import { splitSections } from '../../../lib/config/haproxy/sections.js'
import { tokenize } from '../../../lib/config/haproxy/tokenizer.js'
import { expectConfigError } from '../../fixtures/config.js'

const split = (lines: string[]) => splitSections(tokenize(lines.join('\n'), 't.cfg'), 't.cfg')

t.test('headers and their lines', async (t) => {
  const s = split(['global', ' maxconn 1', 'defaults', 'defaults named', 'frontend f', ' bind :80', 'backend b', 'listen l 1.2.3.4:80', 'listen 127.0.0.1:8000', 'listen :80', 'listen *:80', 'frontend old 1.2.3.4:81'])
  t.same(
    s.map((x) => [x.kind, x.name, x.address, x.nameless, x.line, x.lines.map((l) => l.words.join(' '))]),
    [
      ['global', '', undefined, false, 1, ['maxconn 1']],
      ['defaults', '', undefined, false, 3, []],
      ['defaults', 'named', undefined, false, 4, []],
      ['frontend', 'f', undefined, false, 5, ['bind :80']],
      ['backend', 'b', undefined, false, 7, []],
      ['listen', 'l', '1.2.3.4:80', false, 8, []],
      ['listen', '127.0.0.1:8000', '127.0.0.1:8000', true, 9, []],
      ['listen', ':80', ':80', true, 10, []],
      ['listen', '*:80', '*:80', true, 11, []],
      ['frontend', 'old', '1.2.3.4:81', false, 12, []],
    ],
  )
})

t.test('header errors', async (t) => {
  expectConfigError(t, () => split(['maxconn 1']), 1, 'maxconn', /keyword outside of any section/)
  expectConfigError(t, () => split(['global x']), 1, 'global', /takes no argument/)
  expectConfigError(t, () => split(['defaults a b']), 1, 'defaults', /expected `defaults \[<name>\]`/)
  expectConfigError(t, () => split(['backend']), 1, 'backend', /expected `backend <name>`, got no name/)
  expectConfigError(t, () => split(['backend b 1.2.3.4:80']), 1, 'backend', /expected `backend <name>`, got `b 1.2.3.4:80`/)
  expectConfigError(t, () => split(['listen a b c']), 1, 'listen', /expected `listen <name> \[<address>\]`/)
  expectConfigError(t, () => split(['frontend']), 1, 'frontend', /got no name/)
  expectConfigError(t, () => split(['global', 'userlist admins']), 2, 'userlist', /`userlist` sections are not supported/)
})
