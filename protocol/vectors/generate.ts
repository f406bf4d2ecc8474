/**
 * Writes the golden vectors: `npx tsx protocol/vectors/generate.ts`. Review the diff: a changed
 * vector is a protocol change (STYLE.md §7).
 */
import { writeFileSync } from 'node:fs'
import { aggregateVectors } from './aggregate.js'
import { protocolVectors } from './protocol-vectors.js'
import { taskVectors } from './tasks.js'

const dir = new URL('.', import.meta.url)
writeFileSync(new URL('aggregate.json', dir), `${JSON.stringify(aggregateVectors(), null, 2)}\n`)
writeFileSync(new URL('tasks.json', dir), `${JSON.stringify(taskVectors(), null, 2)}\n`)
for (const [name, value] of Object.entries(protocolVectors())) writeFileSync(new URL(name, dir), `${JSON.stringify(value, null, 2)}\n`)
