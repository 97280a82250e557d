/**
 * The `switchyard` command line: a table of subcommands. Adding one means a
 * module exporting a {@link Command} and one row in {@link COMMANDS}.
 */
import type { CliIo } from './io.js'
import { RUN_USAGE, runCommand } from './run-command.js'
import { simulateCommand } from './simulate-command.js'

/** One subcommand. */
export interface Command {
  /** One line for `switchyard --help`. */
  readonly summary: string
  /** Full usage text. */
  readonly usage: string
  /** Runs with the arguments after the subcommand's name; resolves to the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>
}

/** The subcommands, by name. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  simulate: simulateCommand,
}

function help(): string {
  const rows = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`)
  return [RUN_USAGE, '', 'usage: switchyard <command> [options]', '', 'commands:', ...rows, '', 'switchyard <command> --help shows its options.'].join('\n')
}

/**
 * Runs the command line `args` (without `node` and the script) and resolves
 * to the process exit code: 0 success, 1 failure, 2 usage error. Arguments
 * starting with an option (`-f`, `--json`, `-c`) run the load balancer.
 */
export async function main(args: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help())
    return name === undefined ? 2 : 0
  }
  // No subcommand: the load balancer (`switchyard -f haproxy.cfg`).
  if (name.startsWith('-')) return runCommand.run(args, io)
  const command = COMMANDS[name]
  if (command === undefined) {
    io.err(`switchyard: unknown command "${name}"\n\n${help()}`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage)
    return 0
  }
  try {
    return await command.run(rest, io)
  } catch (error) {
    io.err(`switchyard ${name}: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}
