// SPDX-License-Identifier: Apache-2.0
pragma solidity =0.8.30; // exact pin for deployables; same version as contracts/package.json's solc

/// @title murmur contribution ledger
/// @notice Registers training runs and their validator sets, stores one contributions Merkle root and
/// policy hash per round once a quorum of validators has signed the round's `RoundResult`, and lets each
/// contributor prove its leaf once per round to accrue credit. Heavy logic stays off-chain
/// (protocol/src/messages/round-result.ts, protocol/src/merkle/contributions.ts); this contract checks
/// signatures, the policy-hash chain, roots and proofs.
interface IContributionLedger {
    /// @notice A run as the ledger keeps it.
    /// @param creator The account that created the run.
    /// @param quorum Distinct validator signatures a commit needs.
    /// @param validatorCount Size of the validator set.
    /// @param committedRounds Rounds 0 … committedRounds − 1 are committed; the next commit is this round.
    /// @param genesisPolicyHash h_0, the policy hash round 0 starts from.
    struct RunInfo {
        address creator;
        uint16 quorum;
        uint16 validatorCount;
        uint64 committedRounds;
        bytes32 genesisPolicyHash;
    }

    /// @notice A committed round: the policy it started from and ended with, and its contributions root.
    struct RoundInfo {
        bytes32 previousPolicyHash;
        bytes32 policyHash;
        bytes32 contributionsRoot;
    }

    /// @notice Emitted when run `runId` (the hash of its manifest) is registered.
    event RunCreated(
        bytes32 indexed runId,
        address indexed creator,
        bytes32 genesisPolicyHash,
        address[] validators,
        uint256 quorum
    );

    /// @notice Emitted once per round, when a quorum-signed `RoundResult` is stored.
    /// @param resultDigest The RoundResult's tagged keccak256 (`hashRoundResult`), which binds the included
    /// delta ids and every credit entry; auditors fetch the evidence by it.
    event RoundCommitted(
        bytes32 indexed runId,
        uint64 indexed round,
        bytes32 previousPolicyHash,
        bytes32 policyHash,
        bytes32 contributionsRoot,
        bytes32 resultDigest
    );

    /// @notice Emitted when `contributor`'s leaf of `round` is proven and its credit added.
    event CreditClaimed(
        bytes32 indexed runId,
        uint64 indexed round,
        address indexed contributor,
        uint32 acceptedGroups,
        uint32 acceptedDeltas,
        uint256 credit
    );

    /// @dev A run with this id (manifest hash) already exists; runs are write-once.
    error LedgerRunExists(bytes32 runId);
    /// @dev No run has this id; create it with {createRun} first.
    error LedgerUnknownRun(bytes32 runId);
    /// @dev A validator set must have 1 to `max` members.
    error LedgerInvalidValidatorCount(uint256 count, uint256 max);
    /// @dev Validators must be non-zero and strictly ascending; `validators[index]` is not.
    error LedgerValidatorsNotAscending(uint256 index, address validator);
    /// @dev The quorum must be in [1, validatorCount].
    error LedgerInvalidQuorum(uint256 quorum, uint256 validatorCount);
    /// @dev `round` of `runId` already has a result; rounds are write-once.
    error LedgerRoundAlreadyCommitted(bytes32 runId, uint64 round);
    /// @dev Rounds commit in order; the next round of `runId` is `expectedRound`.
    error LedgerRoundOutOfOrder(bytes32 runId, uint64 round, uint64 expectedRound);
    /// @dev The result starts from `previousPolicyHash` but the last committed policy (or genesis) is `expectedPolicyHash`.
    error LedgerPolicyHashMismatch(bytes32 runId, uint64 round, bytes32 previousPolicyHash, bytes32 expectedPolicyHash);
    /// @dev `signatures` signatures were given; the run needs `quorum` distinct validators.
    error LedgerQuorumNotReached(bytes32 runId, uint256 signatures, uint256 quorum);
    /// @dev `signatures[index]` is not a valid 65-byte, low-s secp256k1 signature.
    error LedgerInvalidSignature(bytes32 runId, uint256 index);
    /// @dev A signature recovers to `signer`, which is not in the run's validator set (or signed other data).
    error LedgerNotValidator(bytes32 runId, address signer);
    /// @dev `signer` signed twice; each validator counts once towards the quorum.
    error LedgerDuplicateSigner(bytes32 runId, address signer);
    /// @dev `round` of `runId` has no committed result yet.
    error LedgerRoundNotCommitted(bytes32 runId, uint64 round);
    /// @dev `runId` has no committed round yet.
    error LedgerNoRoundCommitted(bytes32 runId);
    /// @dev `contributor` already claimed its credit for `round`.
    error LedgerAlreadyClaimed(bytes32 runId, uint64 round, address contributor);
    /// @dev The proof does not lead from `contributor`'s leaf to the round's contributions root.
    error LedgerInvalidProof(bytes32 runId, uint64 round, address contributor);
    /// @dev `contributor`'s credit in `runId` so far, `total`, plus the leaf's `credit` would exceed 2^96 − 1
    /// (≈ 7.9 · 10^28), the width of the credit field: 7.9 · 10^22 trained groups at CREDIT_PER_TRAINED_GROUP.
    error LedgerCreditOverflow(bytes32 runId, address contributor, uint256 total, uint256 credit);

