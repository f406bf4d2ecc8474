/**
 * A swarm run as a peer holds it: the manifest (its bytes are the run's identity), the EIP-712
 * domain every signature uses, and what the engine derives from it (model config, task,
 * tokenizer, parameter layout, the exact size of a checkpoint).
 */
import {
  decodeRunManifest,
  type Eip712Domain,
  encodeWeights,
  hashRunManifest,
  type ModelConfig,
  type ParameterSpec,
  parameterSpecs,
  type RunManifest,
  runDomain,
  soloRunOfManifest,
  toHex,
  type Weights,
} from '@murmur/protocol'
import { CliError, EXIT } from '../errors.js'
import { type RunContext, runContext } from '../train/context.js'

export interface SwarmRun {
  manifest: RunManifest
  manifestBytes: Uint8Array
  /** hashRunManifest(manifestBytes): the run id, the EIP-712 salt, the topic names. */
  runId: Uint8Array
  domain: Eip712Domain
  ctx: RunContext
  cfg: ModelConfig
  specs: ParameterSpec[]
  /** Parameters in the model (a delta's length). */
  numel: number
  /** Bytes of the canonical checkpoint (encodeWeights), which every CheckpointAnnouncement must declare. */
  checkpointBytes: bigint
}

function zeroWeights(specs: readonly ParameterSpec[]): Weights {
  return new Map(specs.map((s) => [s.name, { shape: [...s.shape], data: new Float32Array(s.shape.reduce((a, b) => a * b, 1)) }]))
}

/** The run of encoded manifest bytes. @throws CliError (exit 3) naming what is wrong. */
export function swarmRun(manifestBytes: Uint8Array, source = 'the manifest'): SwarmRun {
  let manifest: RunManifest
  try {
    manifest = decodeRunManifest(manifestBytes)
  } catch (err) {
    throw new CliError(`${source} is not a murmur run manifest: ${(err as Error).message}`, EXIT.input, { cause: err })
  }
  const runId = hashRunManifest(manifestBytes)
  let ctx: RunContext
  try {
    ctx = runContext(soloRunOfManifest(manifest, runId))
  } catch (err) {
    if (err instanceof CliError) throw err
    throw new CliError(`${source} cannot be run: ${(err as Error).message}`, EXIT.input, { cause: err })
  }
  const specs = parameterSpecs(ctx.cfg)
  const numel = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0)
  return {
    manifest,
    manifestBytes,
    runId,
    domain: runDomain(manifestBytes),
    ctx,
    cfg: ctx.cfg,
    specs,
    numel,
    checkpointBytes: BigInt(encodeWeights(ctx.cfg, zeroWeights(specs)).length),
  }
}

/** `0x` run id, for logs and file names. */
export const runIdHex = (run: SwarmRun) => `0x${toHex(run.runId)}`
