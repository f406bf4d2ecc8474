/**
 * One ONNX model loaded into the injected runtime. A class because it owns a native
 * resource: call {@link GraphSession.release} when done.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common'
import { RuntimeError } from '../errors.js'
import type { ExternalDataFile } from '../model/onnx.js'
import type { HostTensor, RuntimeComponents } from './types.js'

/**
 * The last queued run per ORT module, for runtimes with exclusiveRuns: onnxruntime-web's
 * backends run one inference at a time across all sessions ("Session already started").
 */
const runQueues = new WeakMap<object, Promise<unknown>>()

export class GraphSession {
  readonly executionProviders: readonly string[]
  private constructor(
    private readonly runtime: RuntimeComponents,
    private readonly session: InferenceSession,
  ) {
    this.executionProviders = runtime.executionProviders
  }

  /**
   * Loads `model` (ONNX bytes) with exactly the runtime's execution providers; `externalData`
   * are the in-memory files its external initialisers name (see toOnnxWithExternalData).
   */
  static async create(
    runtime: RuntimeComponents,
    model: Uint8Array,
    label = 'model',
    externalData: readonly ExternalDataFile[] = [],
  ): Promise<GraphSession> {
    try {
      const session = await runtime.ort.InferenceSession.create(model, {
        graphOptimizationLevel: 'all',
        // warnings (e.g. shape ops placed on CPU by the WebGPU EP) are expected; errors still print
        logSeverityLevel: 3,
        ...runtime.sessionOptions,
        ...(externalData.length ? { externalData: externalData.map((f) => ({ path: f.path, data: f.data })) } : {}),
        executionProviders: [...runtime.executionProviders],
      })
      return new GraphSession(runtime, session)
    } catch (err) {
      throw new RuntimeError(
        `Could not load ${label} with execution providers [${runtime.executionProviders.join(', ')}]: ${err instanceof Error ? err.message : String(err)}`,
        { executionProviders: [...runtime.executionProviders] },
        { cause: err },
      )
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames
  }

  /** Runs the model; returns the requested outputs (all by default) as float32 host tensors. */
  run(
    feeds: Readonly<Record<string, HostTensor>>,
    outputs?: readonly string[],
  ): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
    if (!this.runtime.exclusiveRuns) return this.runNow(feeds, outputs)
    const ort = this.runtime.ort
    const next = (runQueues.get(ort) ?? Promise.resolve()).then(() => this.runNow(feeds, outputs))
    runQueues.set(
      ort,
      next.catch(() => undefined),
    )
    return next
  }

  private async runNow(
    feeds: Readonly<Record<string, HostTensor>>,
    outputs?: readonly string[],
  ): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
    const { Tensor: T } = this.runtime.ort
    const ortFeeds: Record<string, Tensor> = {}
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new T(t.dtype, t.data, [...t.shape])
    let result: InferenceSession.OnnxValueMapType
    try {
      result = outputs ? await this.session.run(ortFeeds, [...outputs]) : await this.session.run(ortFeeds)
    } catch (err) {
      throw new RuntimeError(`Inference failed: ${err instanceof Error ? err.message : String(err)}`, {}, { cause: err })
    }
    const out: Record<string, { shape: number[]; data: Float32Array }> = {}
    for (const [name, value] of Object.entries(result)) {
      const t = value as Tensor
      if (t.type !== 'float32') throw new RuntimeError(`Output "${name}" is ${t.type}; murmur graphs only output float32.`)
      out[name] = { shape: [...t.dims], data: t.data as Float32Array }
      t.dispose?.()
    }
    return out
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}
