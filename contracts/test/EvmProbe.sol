// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

interface ISidechainBridge {
    function withdraw(address l2Token, uint256 amount, address l1Recipient) external returns (uint256);
}

/// A contract the sidechain's EVM tests deploy: storage, events, reverts, nested calls, creation, system calls.
contract EvmProbe {
    uint256 public count;
    uint256 transient scratch;

    event Incremented(uint256 count);
    error Custom(uint256 code);

    function inc() external {
        count += 1;
        emit Incremented(count);
    }

    function incThenRevert() external {
        count += 100;
        revert("inner");
    }

    function fail(string calldata reason) external pure {
        revert(reason);
    }

    function failCustom(uint256 code) external pure {
        revert Custom(code);
    }

    /// Writes, then calls `other` which writes and reverts: only the callee's writes are undone.
    function nested(EvmProbe other) external returns (bool ok) {
        count += 1;
        try other.incThenRevert() {
            ok = true;
        } catch {
            ok = false;
        }
        count += 1;
    }

    function create() external returns (address) {
        return address(new Child(count));
    }

    function create2(bytes32 salt) external returns (address) {
        return address(new Child{salt: salt}(count));
    }

    function pull(IERC20 token, address from, uint256 amount) external {
        require(token.transferFrom(from, address(this), amount), "transferFrom failed");
    }

    function exit(ISidechainBridge bridge, address token, uint256 amount, address l1Recipient) external {
        bridge.withdraw(token, amount, l1Recipient);
    }

    function balanceIn(IERC20 token) external view returns (uint256) {
        return token.balanceOf(address(this));
    }

    /// A STATICCALL into a token's transfer must fail: write protection holds for system contracts too.
    function staticTransfer(IERC20 token, address to) external view returns (bool ok) {
        (ok, ) = address(token).staticcall(abi.encodeCall(IERC20.transfer, (to, 1)));
    }

    function burnGas(uint256 rounds) external {
        for (uint256 i = 0; i < rounds; i++) count = uint256(keccak256(abi.encode(count, i)));
    }

    /// EIP-1153: what one transaction stores in transient storage is gone for the next.
    function tset(uint256 value) external {
        scratch = value;
    }

    function tsnapshot() external {
        count = scratch;
    }

    function recurse(uint256 depth) external returns (uint256) {
        if (depth == 0) return 0;
        return this.recurse(depth - 1) + 1;
    }
}

contract Child {
    uint256 public immutable seed;

    constructor(uint256 seed_) {
        seed = seed_;
    }
}

/// Destroys itself in its constructor: under EIP-6780 it leaves no code and no balance behind.
contract Ephemeral {
    constructor(address payable beneficiary) payable {
        selfdestruct(beneficiary);
    }
}
