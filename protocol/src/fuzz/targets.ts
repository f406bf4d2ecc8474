/**
 * What the fuzzer feeds: every decoder of bytes a peer can send (messages, envelopes, payloads,
 * manifests, model and task specs, checkpoints, error-feedback state, outer state), and the
 * verifiers that gossip validators run on them, each seeded with valid encodings of the samples
 * the golden vectors use. A verifier must end in a verdict; only typed decode errors may escape
 * a decoder.
 */
import { decodeOuterState, encodeOuterState } from '../aggregate/outer-step.js'
import { decodeErrorFeedback, encodeErrorFeedback } from '../compress/error-feedback.js'
import { decodeModelConfig, encodeModelConfig } from '../grpo/swarm-run.js'
import { decodeCheckpointAnnouncement, encodeCheckpointAnnouncement } from '../messages/checkpoint.js'
import { decodeDelta, encodeDelta } from '../messages/delta.js'
import { decodeDeltaCommitment, encodeDeltaCommitment } from '../messages/delta-commitment.js'
import { compressTopKInt8, decodeDeltaPayload, denseF32Payload, encodeDeltaPayload, hashDeltaPayload } from '../messages/delta-payload.js'
import { decodePeerStatus, encodePeerStatus } from '../messages/peer-status.js'
import { decodeRoundResult, encodeRoundResult } from '../messages/round-result.js'
import { decodeRunManifest, encodeRunManifest } from '../messages/run-manifest.js'
import {
  alice,
  bob,
  domain,
  POLICY_0,
  sampleCheckpoint,
  sampleGroup,
  sampleManifest,
  samplePayloadBytes,
  samplePeerStatus,
  sampleRound,
  validator,
} from '../messages/samples.js'
import { decodeScoredGroup, encodeScoredGroup } from '../messages/scored-group.js'
import { decodeSignedMessage, encodeSignedMessage, signMessage } from '../messages/signed.js'
import { NAMED_CONFIGS } from '../model/config.js'
import { decodeSafetensors, encodeSafetensors } from '../model/safetensors.js'
import { decodeTaskSpec, encodeTaskSpec, taskSpecFromDifficulty } from '../tasks/task-spec.js'
import { verifyCheckpointAnnouncement } from '../verify/checkpoint.js'
import { verifyDeltaHeader, verifyDeltaPayload } from '../verify/delta.js'
import { verifyDeltaCommitment } from '../verify/delta-commitment.js'
import { verifyPeerStatus } from '../verify/peer-status.js'
import { verifyRoundResult } from '../verify/round-result.js'
import { openEnvelope } from '../verify/verdict.js'
import type { FuzzTarget } from './fuzz.js'

