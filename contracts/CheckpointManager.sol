// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/**
 * @title CheckpointManager
 * @notice Anchors Outrigger sidechain checkpoints on L1. A checkpoint is accepted only if it continues the last one
 * and validators holding more than 2/3 of the current set's power signed it (EIP-712). The set itself is kept as a
 * hash; submitters pass the full set in calldata, which is far cheaper than reading it from storage. Each accepted
 * checkpoint hands the set over to the hash it names, so set changes need no admin: there is none. A checkpoint
 * that changes the set also carries the new set, which must be one that can sign (non-empty, sorted, no zero
 * power, total within the consensus cap): a handover to a set that can never sign would stop the chain for good.
 * @dev A validator set travels packed: per validator 28 bytes, the address (20) then the power as a big-endian
 * uint64 (8), addresses strictly ascending. The set's hash is keccak256 of exactly those bytes, the same
 * commitment sidechain block headers carry (node/crypto/validatorSetHash.ts). Storage per checkpoint is two
 * words: the withdrawals root (what Bridge needs) and the EIP-712 struct hash, which commits to every field. The
 * fields themselves are in the CheckpointSubmitted event; anyone holding them can prove them against L1 with
 * `isAccepted`. Storing them in full would cost a third word, about 22,000 gas per checkpoint.
 */
