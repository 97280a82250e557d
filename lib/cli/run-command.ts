/**
 * `switchyard -f haproxy.cfg [-f more.cfg]`, `switchyard --json config.json`:
 * the standalone load balancer. `-c` only checks the configuration, like
 * `haproxy -c`. SIGTERM/SIGINT stop gracefully; SIGHUP re-reads the
 * configuration and reloads it, keeping established connections.
 */
import { checkConfig, startConfig, type RunningConfig } from '../config/start.js'
import type { SwitchyardConfig } from '../config/types.js'
import { loadConfigSource, warningLine, type ConfigSource } from './config-files.js'
import type { CliIo } from './io.js'
import type { Command } from './main.js'

/** Usage of the load balancer. */
export const RUN_USAGE = `usage: switchyard -f <haproxy.cfg> [-f <more.cfg>...] [-c]
       switchyard --json <config.json> [-c]

Runs a load balancer from HAProxy configuration files (read in order, as one)
or from a JSON configuration (the SwitchyardConfig shape, see docs/cli.md).

options:
  -f <file>          haproxy.cfg file; repeat to add files
  --json <file>      JSON configuration instead of -f
  -c                 check the configuration and exit: 0 when valid, 1 otherwise
  -h, --help         show this help

Warnings and operational messages go to stderr; with \`option httplog\` or
\`option tcplog\`, one line per request or connection goes to stdout.
Signals: SIGTERM/SIGINT stop gracefully (in-flight work finishes, cut after
hard-stop-after), SIGHUP reloads the configuration keeping connections.`

interface RunArgs {
  readonly source: ConfigSource
  readonly check: boolean
}

/** Parses the arguments; a string is the usage error. */
export function parseRunArgs(args: readonly string[]): RunArgs | string {
  const files: string[] = []
  let json: string | undefined
  let check = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '-c') {
      check = true
      continue
    }
    if (arg === '-f' || arg === '--json') {
      const value = args[++i]
      if (value === undefined) return `${arg} needs a file`
      if (arg === '-f') files.push(value)
      else if (json !== undefined) return 'one --json file at a time'
      else json = value
      continue
    }
    return arg.startsWith('-') ? `unknown option ${arg}` : `unexpected argument "${arg}"`
  }
  if (json !== undefined && files.length > 0) return 'use -f or --json, not both'
  if (json !== undefined) return { source: { kind: 'json', file: json }, check }
  if (files.length === 0) return 'missing -f <file> or --json <file>'
  return { source: { kind: 'haproxy', files }, check }
}

/** What is thrown here are Errors: SwitchyardErrors, file system and listen errors. */
function describe(error: unknown): string {
  return (error as Error).message
}

/** Loads and prints the warnings. */
async function load(source: ConfigSource, io: CliIo): Promise<SwitchyardConfig> {
  const loaded = await loadConfigSource(source, io)
  for (const w of loaded.warnings) io.err(warningLine(w))
  return loaded.config
}

/** Reloads on SIGHUP (one at a time) and resolves once a stop signal closed everything. */
function serve(running: RunningConfig, source: ConfigSource, io: CliIo): Promise<number> {
  return new Promise((resolve) => {
    let reloading: Promise<void> = Promise.resolve()
    const reload = (): void => {
      reloading = reloading.then(async () => {
        io.err('reloading the configuration')
        try {
          const report = await running.reload(await load(source, io))
          for (const warning of report.warnings) io.err(`[WARNING] ${warning}`)
          const b = report.backends
          const parts = [
            ['servers added', b.added],
            ['servers removed', b.removed],
            ['servers updated', b.updated],
            ['backends added', b.addedBackends],
            ['frontends added', report.frontendsAdded],
            ['frontends removed', report.frontendsRemoved],
            ['frontends updated', report.frontendsUpdated],
            ['bound', report.bound],
            ['unbound', report.unbound],
          ] as const
          const changes = parts.filter(([, list]) => list.length > 0).map(([what, list]) => `${what}: ${list.join(', ')}`)
          io.err(`reloaded${changes.length === 0 ? ': no change' : `; ${changes.join('; ')}`}`)
        } catch (error) {
          io.err(`[ALERT] reload failed, keeping the running configuration: ${describe(error)}`)
        }
      })
    }
    const unsubscribe: (() => void)[] = []
    const stop = (signal: string): void => {
      for (const off of unsubscribe.splice(0)) off()
      io.err(`${signal}: stopping (in-flight work finishes)`)
      void reloading.then(() => running.close()).then(() => {
        io.err('stopped')
        resolve(0)
      })
    }
    // A command is only run with signals by processIo; tests give their own.
    const onSignal = io.onSignal!.bind(io)
    unsubscribe.push(onSignal('SIGHUP', reload), onSignal('SIGTERM', () => stop('SIGTERM')), onSignal('SIGINT', () => stop('SIGINT')))
  })
}

/** The load balancer (no subcommand name: `switchyard -f …`). */
export const runCommand: Command = {
  summary: 'run a load balancer from haproxy.cfg files (-f) or JSON (--json); -c only checks',
  usage: RUN_USAGE,
  async run(argv, io) {
    const args = parseRunArgs(argv)
    if (typeof args === 'string') {
      io.err(`switchyard: ${args}\n\n${RUN_USAGE}`)
      return 2
    }
    let config: SwitchyardConfig
    let running: RunningConfig
    try {
      config = await load(args.source, io)
      if (args.check) {
        await checkConfig(config)
        io.out('Configuration file is valid')
        return 0
      }
      running = await startConfig(config, { log: (line) => io.out(line), notice: (message) => io.err(message) })
    } catch (error) {
      io.err(`[ALERT] ${describe(error)}`)
      return 1
    }
    return serve(running, args.source, io)
  },
}
