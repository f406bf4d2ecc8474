// SPDX-License-Identifier: Apache-2.0
pragma solidity =0.8.30; // exact pin for deployables; same version as contracts/package.json's solc

/// @title murmur credit links
/// @notice Lets a contributor key name the account its credit in a run adds up to: how a browser tab's
/// key, which signs every group and delta the tab publishes, gives its credit to the wallet its user
/// connected, which signs nothing but one transaction. The key consents by signing Link(run, owner) in
/// the ledger's EIP-712 domain of the run (protocol's `linkDigest`); the owner by sending {link}. Links
/// never touch the ledger: its claims and totals stay per key, and {ownerCreditOf} sums the linked keys'.
interface ICreditLinks {
    /// @notice Emitted when `contributor`'s key names `owner` (the sender of {link}) in `runId`.
    event ContributorLinked(bytes32 indexed runId, address indexed contributor, address indexed owner);

    /// @dev No run has this id on the ledger.
    error LinkUnknownRun(bytes32 runId);
    /// @dev `contributor` already names `owner` in `runId`; a link is write-once.
    error LinkAlreadyLinked(bytes32 runId, address contributor, address owner);
    /// @dev The signature is not `contributor`'s over Link(runId, sender) in the run's EIP-712 domain.
    error LinkInvalidSignature(bytes32 runId, address contributor);
    /// @dev `owner` already has `max` contributor keys in `runId`.
    error LinkTooMany(bytes32 runId, address owner, uint256 max);

    /// @notice Names the sender as the owner of `contributor`'s credit in `runId`. `signature` is the
    /// contributor key's 65-byte EIP-712 signature of Link(run = runId, owner = sender). Write-once per key
    /// and run.
    function link(bytes32 runId, address contributor, bytes calldata signature) external;

    /// @notice The owner `contributor` named in `runId`, or the zero address.
    function ownerOf(bytes32 runId, address contributor) external view returns (address);

    /// @notice The contributor keys that named `owner` in `runId`, in link order.
    function linkedOf(bytes32 runId, address owner) external view returns (address[] memory);

    /// @notice The ledger credit claimed by every key linked to `owner` in `runId`, summed.
    function ownerCreditOf(bytes32 runId, address owner) external view returns (uint256);

    /// @notice The EIP-712 digest a contributor key signs to name `owner` in `runId` (protocol's `linkDigest`).
    function linkDigest(bytes32 runId, address owner) external view returns (bytes32);
}
