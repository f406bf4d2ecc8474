/**
 * A connected wallet through ethers' BrowserProvider (EIP-1193: MetaMask, Rabby, a mobile
 * wallet's browser…). The tab's own key keeps signing every group and delta — a wallet would ask
 * the user to approve each — and the wallet signs one thing: the transaction that makes it the
 * owner of that key's credit in the run (CreditLinks.link). The key consents first, by signing
 * Link(run, wallet) in the run's EIP-712 domain, so no wallet can take a key's credit without it.
 */
import type { JoinInfo } from '@murmur/node/browser'
import { fromHex, linkDigest, signDigest, toHex0x } from '@murmur/protocol'
import { auditAddress } from './audit.js'
import { LEDGER_CLAIM_ABI, LEDGER_VIEWS, LINKS_ABI } from './ledger.js'
import type { RoundLine } from './messages.js'

/** The EIP-1193 provider a wallet injects as `window.ethereum`. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown>
}

export interface WalletLink {
  owner: string
  /** The link transaction ('' when the key already named this wallet). */
  txHash: string
  /** The claim transaction for the key's unclaimed rounds (null: none to claim), and how many. */
  claimTxHash: string | null
  claimed: number
}

/** A message for the user from a wallet or chain error. */
export function walletError(err: unknown): string {
  const e = err as {
    code?: unknown
    info?: { error?: { code?: unknown } }
    shortMessage?: string
    message?: string
    revert?: { name?: string }
  }
  if (e?.code === 'ACTION_REJECTED' || e?.code === 4001 || e?.info?.error?.code === 4001) return 'the wallet declined the request'
  if (e?.revert?.name === 'LinkAlreadyLinked') return 'this browser key already gives its credit to a wallet'
  if (e?.revert?.name) return `the ledger refused: ${e.revert.name}`
  return (e?.shortMessage ?? e?.message ?? String(err)).slice(0, 200)
}

/**
 * Connects the wallet, moves it to the run's chain if it is elsewhere, signs the consent with the
 * tab's key and sends CreditLinks.link from the wallet (unless the key already names it), then
 * claims, in one multicall from the wallet, every committed round in `rounds` whose leaf credits
 * the key and is not claimed yet: the tab's key holds no ether, and no validator claims for it.
 * Resolves once both transactions are mined.
 */
export async function linkWallet(
  ethereum: Eip1193Provider,
  chain: NonNullable<JoinInfo['chain']>,
  runId: string,
  tab: { address: string; privateKey: Uint8Array },
  rounds: readonly RoundLine[],
): Promise<WalletLink> {
  const { BrowserProvider, Contract } = await import('ethers')
  const provider = new BrowserProvider(ethereum)
  await provider.send('eth_requestAccounts', [])
  const { chainId } = await provider.getNetwork()
  if (chainId !== BigInt(chain.chainId)) {
    try {
      await provider.send('wallet_switchEthereumChain', [{ chainId: `0x${chain.chainId.toString(16)}` }])
    } catch {
      throw new Error(`the wallet is on chain ${chainId}; switch it to chain ${chain.chainId} (the run's ledger) and try again`)
    }
  }
  const signer = await provider.getSigner()
  const owner = await signer.getAddress()
  const ledger = new Contract(chain.ledger, LEDGER_VIEWS, provider)
  const links = new Contract((await ledger.getFunction('links')()) as string, LINKS_ABI, signer)
  const domain = { chainId: BigInt(chain.chainId), verifyingContract: fromHex(chain.ledger), salt: fromHex(runId) }
  let txHash = ''
  const current = (await links.getFunction('ownerOf')(runId, tab.address)) as string
  if (current.toLowerCase() !== owner.toLowerCase()) {
    const consent = signDigest(linkDigest(domain, fromHex(owner)), tab.privateKey)
    const tx = await links.getFunction('link')(runId, tab.address, toHex0x(consent))
    if ((await tx.wait())?.status !== 1) throw new Error(`the link transaction ${tx.hash} failed`)
    txHash = tx.hash as string
  }

  // the key's unclaimed leaves in committed rounds, proven from the rounds' leaves the page holds
  const { committedRounds } = (await ledger.getFunction('runOf')(runId)) as { committedRounds: bigint }
  const roots = new Map<number, string | null>()
  const claimed = new Map<number, boolean>()
  for (const l of rounds) {
    const r = l.round - 1
    if (BigInt(r) >= committedRounds || !l.contributions?.leaves.some((x) => x.address.toLowerCase() === tab.address.toLowerCase()))
      continue
    roots.set(r, ((await ledger.getFunction('roundOf')(runId, r)) as { contributionsRoot: string }).contributionsRoot.toLowerCase())
    claimed.set(r, (await ledger.getFunction('isClaimed')(runId, r, tab.address)) as boolean)
  }
  const open = auditAddress(runId, tab.address, rounds, roots, claimed).rows.filter((r) => r.onChain === true && r.claimed === false)
  if (open.length === 0) return { owner, txHash, claimTxHash: null, claimed: 0 }
  const claims = new Contract(chain.ledger, LEDGER_CLAIM_ABI, signer)
  const calls = open.map((r) =>
    claims.interface.encodeFunctionData('claim', [runId, r.round, tab.address, r.groups, r.deltas, r.credit, r.proof]),
  )
  const tx = await claims.getFunction('multicall')(calls)
  if ((await tx.wait())?.status !== 1) throw new Error(`the claim transaction ${tx.hash} failed`)
  return { owner, txHash, claimTxHash: tx.hash as string, claimed: open.length }
}
