// SPDX-License-Identifier: Apache-2.0
pragma solidity =0.8.30; // exact pin for deployables; same version as contracts/package.json's solc

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IContributionLedger} from "./interfaces/IContributionLedger.sol";
import {ICreditLinks} from "./interfaces/ICreditLinks.sol";

/// @title murmur credit links
/// @notice See {ICreditLinks}. Created by the ledger's constructor (`ContributionLedger.links`), so a client
/// that knows the ledger finds it.
/// @dev A contract of its own so the ledger's claim path keeps its code and gas: linking inside the ledger
/// cost every claim 115–305 gas through the optimizer's layout, past the 70k budget of the deepest one.
contract CreditLinks is ICreditLinks {
    /// @notice Most contributor keys one owner may link in one run (a browser each); bounds {ownerCreditOf}.
    uint256 public constant MAX_LINKS = 64;
    /// @notice keccak256 of protocol's `encodeType('Link')`.
    bytes32 public constant LINK_TYPEHASH = keccak256("Link(bytes32 run,address owner)");

    /// @notice The ledger whose runs, EIP-712 domain and credit the links refer to.
    IContributionLedger public immutable ledger;

    mapping(bytes32 runId => mapping(address contributor => address owner)) private _owners;
    mapping(bytes32 runId => mapping(address owner => address[])) private _links;

    constructor(IContributionLedger ledger_) {
        ledger = ledger_;
    }

    /// @inheritdoc ICreditLinks
    function link(bytes32 runId, address contributor, bytes calldata signature) external {
        try ledger.runOf(runId) {} catch {
            revert LinkUnknownRun(runId);
        }
        address owner = _owners[runId][contributor];
        if (owner != address(0)) revert LinkAlreadyLinked(runId, contributor, owner);
        address[] storage keys = _links[runId][msg.sender];
        if (keys.length >= MAX_LINKS) revert LinkTooMany(runId, msg.sender, MAX_LINKS);
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(linkDigest(runId, msg.sender), signature);
        if (err != ECDSA.RecoverError.NoError || signer != contributor) revert LinkInvalidSignature(runId, contributor);
        _owners[runId][contributor] = msg.sender;
        keys.push(contributor);
        emit ContributorLinked(runId, contributor, msg.sender);
    }

    /// @inheritdoc ICreditLinks
    function ownerOf(bytes32 runId, address contributor) external view returns (address) {
        return _owners[runId][contributor];
    }

    /// @inheritdoc ICreditLinks
    function linkedOf(bytes32 runId, address owner) external view returns (address[] memory) {
        return _links[runId][owner];
    }

    /// @inheritdoc ICreditLinks
    function ownerCreditOf(bytes32 runId, address owner) external view returns (uint256 total) {
        address[] storage keys = _links[runId][owner];
        for (uint256 i = 0; i < keys.length; ++i) total += ledger.creditOf(runId, keys[i]);
    }

    /// @inheritdoc ICreditLinks
    function linkDigest(bytes32 runId, address owner) public view returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(ledger.domainSeparator(runId), keccak256(abi.encode(LINK_TYPEHASH, runId, owner)));
    }
}
