import type * as ortCommon from 'onnxruntime-common'

/** The slice of onnxruntime's API murmur uses; onnxruntime-node and -web both provide it. */
export type Ort = Pick<typeof ortCommon, 'InferenceSession' | 'Tensor'>

/** Injected by each app: its onnxruntime and the execution providers to use, in order. */
export interface RuntimeComponents {
  ort: Ort
  /** e.g. ['cpu'], ['wasm'], ['webgpu'], ['cuda']: exactly these, no silent fallback. */
  executionProviders: readonly string[]
  /** Extra session options (threads, graph optimisation level). */
  sessionOptions?: Omit<ortCommon.InferenceSession.SessionOptions, 'executionProviders'>
  /**
   * Run inferences one at a time, across every session of this `ort`. onnxruntime-web needs it:
   * overlapping `run()` calls corrupt each other (seen with the WebGPU EP as "Invalid input
   * name" with a garbled name, then "Session already started" across two sessions).
   * onnxruntime-node runs them concurrently and needs no queue.
   */
  exclusiveRuns?: boolean
}

/** A host tensor handed to or returned by a session. */
export type HostTensor =
  | { readonly dtype: 'float32'; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: 'int64'; readonly shape: readonly number[]; readonly data: BigInt64Array }

export const f32 = (shape: readonly number[], data: Float32Array | ArrayLike<number>): HostTensor => ({
  dtype: 'float32',
  shape: [...shape],
  data: data instanceof Float32Array ? data : Float32Array.from(data),
})

export const i64 = (shape: readonly number[], data: BigInt64Array | ArrayLike<number>): HostTensor => ({
  dtype: 'int64',
  shape: [...shape],
  data: data instanceof BigInt64Array ? data : BigInt64Array.from(Array.from(data as ArrayLike<number>), (x) => BigInt(x)),
})
