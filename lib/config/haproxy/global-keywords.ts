/**
 * Keywords of the `global` section.
 */
import { configError } from './errors.js'
import { arity, type Keyword, type KeywordContext, type KeywordTable } from './keyword.js'
import { parseInteger, parseSize, parseTime } from './units.js'

const PROCESS = 'process management belongs to the Node process and its supervisor'

function ignored(why: string): Keyword {
  return { cap: 'both', handle: (ctx) => ctx.warn(`\`${ctx.keyword}\` has no effect in switchyard: ${why}`) }
}

function set(fn: (ctx: KeywordContext) => void): Keyword {
  return { cap: 'both', handle: fn }
}

/** `global` keywords. */
export const GLOBAL_KEYWORDS: KeywordTable = {
  maxconn: set((ctx) => {
    arity(ctx, 1, 1, 'maxconn <number>')
    ctx.global.maxconn = parseInteger(ctx.args[0], ctx.at, ctx.keyword, 1)
  }),
  'hard-stop-after': set((ctx) => {
    arity(ctx, 1, 1, 'hard-stop-after <time>')
    ctx.global.hardStopAfter = parseTime(ctx.args[0], ctx.at, ctx.keyword)
  }),
  'spread-checks': set((ctx) => {
    arity(ctx, 1, 1, 'spread-checks <0..50>')
    ctx.global.spreadChecks = parseInteger(ctx.args[0], ctx.at, ctx.keyword, 0, 50)
  }),
  'tune.bufsize': set((ctx) => {
    arity(ctx, 1, 1, 'tune.bufsize <size>')
    ctx.global.bufferSize = parseSize(ctx.args[0], ctx.at, ctx.keyword)
  }),
  'tune.http.maxhdr': set((ctx) => {
    arity(ctx, 1, 1, 'tune.http.maxhdr <number>')
    ctx.global.maxHeaders = parseInteger(ctx.args[0], ctx.at, ctx.keyword, 1, 10_000)
  }),
  'ca-base': set((ctx) => {
    arity(ctx, 1, 1, 'ca-base <dir>')
    ctx.global.caBase = ctx.args[0]!
  }),
  user: ignored(PROCESS),
  group: ignored(PROCESS),
  uid: ignored(PROCESS),
  gid: ignored(PROCESS),
  chroot: ignored(PROCESS),
  daemon: ignored(PROCESS),
  'master-worker': ignored(PROCESS),
  nbproc: ignored('Node runs one event loop per process'),
  nbthread: ignored('Node runs one event loop per process'),
  'cpu-map': ignored(PROCESS),
  pidfile: ignored(PROCESS),
  'ulimit-n': ignored('file-descriptor limits are set outside Node'),
  node: ignored('no peers or stats node name'),
  description: ignored('no stats description'),
  quiet: ignored(PROCESS),
  debug: ignored(PROCESS),
  'log-send-hostname': ignored('logs are written by the application'),
  'log-tag': ignored('logs are written by the application'),
  log: ignored('log targets do not exist: `option httplog`/`tcplog` logs go to the log hook (stdout with the CLI)'),
  stats: {
    cap: 'both',
    handle: (ctx) => {
      const sub = ctx.args[0]
      if (sub !== 'socket' && sub !== 'timeout' && sub !== 'maxconn' && sub !== 'bind-process') throw configError(ctx.at, ctx.keyword, `unknown global \`stats ${sub ?? ''}\` (stats socket, timeout, maxconn)`)
      ctx.warn(`\`stats ${sub}\` has no effect in switchyard: there is no stats socket (use the stats handler or the runtime API)`)
    },
  },
  'ssl-server-verify': ignored('server certificates are verified per server (`verify`)'),
  'ssl-default-bind-ciphers': ignored('no TLS listeners'),
  'ssl-default-bind-options': ignored('no TLS listeners'),
  'ssl-default-server-ciphers': ignored('Node chooses TLS ciphers'),
  'ssl-default-server-options': ignored('Node chooses TLS versions'),
  'tune.ssl.default-dh-param': ignored('no TLS listeners'),
  'crt-base': ignored('no TLS listeners'),
  maxsslconn: ignored('no TLS listeners'),
  maxpipes: ignored('no splicing in Node'),
  nosplice: ignored('no splicing in Node'),
  noepoll: ignored('libuv chooses the poller'),
  nopoll: ignored('libuv chooses the poller'),
  'server-state-file': ignored('server state is not saved across restarts'),
  'insecure-fork-wanted': ignored(PROCESS),
  'expose-experimental-directives': ignored('no experimental directives'),
}

