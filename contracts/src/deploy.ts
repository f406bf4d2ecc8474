import { Contract, ContractFactory, type ContractRunner, type Signer } from 'ethers'
import { CONTRIBUTION_LEDGER_ABI, CONTRIBUTION_LEDGER_BYTECODE, CREDIT_LINKS_ABI } from './generated/ContributionLedger.js'

/** Deploys a ContributionLedger from `signer` and waits until it is mined. */
export async function deployLedger(signer: Signer): Promise<Contract> {
  const factory = new ContractFactory(CONTRIBUTION_LEDGER_ABI, CONTRIBUTION_LEDGER_BYTECODE, signer)
  const deployed = await factory.deploy()
  await deployed.waitForDeployment()
  return new Contract(await deployed.getAddress(), CONTRIBUTION_LEDGER_ABI, signer)
}

/** The ContributionLedger at `address`, for reads (a provider) or transactions (a signer). */
export function connectLedger(address: string, runner: ContractRunner): Contract {
  return new Contract(address, CONTRIBUTION_LEDGER_ABI, runner)
}

/** The CreditLinks of the ledger at `ledger` (the contract its constructor created), for reads or transactions. */
export async function connectLinks(ledger: Contract, runner: ContractRunner): Promise<Contract> {
  return new Contract(String(await ledger.links!()), CREDIT_LINKS_ABI, runner)
}
