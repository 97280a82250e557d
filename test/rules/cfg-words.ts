import t from 'tap'
import { parseDuration, parseSize, splitWords } from '../../lib/rules/cfg-words.js'
import { expectInvalid } from '../fixtures/invalid.js'

t.test('splitWords: blanks, quotes, escapes, comments', async (t) => {
  const table: Array<[string, string[]]> = [
    ['    acl is_websocket path_beg -i /websockets', ['acl', 'is_websocket', 'path_beg', '-i', '/websockets']],
    ['\tuse_backend ws if is_websocket  # route WebSockets', ['use_backend', 'ws', 'if', 'is_websocket']],
    ['# a comment', []],
    ['', []],
    ['   ', []],
    ['http-request return string "hello world"', ['http-request', 'return', 'string', 'hello world']],
    ["http-request return string 'it''s'", ['http-request', 'return', 'string', 'its']],
    ["a 'single \\ \"quoted\" # kept'", ['a', 'single \\ "quoted" # kept']],
    ['a "double \\" \\\\ # kept"', ['a', 'double " \\ # kept']],
    ['a x"y z"w', ['a', 'xy zw']],
    ['a hello\\ world b', ['a', 'hello world', 'b']],
    ['a \\#not-a-comment', ['a', '#not-a-comment']],
    ['path_reg ^/api/v[0-9]+\\.json$', ['path_reg', '^/api/v[0-9]+\\.json$']],
    ['a \\d\\w', ['a', '\\d\\w']],
    ['a \\x41\\x2f', ['a', 'A/']],
    ['a "\\t\\r\\n"', ['a', '\t\r\n']],
    ['a ""', ['a', '']],
    ['a b\\', ['a', 'b\\']],
    ['x\r', ['x']],
  ]
  for (const [line, words] of table) t.same(splitWords(line), words, JSON.stringify(line))
  expectInvalid(t, () => splitWords('a "open', 'line 3'), { value: 'a "open', mention: /^line 3: unterminated quote/ })
  expectInvalid(t, () => splitWords("a 'open"), { value: "a 'open", mention: /^unterminated quote/ })
  expectInvalid(t, () => splitWords('a \\xZ1'), { value: 'a \\xZ1', mention: /invalid \\x escape/ })
})

t.test('parseDuration: HAProxy time units, default ms', async (t) => {
  const table: Array<[string, number]> = [
    ['500', 500],
    ['500ms', 500],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1500us', 2],
    ['1000us', 1],
    ['0', 0],
  ]
  for (const [text, ms] of table) t.equal(parseDuration(text), ms, text)
  for (const bad of ['', '10 s', '1.5s', '-1s', '10sec', 's']) expectInvalid(t, () => parseDuration(bad, 'line 1'), { value: bad }, bad)
})

t.test('parseSize: k, m, g are powers of 1024', async (t) => {
  t.equal(parseSize('100'), 100)
  t.equal(parseSize('100k'), 102_400)
  t.equal(parseSize('1m'), 1_048_576)
  t.equal(parseSize('2G'), 2 * 1024 ** 3)
  for (const bad of ['', '1.5k', 'k', '10kb', '-1']) expectInvalid(t, () => parseSize(bad), { value: bad }, bad)
})
