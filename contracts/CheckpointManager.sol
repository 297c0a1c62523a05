// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/**
 * @title CheckpointManager
 * @notice Anchors Outrigger sidechain checkpoints on L1. A checkpoint is accepted only if it continues the last one
 * and validators holding more than 2/3 of the current set's power signed it (EIP-712). The set itself is kept as a
 * hash; submitters pass the full set in calldata, which is far cheaper than reading it from storage. Each accepted
 * checkpoint hands the set over to the hash it names, so set changes need no admin: there is none.
 * @dev Storage per checkpoint is two words: the withdrawals root (what Bridge needs) and the EIP-712 struct hash,
 * which commits to every field. The fields themselves are in the CheckpointSubmitted event; anyone holding them can
 * prove them against L1 with `isAccepted`. Storing them in full would cost a third word, about 22,000 gas per
 * checkpoint.
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

    /// @dev Each signer is named by a big-endian uint16 index into the validator array.
    uint256 private constant INDEX_BYTES = 2;
    uint256 private constant SIGNATURE_BYTES = 65;
    /// @dev secp256k1 order / 2: a larger s is the malleable twin of a valid signature.
    uint256 private constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    uint256 private constant FAULT_BAD_INDEX = 1;
    uint256 private constant FAULT_BAD_V = 2;
    uint256 private constant FAULT_HIGH_S = 3;
    uint256 private constant FAULT_BAD_SIGNER = 4;

    /// @notice The sidechain's chain id; signatures for any other sidechain are refused.
    uint256 public immutable sidechainId;

    /// @notice keccak256(abi.encode(address[] validators, uint256[] powers)) of the set that signs the next checkpoint.
    bytes32 public validatorSetHash;

    /// @notice Number of the last accepted checkpoint (0 before the first).
    uint64 public lastCheckpointNumber;

    /// @notice Last sidechain height covered by an accepted checkpoint (0 before the first).
    uint64 public lastEndHeight;

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
    error ValidatorArraysLengthMismatch(uint256 validators, uint256 powers);
    error ValidatorSetHashMismatch(bytes32 expected, bytes32 actual);
    error ValidatorsNotSorted(uint256 index);
    error MalformedSignatures(uint256 indexBytes, uint256 signatureBytes);
    error SignerIndicesNotAscending(uint256 position);
    error SignerIndexOutOfRange(uint256 position, uint256 index);
    error InvalidSignatureV(uint256 position, uint8 v);
    error HighSSignature(uint256 position);
    error InvalidSignature(uint256 position);
    error SignerMismatch(uint256 position, address expected, address recovered);
    error InsufficientSignedPower(uint256 signedPower, uint256 totalPower);
    error TotalPowerOverflow();

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
     * @param validators The current set's addresses, strictly ascending.
     * @param powers The current set's powers, in the order of `validators`.
     * @param signerIndices Packed big-endian uint16 indices into `validators`, strictly ascending.
     * @param signatures Packed 65-byte signatures (r, s, v), one per index, in the same order.
     * @dev Any bad signature reverts the whole submission: skipping it would let a relayer pad a submission with
     * garbage that later reads as a valid-looking record.
     */
    function submitCheckpoint(
        Checkpoint calldata checkpoint,
        address[] calldata validators,
        uint256[] calldata powers,
        bytes calldata signerIndices,
        bytes calldata signatures
    ) external {
        _checkContinuity(checkpoint);
        uint256 totalPower = _checkValidatorSet(validators, powers);
        bytes32 structHash = hashCheckpoint(checkpoint);
        uint256 signedPower =
            _signedPower(_hashTypedDataV4(structHash), validators, powers, signerIndices, signatures);
        // Exactly 2/3 is not enough: BFT safety needs strictly more than 2/3 of the power.
        if (signedPower * 3 <= totalPower * 2) revert InsufficientSignedPower(signedPower, totalPower);
        _store(checkpoint, structHash);
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
        if (checkpoint.endHeight < checkpoint.startHeight) {
            revert InvalidHeightRange(checkpoint.startHeight, checkpoint.endHeight);
        }
        if (checkpoint.nextValidatorSetHash == bytes32(0)) revert ZeroValidatorSetHash();
    }

    /// @dev Returns the set's total power after proving the arrays are the stored set and sorted without repeats.
    function _checkValidatorSet(address[] calldata validators, uint256[] calldata powers)
        private
        view
        returns (uint256 totalPower)
    {
        if (validators.length != powers.length) {
            revert ValidatorArraysLengthMismatch(validators.length, powers.length);
        }
        bytes32 actual = _hashValidatorSet(validators, powers);
        if (actual != validatorSetHash) revert ValidatorSetHashMismatch(validatorSetHash, actual);
        // One word read per entry: the hash match above already proved every address word clean.
        uint256 unsortedAt;
        bool overflow;
        assembly ("memory-safe") {
            let previous := 0
            for { let i := 0 } lt(i, validators.length) { i := add(i, 1) } {
                let current := calldataload(add(validators.offset, shl(5, i)))
                // Strictly ascending from above zero: no address twice, and never the zero address.
                if iszero(gt(current, previous)) {
                    unsortedAt := add(i, 1)
                    break
                }
                previous := current
                let sum := add(totalPower, calldataload(add(powers.offset, shl(5, i))))
                if lt(sum, totalPower) {
                    overflow := 1
                    break
                }
                totalPower := sum
            }
        }
        if (unsortedAt != 0) revert ValidatorsNotSorted(unsortedAt - 1);
        if (overflow) revert TotalPowerOverflow();
    }

    /**
     * @dev keccak256(abi.encode(validators, powers)) built by two calldata copies instead of Solidity's
     * element-by-element re-encoding. Dirty high bits in an address word would change the hash, so a match with
     * the stored hash also proves the calldata is canonical.
     */
    function _hashValidatorSet(address[] calldata validators, uint256[] calldata powers)
        private
        pure
        returns (bytes32 result)
    {
        assembly ("memory-safe") {
            let n := validators.length
            let arrayBytes := shl(5, n)
            let ptr := mload(0x40)
            mstore(ptr, 0x40)
            mstore(add(ptr, 0x20), add(0x60, arrayBytes))
            mstore(add(ptr, 0x40), n)
            calldatacopy(add(ptr, 0x60), validators.offset, arrayBytes)
            let second := add(add(ptr, 0x60), arrayBytes)
            mstore(second, n)
            calldatacopy(add(second, 0x20), powers.offset, arrayBytes)
            result := keccak256(ptr, add(0x80, shl(1, arrayBytes)))
        }
    }

    /**
     * @dev Sums the power of the validators whose signatures are packed in `signerIndices` and `signatures`.
     * This loop is most of the cost of a checkpoint, so it runs in assembly: per signature it reads the index, checks
     * it is above the previous one (distinct signers, so the sum cannot exceed the total power that
     * `_checkValidatorSet` summed without overflow), checks v and low s, calls the ecrecover precompile and
     * compares with the validator at that index. On the first fault it stops, and `_revertFault` names it.
     */
    function _signedPower(
        bytes32 digest,
        address[] calldata validators,
        uint256[] calldata powers,
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
            let minIndex := 0
            let indexPtr := signerIndices.offset
            let sigPtr := signatures.offset
            let sigEnd := add(sigPtr, signatures.length)
            for {} lt(sigPtr, sigEnd) {} {
                let index := shr(240, calldataload(indexPtr))
                if or(lt(index, minIndex), iszero(lt(index, validators.length))) {
                    fault := FAULT_BAD_INDEX
                    break
                }
                let v := byte(0, calldataload(add(sigPtr, 0x40)))
                if iszero(or(eq(v, 27), eq(v, 28))) {
                    fault := FAULT_BAD_V
                    break
                }
                if gt(calldataload(add(sigPtr, 0x20)), HALF_ORDER) {
                    fault := FAULT_HIGH_S
                    break
                }
                mstore(add(input, 0x20), v)
                calldatacopy(add(input, 0x40), sigPtr, 0x40)
                mstore(0, 0)
                pop(staticcall(gas(), 1, input, 0x80, 0, 0x20))
                let recovered := mload(0)
                let offset := shl(5, index)
                if or(iszero(recovered), iszero(eq(recovered, calldataload(add(validators.offset, offset))))) {
                    fault := FAULT_BAD_SIGNER
                    break
                }
                signedPower := add(signedPower, calldataload(add(powers.offset, offset)))
                minIndex := add(index, 1)
                indexPtr := add(indexPtr, INDEX_BYTES)
                sigPtr := add(sigPtr, SIGNATURE_BYTES)
            }
            position := div(sub(sigPtr, signatures.offset), SIGNATURE_BYTES)
        }
        if (fault != 0) _revertFault(fault, position, digest, validators, signerIndices, signatures);
    }

    /// @dev Reverts with the custom error for `fault` at `position`, re-reading what its arguments need.
    function _revertFault(
        uint256 fault,
        uint256 position,
        bytes32 digest,
        address[] calldata validators,
        bytes calldata signerIndices,
        bytes calldata signatures
    ) private pure {
        uint256 index = uint16(bytes2(signerIndices[position * INDEX_BYTES:]));
        bytes calldata sig = signatures[position * SIGNATURE_BYTES:(position + 1) * SIGNATURE_BYTES];
        if (fault == FAULT_BAD_INDEX) {
            if (index >= validators.length) revert SignerIndexOutOfRange(position, index);
            revert SignerIndicesNotAscending(position);
        }
        if (fault == FAULT_BAD_V) revert InvalidSignatureV(position, uint8(sig[64]));
        if (fault == FAULT_HIGH_S) revert HighSSignature(position);
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, sig);
        if (err != ECDSA.RecoverError.NoError) revert InvalidSignature(position);
        revert SignerMismatch(position, validators[index], recovered);
    }

    function _store(Checkpoint calldata checkpoint, bytes32 structHash) private {
        uint64 number = uint64(checkpoint.number);
        _checkpoints[number] =
            CheckpointRecord({checkpointHash: structHash, withdrawalsRoot: checkpoint.withdrawalsRoot});
        lastCheckpointNumber = number;
        lastEndHeight = checkpoint.endHeight;
        bytes32 previousSet = validatorSetHash;
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
