// SPDX-License-Identifier: Apache-2.0
pragma solidity =0.8.30; // exact pin for deployables; same version as contracts/package.json's solc

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {CreditLinks} from "./CreditLinks.sol";
import {IContributionLedger} from "./interfaces/IContributionLedger.sol";

/// @title murmur contribution ledger
/// @notice See {IContributionLedger}. `multicall` (OpenZeppelin) batches claims into one transaction.
/// @dev Gas budget (contracts/src/gas.test.ts): commitRound with a quorum of 3 ≤ 120k whatever the round
/// size, every claim ≤ 70k, a contributor's first claim in a run included. So a round stores two words,
/// the validator set is a mapping, not an array, and a contributor's first claim writes one new word
/// (see {Contributor}): its credit, and the claimed flags of the 96 rounds from its first claimed round.
contract ContributionLedger is IContributionLedger, Multicall {
    /// @notice Largest validator set; equals protocol's MAX_VALIDATORS, and fits the 256-bit signer bitmap.
    uint256 public constant MAX_VALIDATORS = 256;
    /// @notice Rounds, from a contributor's first claimed round on, whose claimed flags share the word of
    /// its credit; the flags of other rounds cost a second word (see {Contributor}).
    uint256 public constant CLAIM_WINDOW = 96;

    /// @dev protocol/src/crypto/eip712.ts: the domain names the run through its salt, so one ledger serves
    /// many runs and a signature for one run never verifies for another.
    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)");
    bytes32 private constant _NAME_HASH = keccak256("murmur");
    bytes32 private constant _VERSION_HASH = keccak256("1");
    /// @notice keccak256 of protocol's `encodeType('RoundResult')`; member order is part of the hash.
    bytes32 public constant ROUND_RESULT_TYPEHASH =
        keccak256(
            "RoundResult(bytes32 run,uint64 round,bytes32 previousPolicyHash,bytes32 newPolicyHash,bytes32 contributionsRoot,bytes32 digest)"
        );

    /// @notice The {CreditLinks} this ledger created: where a contributor key names the wallet its credit adds up to.
    CreditLinks public immutable links;

    // one slot: 20 + 2 + 2 + 8 bytes
    struct Run {
        address creator;
        uint16 quorum;
        uint16 validatorCount;
        uint64 committedRounds;
        bytes32 genesisPolicyHash;
    }

    struct Round {
        bytes32 policyHash;
        bytes32 contributionsRoot;
    }

    /// @dev One contributor in one run. `account` packs `credit` (bits 0–95), `firstRound` (96–159) and
    /// `window` (160–255), where bit i of `window` flags round `firstRound + i` as claimed (i < CLAIM_WINDOW),
    /// so a first claim writes one new word (22,100 gas) where a credit word and a bitmap word would cost
    /// two. `flags` holds the flags of the rounds outside the window: bit (round % 256) of word (round / 256).
    /// The first claim sets `firstRound` and bit 0, and no flag is ever cleared, so `window != 0` means "has
    /// claimed" and `firstRound` never changes afterwards: every round has one flag for good, which keeps
    /// double claims out.
    struct Contributor {
        uint256 account;
        mapping(uint256 word => uint256) flags;
    }

    mapping(bytes32 runId => Run) private _runs;
    // index + 1 of each validator in the set, so 0 means "not a validator"
    mapping(bytes32 runId => mapping(address validator => uint256)) private _validatorSlots;
    mapping(bytes32 runId => mapping(uint64 round => Round)) private _rounds;
    mapping(bytes32 runId => mapping(address contributor => Contributor)) private _contributors;

    constructor() {
        links = new CreditLinks(this);
    }

    /// @inheritdoc IContributionLedger
    function createRun(
        bytes32 manifestHash,
        bytes32 genesisPolicyHash,
        address[] calldata validators,
        uint256 quorum
    ) external {
        if (_runs[manifestHash].creator != address(0)) revert LedgerRunExists(manifestHash);
        uint256 n = validators.length;
        if (n == 0 || n > MAX_VALIDATORS) revert LedgerInvalidValidatorCount(n, MAX_VALIDATORS);
        if (quorum == 0 || quorum > n) revert LedgerInvalidQuorum(quorum, n);

        mapping(address => uint256) storage slots = _validatorSlots[manifestHash];
        address previous = address(0);
        for (uint256 i = 0; i < n; ++i) {
            address validator = validators[i];
            // ascending from address(0) also rejects the zero address, which ecrecover never returns
            if (validator <= previous) revert LedgerValidatorsNotAscending(i, validator);
            slots[validator] = i + 1;
            previous = validator;
        }
        // n ≤ 256 and quorum ≤ n were checked above, so both fit uint16
        _runs[manifestHash] = Run({
            creator: msg.sender,
            quorum: uint16(quorum),
            validatorCount: uint16(n),
            committedRounds: 0,
            genesisPolicyHash: genesisPolicyHash
        });
        emit RunCreated(manifestHash, msg.sender, genesisPolicyHash, validators, quorum);
    }

    /// @inheritdoc IContributionLedger
    function commitRound(
        bytes32 runId,
        uint64 round,
        bytes32 previousPolicyHash,
        bytes32 policyHash,
        bytes32 contributionsRoot,
        bytes32 resultDigest,
        bytes[] calldata signatures
    ) external {
        Run storage run = _existingRun(runId);
        uint64 next = run.committedRounds;
        if (round < next) revert LedgerRoundAlreadyCommitted(runId, round);
        if (round > next) revert LedgerRoundOutOfOrder(runId, round, next);
        bytes32 expected = _policyHashBefore(runId, run, round);
        if (previousPolicyHash != expected) revert LedgerPolicyHashMismatch(runId, round, previousPolicyHash, expected);
        _checkQuorum(
            runId,
            run.quorum,
            roundResultDigest(runId, round, previousPolicyHash, policyHash, contributionsRoot, resultDigest),
            signatures
        );

        // checked arithmetic: overflowing would take 2^64 commits
        run.committedRounds = next + 1;
        _rounds[runId][round] = Round({policyHash: policyHash, contributionsRoot: contributionsRoot});
        emit RoundCommitted(runId, round, previousPolicyHash, policyHash, contributionsRoot, resultDigest);
    }

    /// @inheritdoc IContributionLedger
    function claim(
        bytes32 runId,
        uint64 round,
        address contributor,
        uint32 acceptedGroups,
        uint32 acceptedDeltas,
        uint256 credit,
        bytes32[] calldata proof
    ) external {
        bytes32 root = _rounds[runId][round].contributionsRoot;
        if (root == bytes32(0)) _revertNoRoot(runId, round, contributor);
        bytes32 leaf = contributionLeafHash(runId, round, contributor, acceptedGroups, acceptedDeltas, credit);
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert LedgerInvalidProof(runId, round, contributor);
        _addClaim(runId, round, contributor, credit);
        emit CreditClaimed(runId, round, contributor, acceptedGroups, acceptedDeltas, credit);
    }

    /// @inheritdoc IContributionLedger
    function runOf(bytes32 runId) external view returns (RunInfo memory) {
        Run storage run = _existingRun(runId);
        return
            RunInfo({
                creator: run.creator,
                quorum: run.quorum,
                validatorCount: run.validatorCount,
                committedRounds: run.committedRounds,
                genesisPolicyHash: run.genesisPolicyHash
            });
    }

    /// @inheritdoc IContributionLedger
    function isValidator(bytes32 runId, address account) external view returns (bool) {
        return _validatorSlots[runId][account] != 0;
    }

    /// @inheritdoc IContributionLedger
    function lastCommittedRound(bytes32 runId) external view returns (uint64) {
        uint64 committed = _existingRun(runId).committedRounds;
        if (committed == 0) revert LedgerNoRoundCommitted(runId);
        return committed - 1;
    }

    /// @inheritdoc IContributionLedger
    function roundOf(bytes32 runId, uint64 round) external view returns (RoundInfo memory) {
        Run storage run = _existingRun(runId);
        if (round >= run.committedRounds) revert LedgerRoundNotCommitted(runId, round);
        Round storage stored = _rounds[runId][round];
        return
            RoundInfo({
                previousPolicyHash: _policyHashBefore(runId, run, round),
                policyHash: stored.policyHash,
                contributionsRoot: stored.contributionsRoot
            });
    }

    /// @inheritdoc IContributionLedger
    function creditOf(bytes32 runId, address contributor) external view returns (uint256) {
        return uint96(_contributors[runId][contributor].account);
    }

    /// @inheritdoc IContributionLedger
    function isClaimed(bytes32 runId, uint64 round, address contributor) external view returns (bool) {
        Contributor storage c = _contributors[runId][contributor];
        uint256 account = c.account;
        uint256 firstRound = uint64(account >> 96);
        uint256 window = account >> 160;
        if (window != 0 && round >= firstRound && round - firstRound < CLAIM_WINDOW) {
            return (window >> (round - firstRound)) & 1 != 0;
        }
        return (c.flags[round >> 8] >> (round & 0xff)) & 1 != 0;
    }

    /// @inheritdoc IContributionLedger
    function domainSeparator(bytes32 runId) public view returns (bytes32) {
        return keccak256(abi.encode(_DOMAIN_TYPEHASH, _NAME_HASH, _VERSION_HASH, block.chainid, address(this), runId));
    }

    /// @inheritdoc IContributionLedger
    function roundResultDigest(
        bytes32 runId,
        uint64 round,
        bytes32 previousPolicyHash,
        bytes32 policyHash,
        bytes32 contributionsRoot,
        bytes32 resultDigest
    ) public view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                ROUND_RESULT_TYPEHASH,
                runId,
                round,
                previousPolicyHash,
                policyHash,
                contributionsRoot,
                resultDigest
            )
        );
        return MessageHashUtils.toTypedDataHash(domainSeparator(runId), structHash);
    }

    /// @inheritdoc IContributionLedger
    function contributionLeafHash(
        bytes32 runId,
        uint64 round,
        address contributor,
        uint32 acceptedGroups,
        uint32 acceptedDeltas,
        uint256 credit
    ) public pure returns (bytes32 leaf) {
        // keccak256(bytes.concat(keccak256(abi.encode(runId, round, contributor, acceptedGroups, acceptedDeltas,
        // credit)))): the double hash of OpenZeppelin's StandardMerkleTree, so a leaf can never pass as an inner
        // node. Hashed in free memory without allocating it, which saves claim 160 gas (of its 70k budget);
        // the masks clean the high bits of the narrow types, as abi.encode does.
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, runId)
            mstore(add(m, 0x20), and(round, 0xffffffffffffffff))
            mstore(add(m, 0x40), and(contributor, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x60), and(acceptedGroups, 0xffffffff))
            mstore(add(m, 0x80), and(acceptedDeltas, 0xffffffff))
            mstore(add(m, 0xa0), credit)
            mstore(0x00, keccak256(m, 0xc0))
            leaf := keccak256(0x00, 0x20)
        }
    }

    function _existingRun(bytes32 runId) private view returns (Run storage run) {
        run = _runs[runId];
        if (run.creator == address(0)) revert LedgerUnknownRun(runId);
    }

    /// @dev The policy hash `round` starts from: genesis for round 0, else round − 1's result.
    function _policyHashBefore(bytes32 runId, Run storage run, uint64 round) private view returns (bytes32) {
        return round == 0 ? run.genesisPolicyHash : _rounds[runId][round - 1].policyHash;
    }

    /// @dev Every signature must be a distinct validator's, and there must be at least `quorum`. The loop is
    /// bounded by the validator set: signature number validatorCount + 1 is a duplicate or a stranger.
    function _checkQuorum(bytes32 runId, uint256 quorum, bytes32 digest, bytes[] calldata signatures) private view {
        if (signatures.length < quorum) revert LedgerQuorumNotReached(runId, signatures.length, quorum);
        mapping(address => uint256) storage slots = _validatorSlots[runId];
        uint256 seen = 0;
        for (uint256 i = 0; i < signatures.length; ++i) {
            (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError) revert LedgerInvalidSignature(runId, i);
            uint256 slot = slots[signer];
            if (slot == 0) revert LedgerNotValidator(runId, signer);
            uint256 bit = 1 << (slot - 1);
            if (seen & bit != 0) revert LedgerDuplicateSigner(runId, signer);
            seen |= bit;
        }
    }

    /// @dev Flags `round` as claimed for `contributor` and adds `credit` to its total; reverts on a double
    /// claim or when the total would not fit its 96 bits. {Contributor} describes the layout.
    function _addClaim(bytes32 runId, uint64 round, address contributor, uint256 credit) private {
        Contributor storage c = _contributors[runId][contributor];
        uint256 account = c.account;
        uint256 total = uint96(account);
        if (credit > type(uint96).max - total) revert LedgerCreditOverflow(runId, contributor, total, credit);
        uint256 firstRound = uint64(account >> 96);
        uint256 window = account >> 160;
        if (window == 0) {
            firstRound = round;
            window = 1;
        } else if (round >= firstRound && round - firstRound < CLAIM_WINDOW) {
            uint256 bit = 1 << (round - firstRound);
            if (window & bit != 0) revert LedgerAlreadyClaimed(runId, round, contributor);
            window |= bit;
        } else {
            uint256 word = c.flags[round >> 8];
            uint256 bit = 1 << (round & 0xff);
            if (word & bit != 0) revert LedgerAlreadyClaimed(runId, round, contributor);
            c.flags[round >> 8] = word | bit;
        }
        // total + credit < 2^96, firstRound < 2^64 and window < 2^CLAIM_WINDOW: the fields do not overlap
        c.account = (window << 160) | (firstRound << 96) | (total + credit);
    }

    /// @dev A zero root: an unknown run, a round not committed yet, or a committed round that credits
    /// nobody. The distinction costs storage reads, so only a failing claim pays for it.
    function _revertNoRoot(bytes32 runId, uint64 round, address contributor) private view {
        if (round >= _existingRun(runId).committedRounds) revert LedgerRoundNotCommitted(runId, round);
        revert LedgerInvalidProof(runId, round, contributor);
    }
}
