// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @title RejectingRecipient
/// @notice An exit recipient that refuses ETH until told otherwise, as a contract wallet without a receive
/// function does; it can still act on its own behalf through `forward`.
contract RejectingRecipient {
    /// @notice Whether ETH sent to it is accepted.
    bool public accepting;

    error Rejected();

    /// @notice Starts or stops accepting ETH.
    /// @param accepting_ The new setting.
    function setAccepting(bool accepting_) external {
        accepting = accepting_;
    }

    /// @notice Calls `target` with `data` as this contract, bubbling up a revert.
    /// @param target The contract to call.
    /// @param data The calldata.
    /// @return The call's return data.
    function forward(address target, bytes calldata data) external returns (bytes memory) {
        return Address.functionCall(target, data);
    }

    receive() external payable {
        if (!accepting) revert Rejected();
    }
}
