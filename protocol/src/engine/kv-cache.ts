/** A host-side KV cache: per layer, key and value tensors shaped (B, Hkv, P, D). */
export interface KvCache {
  readonly batch: number
  readonly length: number // P
  readonly layers: readonly { key: Float32Array; value: Float32Array }[]
}

export function emptyKvCache(layers: number, batch: number): KvCache {
  return { batch, length: 0, layers: Array.from({ length: layers }, () => ({ key: new Float32Array(0), value: new Float32Array(0) })) }
}

/** Repeats every row of a batch-1 cache `times` times (a prompt prefilled once for a group). */
export function tileKvCache(cache: KvCache, times: number): KvCache {
  if (cache.batch !== 1) throw new RangeError(`tileKvCache expects a batch-1 cache, got batch ${cache.batch}.`)
  const tile = (x: Float32Array) => {
    const out = new Float32Array(x.length * times)
    for (let i = 0; i < times; i++) out.set(x, i * x.length)
    return out
  }
  return { batch: times, length: cache.length, layers: cache.layers.map((l) => ({ key: tile(l.key), value: tile(l.value) })) }
}
