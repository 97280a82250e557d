import t from 'tap'
import { tokenize } from '../../../lib/config/haproxy/tokenizer.js'
import { expectConfigError } from '../../fixtures/config.js'

t.test('lines, blanks, comments, CRLF', async (t) => {
  const text = ['# comment', 'global', '', '    maxconn 256   # trailing', '\t  ', 'defaults\r', '  timeout connect 5s'].join('\n')
  t.same(tokenize(text, 't.cfg'), [
    { line: 2, words: ['global'] },
    { line: 4, words: ['maxconn', '256'] },
    { line: 6, words: ['defaults'] },
    { line: 7, words: ['timeout', 'connect', '5s'] },
  ])
})

t.test('HAProxy quoting and escaping', async (t) => {
  const table: Array<[string, string[]]> = [
    ['option httpchk GET /_leofs_adm/ping HTTP/1.1\\r\\nHost:\\ s3.amazonaws.com', ['option', 'httpchk', 'GET', '/_leofs_adm/ping', 'HTTP/1.1\r\nHost: s3.amazonaws.com']],
    ['http-check send hdr Host "my host"', ['http-check', 'send', 'hdr', 'Host', 'my host']],
    ["cookie 'a b' insert", ['cookie', 'a b', 'insert']],
    ['monitor-uri /a\\#b', ['monitor-uri', '/a#b']],
    ['x "quoted # not a comment"', ['x', 'quoted # not a comment']],
    ['x a"b c"d', ['x', 'ab cd']],
    ['x \\x41', ['x', 'A']],
  ]
  for (const [line, words] of table) t.same(tokenize(line, 't.cfg')[0]!.words, words, line)
})

t.test('malformed quoting names file, line and first word', async (t) => {
  expectConfigError(t, () => tokenize('global\n  log "unterminated', 't.cfg'), 2, 'log', /unterminated quote/)
  expectConfigError(t, () => tokenize('server s \\xZZ', 't.cfg'), 1, 'server', /invalid \\x escape/)
})
