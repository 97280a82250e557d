import t from 'tap'
import { VirtualClock } from '../../lib/sim/virtual-clock.js'

t.test('runs callbacks in time order, ties in scheduling order, moving time to each', (t) => {
  const clock = new VirtualClock(100)
  const log: string[] = []
  clock.schedule(30, () => log.push(`c@${clock.now()}`))
  clock.schedule(10, () => log.push(`a@${clock.now()}`))
  clock.schedule(10, () => {
    log.push(`b@${clock.now()}`)
    clock.schedule(0, () => log.push(`b2@${clock.now()}`))
  })
  clock.schedule(-5, () => log.push(`neg@${clock.now()}`))
  clock.schedule(Number.NaN, () => log.push(`nan@${clock.now()}`))
  const cancelled = clock.schedule(20, () => log.push('never'))
  cancelled.cancel()
  cancelled.cancel()
  t.equal(clock.size, 6)
  while (clock.runNext()) {
    // drain
  }
  t.same(log, ['neg@100', 'nan@100', 'a@110', 'b@110', 'b2@110', 'c@130'])
  t.equal(clock.now(), 130)
  t.equal(clock.runNext(), false)
  t.equal(clock.size, 0)
  t.end()
})

t.test('a timer cancelled after it ran is harmless; default start 0; many timers stay ordered', (t) => {
  const clock = new VirtualClock()
  let ran = 0
  const timer = clock.schedule(1, () => ran++)
  clock.runNext()
  timer.cancel()
  t.equal(ran, 1)
  const order: number[] = []
  for (let i = 0; i < 1000; i++) {
    const at = (i * 7919) % 1000
    clock.schedule(at, () => order.push(at))
  }
  while (clock.runNext()) {
    // drain
  }
  t.same(order, [...order].sort((a, b) => a - b))
  t.equal(order.length, 1000)
  t.end()
})
