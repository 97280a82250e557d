import { main } from '/work/wt-cfg-run/lib/cli/main.ts'
const files: Record<string,string> = { 'lb.cfg': 'global\n  daemon\ndefaults\n  mode http\nfrontend www\n  bind 127.0.0.1:0\n  option httplog\n  default_backend web\nbackend web\n  server s1 127.0.0.1:1\n' }
const sig: Record<string, () => void> = {}
const p = main(['-f', 'lb.cfg'], { out: console.log, err: (m) => console.error('ERR', m), readFile: async (f) => files[f]!, writeFile: async () => {}, now: () => 0, onSignal: (s, l) => { sig[s] = l; return () => {} } })
setTimeout(() => { console.error('TERM'); sig['SIGTERM']!() }, 500)
console.log('exit', await p)
