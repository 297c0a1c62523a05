// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BlocklistToken
/// @notice An ERC20 that refuses transfers to blocked accounts, as USDC and USDT do.
contract BlocklistToken is ERC20 {
    /// @notice Accounts that cannot receive the token.
    mapping(address account => bool) public blocked;

    error Blocked(address account);

    constructor() ERC20("Blocklist Token", "BLK") {}

    /// @notice Mints `amount` to `to`; anyone may call it.
    /// @param to Recipient.
    /// @param amount Amount in base units.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Blocks or unblocks `account` as a receiver.
    /// @param account The account.
    /// @param isBlocked The new setting.
    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[to]) revert Blocked(to);
        super._update(from, to, value);
    }
}