    /// @notice Registers a run: its id is its manifest hash, and the validators and quorum must be the
    /// manifest's. Anyone may create a run; peers check {runOf} against their manifest before taking part.
    /// @param manifestHash The run id (`hashRunManifest`).
    /// @param genesisPolicyHash h_0: round 0's `previousPolicyHash` must equal it.
    /// @param validators Validator addresses, strictly ascending (as in the manifest).
    /// @param quorum Distinct validator signatures a commit needs, in [1, validators.length].
    function createRun(bytes32 manifestHash, bytes32 genesisPolicyHash, address[] calldata validators, uint256 quorum) external;

    /// @notice Stores the result of `round`: `quorum` or more distinct validators must have signed the
    /// EIP-712 `RoundResult` typed message built from these fields, in the domain
    /// `{ name: "murmur", version: "1", chainId, verifyingContract: this ledger, salt: runId }`.
    /// `round` must be the next round and `previousPolicyHash` the last committed policy hash (genesis for round 0).
    /// @param resultDigest The RoundResult's tagged keccak256 over its canonical bytes (the typed message's `digest`).
    /// @param signatures 65-byte r ‖ s ‖ v signatures, in any order.
    function commitRound(
        bytes32 runId,
        uint64 round,
        bytes32 previousPolicyHash,
        bytes32 policyHash,
        bytes32 contributionsRoot,
        bytes32 resultDigest,
        bytes[] calldata signatures
    ) external;

    /// @notice Proves `contributor`'s leaf of `round` against the round's contributions root and adds
    /// `credit` to its total for the run, once per (run, round, contributor). Anyone may submit the claim;
    /// the credit always goes to `contributor`. Rounds may be claimed in any order and none expires.
    /// @dev Cost, the trade-off for a first claim that writes one new word: that word holds the credit and
    /// the claimed flags of the 96 rounds from the contributor's first claimed round (`CLAIM_WINDOW`), and a
    /// later claim in that window rewrites it. A round outside the window (earlier, or 96 or more rounds
    /// later) also writes its flag into a bitmap word of 256 rounds: about 5,000 gas more, or 22,100 more
    /// when that word is new (once per 256 rounds). Claiming in ascending round order puts the most rounds
    /// in the window. Credit is held in 96 bits: reverts with {LedgerCreditOverflow} past 2^96 − 1.
    /// @param proof Sibling hashes from the leaf to the root (OpenZeppelin StandardMerkleTree).
    function claim(
        bytes32 runId,
        uint64 round,
        address contributor,
        uint32 acceptedGroups,
        uint32 acceptedDeltas,
        uint256 credit,
        bytes32[] calldata proof
    ) external;

    /// @notice The run `runId`; reverts with {LedgerUnknownRun} if there is none.
    function runOf(bytes32 runId) external view returns (RunInfo memory);

    /// @notice Whether `account` is in `runId`'s validator set.
    function isValidator(bytes32 runId, address account) external view returns (bool);

    /// @notice The highest committed round of `runId`; reverts with {LedgerNoRoundCommitted} before round 0 commits.
    function lastCommittedRound(bytes32 runId) external view returns (uint64);

    /// @notice Committed `round` of `runId`; reverts with {LedgerRoundNotCommitted} if it has no result.
    function roundOf(bytes32 runId, uint64 round) external view returns (RoundInfo memory);

    /// @notice Total credit `contributor` has claimed in `runId`.
    function creditOf(bytes32 runId, address contributor) external view returns (uint256);

    /// @notice Whether `contributor` has claimed its credit for `round` of `runId`.
    function isClaimed(bytes32 runId, uint64 round, address contributor) external view returns (bool);

    /// @notice The EIP-712 domain separator of `runId` on this ledger (protocol's `domainSeparator`).
    function domainSeparator(bytes32 runId) external view returns (bytes32);

    /// @notice The EIP-712 digest validators sign for these RoundResult fields (protocol's `typedDataDigest`).
    function roundResultDigest(
        bytes32 runId,
        uint64 round,
        bytes32 previousPolicyHash,
        bytes32 policyHash,
        bytes32 contributionsRoot,
        bytes32 resultDigest
    ) external view returns (bytes32);

    /// @notice The Merkle leaf of one credit entry (protocol's `contributionLeafHash`).
    function contributionLeafHash(
        bytes32 runId,
        uint64 round,
        address contributor,
        uint32 acceptedGroups,
        uint32 acceptedDeltas,
        uint256 credit
    ) external pure returns (bytes32);
}
