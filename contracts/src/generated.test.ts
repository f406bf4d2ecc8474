import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compileLedger, GENERATED_PATH, renderGeneratedModule, SOLC_VERSION } from '../scripts/compile.js'

describe('src/generated/ContributionLedger.ts', () => {
  it('matches a fresh compile of the Solidity sources (run `npm run compile -w contracts` if not)', () => {
    const fresh = renderGeneratedModule(compileLedger())
    expect(readFileSync(GENERATED_PATH, 'utf8') === fresh, 'the generated module is stale: run `npm run compile -w contracts`').toBe(true)
  })

  it('pins the solc package to the version the compile script and the pragma expect', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> }
    expect(pkg.devDependencies.solc).toBe(SOLC_VERSION)
    for (const file of ['ContributionLedger.sol', 'CreditLinks.sol', 'interfaces/IContributionLedger.sol', 'interfaces/ICreditLinks.sol']) {
      expect(readFileSync(new URL(file, import.meta.url), 'utf8')).toContain(`pragma solidity =${SOLC_VERSION};`)
    }
  })
})
