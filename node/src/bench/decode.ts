/**
 * KV-cache decode throughput of one policy: median tokens/s of `group` completions of
 * `maxNewTokens` each from a fixed prompt, after a warm-up. Portable (no Node built-ins): the
 * `engine` benchmark runs it on onnxruntime-node and -web in Node, the browser benchmark inside
 * a page's worker, so the two figures come from the same code.
 */
import { deriveSeed, type Policy } from '@murmur/protocol'

export interface DecodeBenchParameters {
  group: number
  maxNewTokens: number
  runs: number
}

export async function decodeTokensPerSecond(policy: Policy, { group, maxNewTokens, runs }: DecodeBenchParameters): Promise<number> {
  const prompt = [1, 2, 3, 4, 5, 6, 7, 8]
  await policy.generate({ prompt, group, seed: deriveSeed('warmup'), maxNewTokens: 4, stopTokens: [], temperature: 1, topP: 1 })
  const rates: number[] = []
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now()
    await policy.generate({
      prompt,
      group,
      seed: deriveSeed('murmur/bench/decode', r),
      maxNewTokens,
      stopTokens: [],
      temperature: 1,
      topP: 1,
    })
    rates.push((group * maxNewTokens) / ((performance.now() - t0) / 1000))
  }
  rates.sort((a, b) => a - b)
  const m = rates.length >> 1
  return rates.length % 2 ? rates[m]! : (rates[m - 1]! + rates[m]!) / 2
}
