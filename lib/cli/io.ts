/**
 * What a command may do to the outside world, injected so that commands are
 * testable without a process: print, read and write files.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

/** The command line's view of the world. */
export interface CliIo {
  /** Prints to standard output (a line break is added). */
  out(text: string): void
  /** Prints to standard error (a line break is added). */
  err(text: string): void
  /** Reads a UTF-8 file. */
  readFile(path: string): Promise<string>
  /** Writes a UTF-8 file, creating its directory. */
  writeFile(path: string, content: string): Promise<void>
  /** Wall-clock milliseconds, for reporting how long a command took. */
  now(): number
  /**
   * Calls `listener` on each delivery of `signal` until the returned function
   * is called; absent = the command cannot be signalled (it stops on its own).
   */
  onSignal?(signal: CliSignal, listener: () => void): () => void
}

/** Signals the load balancer reacts to: stop (TERM, INT) and reload (HUP). */
export type CliSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP'

/** The real world: process streams, the file system, `performance.now()`. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  readFile: (path) => readFile(resolve(path), 'utf8'),
  async writeFile(path, content) {
    await mkdir(dirname(resolve(path)), { recursive: true })
    await writeFile(resolve(path), content)
  },
  now: () => performance.now(),
  onSignal(signal, listener) {
    process.on(signal, listener)
    return () => process.off(signal, listener)
  },
}
