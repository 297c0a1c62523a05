// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {MinimalToken} from "./MinimalToken.sol";

/// @title RawMetadataToken
/// @notice Answers name(), symbol() and decimals() with whatever raw bytes a test sets, or reverts, or burns
/// all gas, to exercise the bridge's tolerance of broken metadata.
contract RawMetadataToken is MinimalToken {
    enum Mode {
        Missing,
        Raw,
        Revert,
        BurnGas
    }

    mapping(bytes4 selector => Mode) public modes;
    mapping(bytes4 selector => bytes) private _answers;

    /// @notice Sets how the function with `selector` answers.
    /// @param selector name(), symbol() or decimals() selector.
    /// @param mode The behaviour.
    /// @param answer Raw return data for Mode.Raw.
    function setAnswer(bytes4 selector, Mode mode, bytes calldata answer) external {
        modes[selector] = mode;
        _answers[selector] = answer;
    }

    fallback() external {
        Mode mode = modes[msg.sig];
        if (mode == Mode.Missing) revert();
        if (mode == Mode.Revert) revert("metadata unavailable");
        if (mode == Mode.BurnGas) {
            while (true) {}
        }
        bytes memory answer = _answers[msg.sig];
        assembly ("memory-safe") {
            return(add(answer, 0x20), mload(answer))
        }
    }
}
