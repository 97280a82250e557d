/**
 * A loopback port that never completes a connection: a listening socket with a
 * backlog of 0 that never accepts, whose queue is filled by one held connection, so
 * that the kernel drops further SYNs and connects hang until `timeout connect`.
 * Node always accepts, so the listener is a tiny python3 process; without python3
 * the scenarios that need it are skipped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { connect, type Socket } from 'node:net'

const SCRIPT = `
import socket, time
s = socket.socket()
s.bind(('127.0.0.1', 0))
s.listen(0)
print(s.getsockname()[1], flush=True)
while True:
    time.sleep(60)
`

export interface Blackhole {
  readonly port: number
  close(): void
}

/** Why no blackhole can be made here, or undefined. */
export function blackholeUnavailable(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'pass'], { stdio: 'ignore' })
  return probe.status === 0 ? undefined : 'python3 not found: it provides the listener that never accepts (timeout connect)'
}

/** Starts a blackhole: resolves once its accept queue is full. */
export async function blackhole(): Promise<Blackhole> {
  const child: ChildProcess = spawn('python3', ['-u', '-c', SCRIPT], { stdio: ['ignore', 'pipe', 'ignore'] })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      if (out.includes('\n')) resolve(Number(out.trim()))
    })
    child.once('exit', () => reject(new Error('blackhole listener exited')))
  })
  // fill the accept queue (backlog 0 holds one completed connection)
  const fillers: Socket[] = []
  for (let i = 0; i < 2; i++) {
    const s = connect(port, '127.0.0.1')
    s.on('error', () => {})
    fillers.push(s)
  }
  await new Promise((r) => setTimeout(r, 100))
  return {
    port,
    close: () => {
      for (const s of fillers) s.destroy()
      child.kill('SIGKILL')
    },
  }
}
