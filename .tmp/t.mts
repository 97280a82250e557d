import { loadHaproxyConfig } from '/work/wt-cfg-run/lib/config/haproxy/load.ts'
const r = loadHaproxyConfig(`
global
  daemon
  maxconn 100
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend www
  bind 127.0.0.1:0
  option httplog
  default_backend web
backend web
  balance roundrobin
  server s1 127.0.0.1:8001
  server s2 127.0.0.1:8002
listen db 127.0.0.1:0
  mode tcp
  option tcplog
  server a 127.0.0.1:9000
`)
console.log(JSON.stringify(r, null, 1))
