/**
 * The gas table (merkle-distributor style): every row under its ceiling, and the exact figures
 * pinned, so any change to the contract's cost shows up in review. Gas is deterministic.
 * After an intended change: `npx vitest run -u src/gas.test.ts` and update docs/PROTOCOL.md.
 */
import { describe, expect, it } from 'vitest'
import { LEDGER_GAS_LIMITS, measureLedgerGas } from './bench.js'

describe('gas table', () => {
  it('stays under the limits, with commitRound independent of the contributor count', async () => {
    const rows = await measureLedgerGas()
    for (const r of rows) expect(r.gas, `${r.operation} (${r.detail})`).toBeLessThanOrEqual(r.limit)

    const commits = rows.filter((r) => r.operation === 'commitRound').map((r) => r.gas)
    expect(commits.length).toBeGreaterThanOrEqual(3)
    expect(Math.max(...commits)).toBeLessThanOrEqual(LEDGER_GAS_LIMITS.commitRound)
    // only the zero bytes of the hashes in calldata differ (4 instead of 16 gas each)
    expect(Math.max(...commits) - Math.min(...commits)).toBeLessThan(1_000)

    expect(rows.map((r) => `${r.operation.padEnd(16)} ${String(r.gas).padStart(7)}  ${r.detail}`)).toMatchInlineSnapshot(`
      [
        "createRun         165496  4 validators, quorum 3",
        "commitRound       104349  quorum 3 of 4, 100 contributors",
        "commitRound       104642  quorum 3 of 4, 100 contributors",
        "commitRound       104630  quorum 3 of 4, 100 contributors",
        "commitRound       104594  quorum 3 of 4, 100 contributors",
        "commitRound       104618  quorum 3 of 4, 1 contributor",
        "commitRound       104606  quorum 3 of 4, root of a 17-deep tree (2^17 contributors)",
        "commitRound       104642  quorum 3 of 4, root of a 17-deep tree (2^17 contributors)",
        "commitRound       104630  quorum 3 of 4, root of a 17-deep tree (2^17 contributors)",
        "commitRound       104642  quorum 3 of 4, root of a 17-deep tree (2^17 contributors)",
        "claim              57092  proof of 7 hashes, contributor's first claim in the run",
        "claim              40306  proof of 7 hashes, later round within 96 rounds of the first",
        "claim              62397  proof of 7 hashes, round outside the window, new 256-round word",
        "claim              45369  proof of 7 hashes, round outside the window, word already written",
        "claim              64662  proof of 17 hashes, contributor's first claim in the run",
        "claim              47792  proof of 17 hashes, later round within 96 rounds of the first",
        "claim              69919  proof of 17 hashes, round outside the window, new 256-round word",
        "claim              52783  proof of 17 hashes, round outside the window, word already written",
        "multicall(claim)   38174  10 claims in one transaction, per claim, contributor's first claim in the run",
        "multicall(claim)   21449  10 claims in one transaction, per claim, later round within 96 rounds of the first",
        "multicall(claim)   43401  10 claims in one transaction, per claim, round outside the window, new 256-round word",
        "multicall(claim)   26444  10 claims in one transaction, per claim, round outside the window, word already written",
        "link              106762  the owner's first key in the run",
        "link               89650  the owner's second key",
      ]
    `)
  })
})
