import t from 'tap'
import { AliasTable } from '../../lib/balance/alias-table.js'
import type { ServerRecord } from '../../lib/server.js'
import { makeServers } from '../fixtures/servers.js'

/** Counts draws over an even grid of u values: each column contributes its exact split. */
function grid(table: AliasTable, steps: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (let i = 0; i < steps; i++) {
    const name = table.draw((i + 0.5) / steps)?.name ?? '-'
    out[name] = (out[name] ?? 0) + 1
  }
  return out
}

t.test('draws in exact proportion to eweight', (t) => {
  const servers = makeServers([1, 2, 3, 4])
  const table = new AliasTable(servers)
  t.same(grid(table, 10_000), { s1: 1_000, s2: 2_000, s3: 3_000, s4: 4_000 })
  t.end()
})

t.test('add, remove and weight changes rebuild before the next draw', (t) => {
  const servers = makeServers([1, 1, 2]) as ServerRecord[]
  const table = new AliasTable([servers[0]!, servers[1]!])
  t.same(grid(table, 1_000), { s1: 500, s2: 500 })
  table.add(servers[2]!)
  t.same(grid(table, 1_000), { s1: 250, s2: 250, s3: 500 })
  table.remove(servers[0]!)
  t.same(grid(table, 900), { s2: 300, s3: 600 })
  servers[1]!.eweight = 64
  table.invalidate()
  t.same(grid(table, 900), { s2: 600, s3: 300 })
  t.end()
})

t.test('an empty table draws nothing; one server always wins', (t) => {
  const [s1] = makeServers([5])
  const table = new AliasTable([])
  t.equal(table.draw(0.3), undefined)
  table.add(s1!)
  t.equal(table.draw(0), s1)
  t.equal(table.draw(0.999999), s1)
  t.end()
})