contract CheckpointManager is EIP712 {
    /// @notice The EIP-712 struct validators sign. `number` and heights must continue the previous checkpoint.
    struct Checkpoint {
        uint256 sidechainId;
        uint256 number;
        uint64 startHeight;
        uint64 endHeight;
        bytes32 blocksRoot;
        bytes32 withdrawalsRoot;
        bytes32 nextValidatorSetHash;
    }

    /// @notice What L1 keeps of an accepted checkpoint; both words are zero for a number never accepted.
    struct CheckpointRecord {
        /// EIP-712 struct hash of the checkpoint (never zero for an accepted one).
        bytes32 checkpointHash;
        bytes32 withdrawalsRoot;
    }

    bytes32 public constant CHECKPOINT_TYPEHASH = keccak256(
        "Checkpoint(uint256 sidechainId,uint256 number,uint64 startHeight,uint64 endHeight,bytes32 blocksRoot,bytes32 withdrawalsRoot,bytes32 nextValidatorSetHash)"
    );

    /// @notice The consensus cap on a set's total power (CometBFT's MaxInt64 / 8); no set above it can certify.
    uint256 public constant MAX_TOTAL_POWER = 1152921504606846975;

    /// @dev One packed validator: 20-byte address, then 8-byte big-endian power.
    uint256 private constant VALIDATOR_BYTES = 28;
    /// @dev Each signer is named by a big-endian uint16 index into the validator set.
    uint256 private constant INDEX_BYTES = 2;
    uint256 private constant SIGNATURE_BYTES = 65;
    /// @dev secp256k1 order / 2: a larger s is the malleable twin of a valid signature.
    uint256 private constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    uint256 private constant FAULT_BAD_INDEX = 1;
    uint256 private constant FAULT_HIGH_S = 2;
    uint256 private constant FAULT_BAD_SIGNER = 3;

    uint256 private constant SET_FAULT_UNSORTED = 1;
    uint256 private constant SET_FAULT_ZERO_POWER = 2;

    /// @notice The sidechain's chain id; signatures for any other sidechain are refused.
    uint256 public immutable sidechainId;

    /// @notice keccak256 of the packed set (address ‖ uint64 power per validator) that signs the next checkpoint.
    bytes32 public validatorSetHash;

    /// @notice Number of the last accepted checkpoint (0 before the first).
    uint64 public lastCheckpointNumber;

    /// @notice Last sidechain height covered by an accepted checkpoint (0 before the first).
    uint64 public lastEndHeight;

    /// @dev Total power of the stored set, 0 until the set has been checked. A set handed over to is checked when
    /// it comes in, the deployed one at its first use; after that a submission need not walk the set again. It
    /// shares the slot of the two counters above, so keeping it costs no extra storage access.
    uint64 private _validatorSetPower;

    mapping(uint256 number => CheckpointRecord) private _checkpoints;

    /// @notice A checkpoint was accepted.
    event CheckpointSubmitted(
        uint256 indexed number,
        uint64 startHeight,
        uint64 endHeight,
        bytes32 blocksRoot,
        bytes32 withdrawalsRoot,
        bytes32 nextValidatorSetHash
    );

    /// @notice The validator set changed; `checkpointNumber` is 0 for the initial set.
    event ValidatorSetUpdated(uint256 indexed checkpointNumber, bytes32 previousHash, bytes32 newHash);

    error ZeroSidechainId();
    error ZeroValidatorSetHash();
    error SidechainIdMismatch(uint256 expected, uint256 actual);
    error CheckpointNumberGap(uint256 expected, uint256 actual);
    error StartHeightGap(uint64 expected, uint64 actual);
    error InvalidHeightRange(uint64 startHeight, uint64 endHeight);
    error MalformedValidatorSet(uint256 length);
    error ValidatorSetHashMismatch(bytes32 expected, bytes32 actual);
    error NextValidatorSetHashMismatch(bytes32 expected, bytes32 actual);
    error UnexpectedNextValidatorSet();
    error EmptyValidatorSet();
    error ValidatorsNotSorted(uint256 index);
    error ZeroPowerValidator(uint256 index);
    error TotalPowerAboveCap(uint256 totalPower);
    error MalformedSignatures(uint256 indexBytes, uint256 signatureBytes);
    error SignerIndicesNotAscending(uint256 position);
    error SignerIndexOutOfRange(uint256 position, uint256 index);
    error InvalidSignatureV(uint256 position, uint8 v);
    error HighSSignature(uint256 position);
    error InvalidSignature(uint256 position);
    error SignerMismatch(uint256 position, address expected, address recovered);
    error InsufficientSignedPower(uint256 signedPower, uint256 totalPower);

    /**
     * @param sidechainId_ The sidechain's chain id.
     * @param initialValidatorSetHash Hash of the validator set that signs checkpoint 1; never zero.
     */
    constructor(uint256 sidechainId_, bytes32 initialValidatorSetHash) EIP712("Outrigger", "1") {
        if (sidechainId_ == 0) revert ZeroSidechainId();
        if (initialValidatorSetHash == bytes32(0)) revert ZeroValidatorSetHash();
        sidechainId = sidechainId_;
        validatorSetHash = initialValidatorSetHash;
        emit ValidatorSetUpdated(0, bytes32(0), initialValidatorSetHash);
    }

    /**
     * @notice Accepts the next checkpoint if validators with more than 2/3 of the current set's power signed it.
     * @param checkpoint The signed checkpoint; it must continue the last one in number and height.
     * @param validatorSet The current set, packed (28 bytes per validator: address, uint64 power), ascending.
     * @param signerIndices Packed big-endian uint16 indices into `validatorSet`, strictly ascending.
     * @param signatures Packed 65-byte signatures (r, s, v), one per index, in the same order.
     * @param nextValidatorSet The set `checkpoint.nextValidatorSetHash` names, packed the same way, when it differs
     * from the current one; empty when the set is unchanged.
     * @dev Any bad signature reverts the whole submission: skipping it would let a relayer pad a submission with
     * garbage that later reads as a valid-looking record.
     */
    function submitCheckpoint(
        Checkpoint calldata checkpoint,
        bytes calldata validatorSet,
        bytes calldata signerIndices,
        bytes calldata signatures,
        bytes calldata nextValidatorSet
    ) external {
        _checkContinuity(checkpoint);
        bytes32 currentHash = validatorSetHash;
        bytes32 actual = _hashValidatorSet(validatorSet);
        if (actual != currentHash) revert ValidatorSetHashMismatch(currentHash, actual);
        uint256 totalPower = _validatorSetPower;
        if (totalPower == 0) totalPower = _checkValidatorSet(validatorSet);
        uint256 nextPower = totalPower;
        if (checkpoint.nextValidatorSetHash != currentHash) {
            bytes32 nextHash = _hashValidatorSet(nextValidatorSet);
            if (nextHash != checkpoint.nextValidatorSetHash) {
                revert NextValidatorSetHashMismatch(checkpoint.nextValidatorSetHash, nextHash);
            }
            nextPower = _checkValidatorSet(nextValidatorSet);
        } else if (nextValidatorSet.length != 0) {
            revert UnexpectedNextValidatorSet();
        }
        bytes32 structHash = hashCheckpoint(checkpoint);
        uint256 signedPower = _signedPower(_hashTypedDataV4(structHash), validatorSet, signerIndices, signatures);
        // Exactly 2/3 is not enough: BFT safety needs strictly more than 2/3 of the power. Both sides stay far
        // below 2^256: the total is capped at MAX_TOTAL_POWER < 2^60, and the signed power is part of it.
        if (signedPower * 3 <= totalPower * 2) revert InsufficientSignedPower(signedPower, totalPower);
        _store(checkpoint, structHash, currentHash, nextPower);
    }

    /**
     * @notice The EIP-712 digest validators sign for `checkpoint` on this chain and contract.
     * @param checkpoint The checkpoint to hash.
     * @return The typed-data digest.
     */
    function checkpointDigest(Checkpoint calldata checkpoint) external view returns (bytes32) {
        return _hashTypedDataV4(hashCheckpoint(checkpoint));
    }

    /**
     * @notice The EIP-712 struct hash of `checkpoint`, as stored for accepted checkpoints.
     * @param checkpoint The checkpoint to hash.
     * @return The struct hash.
     */
    function hashCheckpoint(Checkpoint calldata checkpoint) public pure returns (bytes32) {
        return keccak256(
            abi.encode(
                CHECKPOINT_TYPEHASH,
                checkpoint.sidechainId,
                checkpoint.number,
                checkpoint.startHeight,
                checkpoint.endHeight,
                checkpoint.blocksRoot,
                checkpoint.withdrawalsRoot,
                checkpoint.nextValidatorSetHash
            )
        );
    }

    /**
     * @notice True if exactly this checkpoint (every field) was accepted under its number.
     * @param checkpoint The checkpoint, e.g. as read from a CheckpointSubmitted event or a sidechain node.
     * @return Whether L1 accepted it.
     */
    function isAccepted(Checkpoint calldata checkpoint) external view returns (bool) {
        bytes32 stored = _checkpoints[checkpoint.number].checkpointHash;
        return stored != bytes32(0) && stored == hashCheckpoint(checkpoint);
    }

    /**
     * @notice The record of an accepted checkpoint; both words are zero for a number never accepted.
     * @param number The checkpoint number.
     * @return The stored record.
     */
    function getCheckpoint(uint256 number) external view returns (CheckpointRecord memory) {
        return _checkpoints[number];
    }

    /**
     * @notice The withdrawals root of an accepted checkpoint, or zero (unknown number or no withdrawals).
     * @param number The checkpoint number.
     * @return The root.
     */
    function withdrawalsRoot(uint256 number) external view returns (bytes32) {
        return _checkpoints[number].withdrawalsRoot;
    }

    /**
     * @notice The EIP-712 domain separator (name "Outrigger", version "1", this chain, this contract).
     * @return The separator.
     */
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function _checkContinuity(Checkpoint calldata checkpoint) private view {
        if (checkpoint.sidechainId != sidechainId) revert SidechainIdMismatch(sidechainId, checkpoint.sidechainId);
        uint256 expectedNumber = uint256(lastCheckpointNumber) + 1;
        if (checkpoint.number != expectedNumber) revert CheckpointNumberGap(expectedNumber, checkpoint.number);
        uint64 expectedStart = lastEndHeight + 1;
        if (checkpoint.startHeight != expectedStart) revert StartHeightGap(expectedStart, checkpoint.startHeight);
        // Ending at the uint64 maximum would leave the next checkpoint no start height: the chain would stop.
        if (checkpoint.endHeight < checkpoint.startHeight || checkpoint.endHeight == type(uint64).max) {
            revert InvalidHeightRange(checkpoint.startHeight, checkpoint.endHeight);
        }
        if (checkpoint.nextValidatorSetHash == bytes32(0)) revert ZeroValidatorSetHash();
    }

    /// @dev keccak256 of the packed set, from one calldata copy into scratch memory (never allocated).
    function _hashValidatorSet(bytes calldata set) private pure returns (bytes32 result) {
        if (set.length % VALIDATOR_BYTES != 0) revert MalformedValidatorSet(set.length);
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, set.offset, set.length)
            result := keccak256(ptr, set.length)
        }
    }

    /**
     * @dev Returns the total power of a packed set after proving it is one that can sign: not empty, addresses
     * strictly ascending from above zero (so no address twice), no zero power, total within MAX_TOTAL_POWER. The
     * sum cannot overflow: at most 2^256 / 28 uint64 powers fit in calldata.
     */
    function _checkValidatorSet(bytes calldata set) private pure returns (uint256 totalPower) {
        if (set.length == 0) revert EmptyValidatorSet();
        uint256 fault;
        uint256 faultAt;
        assembly ("memory-safe") {
            let previous := 0
            let end := add(set.offset, set.length)
            for { let p := set.offset } lt(p, end) { p := add(p, VALIDATOR_BYTES) } {
                // One word holds the address (bytes 0-19) and the power (bytes 20-27).
                let word := calldataload(p)
                let current := shr(96, word)
                if iszero(gt(current, previous)) {
                    fault := SET_FAULT_UNSORTED
                    faultAt := p
                    break
                }
                let power := and(shr(32, word), 0xFFFFFFFFFFFFFFFF)
                if iszero(power) {
                    fault := SET_FAULT_ZERO_POWER
                    faultAt := p
                    break
                }
                previous := current
                totalPower := add(totalPower, power)
            }
        }
        if (fault != 0) {
            uint256 index;
            unchecked {
                index = (faultAt - _offsetOf(set)) / VALIDATOR_BYTES;
            }
            if (fault == SET_FAULT_UNSORTED) revert ValidatorsNotSorted(index);
            revert ZeroPowerValidator(index);
        }
        if (totalPower > MAX_TOTAL_POWER) revert TotalPowerAboveCap(totalPower);
    }

    function _offsetOf(bytes calldata data) private pure returns (uint256 offset) {
        assembly ("memory-safe") {
            offset := data.offset
        }
    }

    /**
     * @dev Sums the power of the validators whose signatures are packed in `signerIndices` and `signatures`.
     * This loop is most of the cost of a checkpoint, so it runs in assembly: per signature it reads the index, checks
     * it is above the previous one and inside the set (distinct signers of a checked set, so the sum cannot exceed
     * the total power), checks v and low s, calls the ecrecover precompile and compares with the validator at that
     * index. On the first fault it stops, and `_revertFault` names it.
     */
    function _signedPower(
        bytes32 digest,
        bytes calldata validatorSet,
        bytes calldata signerIndices,
        bytes calldata signatures
    ) private view returns (uint256 signedPower) {
        uint256 count = signerIndices.length / INDEX_BYTES;
        if (signerIndices.length % INDEX_BYTES != 0 || signatures.length != count * SIGNATURE_BYTES) {
            revert MalformedSignatures(signerIndices.length, signatures.length);
        }
        uint256 fault;
        uint256 position;
        assembly ("memory-safe") {
            // ecrecover input at the free memory pointer: digest, v, r, s (used temporarily, never allocated).
            let input := mload(0x40)
            mstore(input, digest)
            // A failed recovery returns no data and leaves this word as it was: zero, or the previous signer, and
            // neither can equal this signer's address (a checked set is nonzero and strictly ascending).
            mstore(0, 0)
            let setOffset := validatorSet.offset
            let minIndex := 0
            let indexPtr := signerIndices.offset
            let sigPtr := signatures.offset
            let sigEnd := add(sigPtr, signatures.length)
            // The loop condition is tested at the bottom: one jump per signature instead of two.
            if lt(sigPtr, sigEnd) {
                for {} 1 {} {
                    let index := shr(240, calldataload(indexPtr))
                    // Strictly ascending. The upper bound is checked once, on the last (largest) index, after the loop:
                    // an index past the set reads other calldata, and the whole submission reverts then anyway.
                    if lt(index, minIndex) {
                        fault := FAULT_BAD_INDEX
                        break
                    }
                    let s := calldataload(add(sigPtr, 0x20))
                    // The precompile itself refuses any v but 27 and 28 (no output, so a signer mismatch below, which
                    // _revertFault names), but it accepts a high s: the malleable twin must be refused here.
                    if gt(s, HALF_ORDER) {
                        fault := FAULT_HIGH_S
                        break
                    }
                    mstore(add(input, 0x20), shr(248, calldataload(add(sigPtr, 0x40))))
                    calldatacopy(add(input, 0x40), sigPtr, 0x40)
                    pop(staticcall(gas(), 1, input, 0x80, 0, 0x20))
                    let word := calldataload(add(setOffset, mul(index, VALIDATOR_BYTES)))
                    if iszero(eq(mload(0), shr(96, word))) {
                        fault := FAULT_BAD_SIGNER
                        break
                    }
                    signedPower := add(signedPower, and(shr(32, word), 0xFFFFFFFFFFFFFFFF))
                    minIndex := add(index, 1)
                    indexPtr := add(indexPtr, INDEX_BYTES)
                    sigPtr := add(sigPtr, SIGNATURE_BYTES)
                    if iszero(lt(sigPtr, sigEnd)) { break }
                }
            }
            position := div(sub(sigPtr, signatures.offset), SIGNATURE_BYTES)
            if and(iszero(fault), gt(count, 0)) {
                let last := shr(240, calldataload(sub(indexPtr, INDEX_BYTES)))
                if iszero(lt(last, div(validatorSet.length, VALIDATOR_BYTES))) {
                    fault := FAULT_BAD_INDEX
                    position := sub(count, 1)
                }
            }
        }
        if (fault != 0) _revertFault(fault, position, digest, validatorSet, signerIndices, signatures);
    }

    /// @dev Reverts with the custom error for `fault` at `position`, re-reading what its arguments need.
    function _revertFault(
        uint256 fault,
        uint256 position,
        bytes32 digest,
        bytes calldata validatorSet,
        bytes calldata signerIndices,
        bytes calldata signatures
    ) private pure {
        // The first index past the set comes before any fault the loop found past it (indices ascend until the
        // first fault), so it is named first.
        uint256 validators = validatorSet.length / VALIDATOR_BYTES;
        for (uint256 i = 0; i <= position && i < signerIndices.length / INDEX_BYTES; ++i) {
            uint256 at = uint16(bytes2(signerIndices[i * INDEX_BYTES:]));
            if (at >= validators) revert SignerIndexOutOfRange(i, at);
        }
        uint256 index = uint16(bytes2(signerIndices[position * INDEX_BYTES:]));
        bytes calldata sig = signatures[position * SIGNATURE_BYTES:(position + 1) * SIGNATURE_BYTES];
        if (fault == FAULT_BAD_INDEX) revert SignerIndicesNotAscending(position);
        // v before s, whichever fault stopped the loop: a signature with both wrong is named by its v.
        uint8 v = uint8(sig[64]);
        if (v != 27 && v != 28) revert InvalidSignatureV(position, v);
        if (fault == FAULT_HIGH_S) revert HighSSignature(position);
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, sig);
        if (err != ECDSA.RecoverError.NoError) revert InvalidSignature(position);
        address expected = address(bytes20(validatorSet[index * VALIDATOR_BYTES:]));
        revert SignerMismatch(position, expected, recovered);
    }

    function _store(Checkpoint calldata checkpoint, bytes32 structHash, bytes32 previousSet, uint256 nextPower)
        private
    {
        uint64 number = uint64(checkpoint.number);
        _checkpoints[number] =
            CheckpointRecord({checkpointHash: structHash, withdrawalsRoot: checkpoint.withdrawalsRoot});
        lastCheckpointNumber = number;
        lastEndHeight = checkpoint.endHeight;
        // Below MAX_TOTAL_POWER < 2^60: _checkValidatorSet proved it.
        _validatorSetPower = uint64(nextPower);
        if (checkpoint.nextValidatorSetHash != previousSet) {
            validatorSetHash = checkpoint.nextValidatorSetHash;
            emit ValidatorSetUpdated(number, previousSet, checkpoint.nextValidatorSetHash);
        }
        emit CheckpointSubmitted(
            number,
            checkpoint.startHeight,
            checkpoint.endHeight,
            checkpoint.blocksRoot,
            checkpoint.withdrawalsRoot,
            checkpoint.nextValidatorSetHash
        );
    }
}
