// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Bridge} from "../Bridge.sol";

/// @title ReentrantRecipient
/// @notice An exit recipient that calls back into the bridge while being paid, recording how the call ended.
contract ReentrantRecipient {
    Bridge public immutable bridge;
    uint256 private _checkpointNumber;
    Bridge.Withdrawal private _withdrawal;
    bytes32[] private _proof;
    bool public armed;
    /// @notice Revert data of the reentrant call (empty if it succeeded or never ran).
    bytes public reentryRevertData;
    uint256 public reentryAttempts;

    constructor(Bridge bridge_) {
        bridge = bridge_;
    }

    /// @notice Arms the callback with the exit it will attempt while receiving ETH.
    /// @param checkpointNumber Checkpoint of the exit.
    /// @param withdrawal The withdrawal to exit.
    /// @param proof Its proof.
    function arm(uint256 checkpointNumber, Bridge.Withdrawal calldata withdrawal, bytes32[] calldata proof)
        external
    {
        _checkpointNumber = checkpointNumber;
        _withdrawal = withdrawal;
        _proof = proof;
        armed = true;
    }

    receive() external payable {
        if (!armed) return;
        armed = false;
        ++reentryAttempts;
        try bridge.exit(_checkpointNumber, _withdrawal, _proof) {}
        catch (bytes memory reason) {
            reentryRevertData = reason;
        }
    }
}
