import { type JsonRpcApiProviderOptions, JsonRpcProvider, Network } from 'ethers'

/**
 * An ethers JsonRpcProvider set up for a local or single-node chain: no request batching, no
 * response cache and no network re-detection. With ethers' defaults, nonces read right after a
 * transaction can come from a cached or batched response and be stale.
 */
export function ledgerProvider(rpcUrl: string, options: { chainId?: bigint; pollingIntervalMs?: number } = {}): JsonRpcProvider {
  const settings: JsonRpcApiProviderOptions = { batchMaxCount: 1, cacheTimeout: -1, staticNetwork: true }
  if (options.pollingIntervalMs !== undefined) settings.pollingInterval = options.pollingIntervalMs
  return new JsonRpcProvider(rpcUrl, options.chainId === undefined ? undefined : Network.from(options.chainId), settings)
}