/** The fuzz targets, in a fixed order. */
export function fuzzTargets(): FuzzTarget[] {
  const { delta, groupId, roundResult, commitment } = sampleRound()
  const envelopes = {
    group: encodeSignedMessage(signMessage('ScoredGroup', sampleGroup, domain, alice.privateKey)),
    delta: encodeSignedMessage(signMessage('Delta', delta, domain, bob.privateKey)),
    result: encodeSignedMessage(signMessage('RoundResult', roundResult, domain, validator.privateKey)),
    checkpoint: encodeSignedMessage(signMessage('CheckpointAnnouncement', sampleCheckpoint, domain, validator.privateKey)),
    status: encodeSignedMessage(signMessage('PeerStatus', samplePeerStatus, domain, alice.privateKey)),
    commitment: encodeSignedMessage(signMessage('DeltaCommitment', commitment, domain, bob.privateKey)),
  }
  const allEnvelopes = Object.values(envelopes)
  const dense = encodeDeltaPayload(denseF32Payload(Float32Array.of(0.5, -0, 1.5, -2)))
  const sparse = encodeDeltaPayload(
    compressTopKInt8(
      Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)),
      { k: 9, chunkSize: 4 },
    ),
  )
  const tensors = new Map([
    ['a', { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }],
    ['b', { shape: [1], data: Float32Array.of(-1) }],
  ])
  const numel = 16
  return [
    { name: 'SignedMessage', seeds: allEnvelopes, run: decodeSignedMessage },
    { name: 'ScoredGroup', seeds: [encodeScoredGroup(sampleGroup)], run: decodeScoredGroup },
    { name: 'Delta', seeds: [encodeDelta(delta)], run: decodeDelta },
    { name: 'RoundResult', seeds: [encodeRoundResult(roundResult)], run: decodeRoundResult },
    { name: 'CheckpointAnnouncement', seeds: [encodeCheckpointAnnouncement(sampleCheckpoint)], run: decodeCheckpointAnnouncement },
    { name: 'PeerStatus', seeds: [encodePeerStatus(samplePeerStatus)], run: decodePeerStatus },
    { name: 'RunManifest', seeds: [encodeRunManifest(sampleManifest)], run: decodeRunManifest },
    { name: 'DeltaPayload', seeds: [samplePayloadBytes, dense, sparse], run: decodeDeltaPayload },
    {
      name: 'TaskSpec',
      seeds: [encodeTaskSpec(taskSpecFromDifficulty('addition', '2-3')), encodeTaskSpec(taskSpecFromDifficulty('countdown'))],
      run: decodeTaskSpec,
    },
    { name: 'ModelConfig', seeds: [encodeModelConfig(NAMED_CONFIGS.tiny)], run: decodeModelConfig },
    { name: 'safetensors', seeds: [encodeSafetensors(tensors, { format: 'pt' })], run: decodeSafetensors },
    {
      name: 'ErrorFeedbackState',
      seeds: [encodeErrorFeedback({ residual: Float32Array.of(0.25, -1, 0, 3) })],
      run: decodeErrorFeedback,
    },
    {
      name: 'OuterState',
      seeds: [encodeOuterState(Float32Array.from({ length: numel }, (_, i) => i / 7))],
      run: (b) => decodeOuterState(b, numel),
    },
    // the gossip validators' verifiers: a verdict for anything (a throw here is a crash)
    {
      name: 'verify ScoredGroup envelope',
      seeds: allEnvelopes,
      run: (b) => openEnvelope('ScoredGroup', b, domain),
    },
    {
      name: 'verify Delta header',
      seeds: allEnvelopes,
      run: (b) =>
        verifyDeltaHeader({
          message: b,
          expected: { domain, round: 0n, basePolicyHash: POLICY_0, maxNorm: 100, numel, isValidGroup: (g) => g.length === groupId.length },
        }),
    },
    {
      name: 'verify Delta payload',
      seeds: [samplePayloadBytes, dense, sparse],
      // a header that matches whatever bytes came, so the checks after the hash run too
      run: (b) =>
        verifyDeltaPayload({ delta: { ...delta, payloadHash: hashDeltaPayload(b), payloadSizeBytes: b.length }, payload: b, numel }),
    },
    {
      name: 'verify RoundResult',
      seeds: allEnvelopes,
      run: (b) =>
        verifyRoundResult({ message: b, expected: { domain, round: 0n, previousPolicyHash: POLICY_0, validators: [validator.address] } }),
    },
    {
      name: 'verify CheckpointAnnouncement',
      seeds: allEnvelopes,
      run: (b) => verifyCheckpointAnnouncement({ message: b, expected: { domain, sizeBytes: sampleCheckpoint.sizeBytes } }),
    },
    {
      name: 'verify PeerStatus',
      seeds: allEnvelopes,
      run: (b) => verifyPeerStatus({ message: b, expected: { domain, round: samplePeerStatus.round } }),
    },
    { name: 'DeltaCommitment', seeds: [encodeDeltaCommitment(commitment)], run: decodeDeltaCommitment },
    {
      name: 'verify DeltaCommitment',
      seeds: allEnvelopes,
      run: (b) => verifyDeltaCommitment({ message: b, expected: { domain, round: commitment.round } }),
    },
  ]
}
