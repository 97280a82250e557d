import { main } from '/work/wt-cfg-run/lib/cli/main.ts'
function cfg(servers: readonly string[], extra = ''): string {
  return ['global','  daemon','defaults','  mode http','  timeout connect 1s','  timeout client 5s','  timeout server 5s','frontend www','  bind 127.0.0.1:0','  option httplog','  default_backend web','backend web','  balance roundrobin',
    ...servers.map((address, i) => `  server s${i + 1} ${address.replace('http://', '')}`), extra].join('\n')
}
const files: Record<string,string> = { 'lb.cfg': cfg(['http://127.0.0.1:1', 'http://127.0.0.1:2']) }
console.log(files['lb.cfg'])
const sig: Record<string, () => void> = {}
const p = main(['-f', 'lb.cfg'], { out: console.log, err: (m) => console.error('ERR', m), readFile: async (f) => files[f]!, writeFile: async () => {}, now: () => 0, onSignal: (s, l) => { sig[s] = l; return () => {} } })
setTimeout(() => { console.error('TERM'); sig['SIGTERM']?.() }, 500)
console.log('exit', await p)
