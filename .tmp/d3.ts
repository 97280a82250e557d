import t from 'tap'
import { main } from '../lib/cli/main.js'
import { echo, upstream } from '../test/fixtures/http.js'
t.test('x', async (t) => {
  const s1 = await upstream(t, echo('s1'))
  const files: Record<string,string> = { 'lb.cfg': `frontend www\n  bind 127.0.0.1:0\n  default_backend web\nbackend web\n  server s1 ${s1.replace('http://','')}\n` }
  const sig: Record<string, () => void> = {}
  const timer = setInterval(() => console.error('tick'), 300)
  console.error('start')
  const p = main(['-f', 'lb.cfg'], { out: console.log, err: (m) => console.error('ERR', m), readFile: async (f) => files[f]!, writeFile: async () => {}, now: () => 0, onSignal: (s, l) => { sig[s] = l; return () => {} } })
  console.error('called')
  setTimeout(() => { console.error('TERM'); sig['SIGTERM']?.() }, 1000)
  console.log('exit', await p)
  clearInterval(timer)
})
