// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/**
 * @title TokenMetadata
 * @notice Reads an ERC20's name, symbol and decimals without trusting the token to implement them. A deposit must
 * never fail because a token lacks metadata or answers with nonsense, and whatever is read ends up in a deposit
 * hash that validators recompute in TypeScript, so only plain printable ASCII of bounded length is kept; anything
 * else becomes the fallback ("" for strings, 18 for decimals).
 */
library TokenMetadata {
    uint256 internal constant MAX_NAME_BYTES = 64;
    uint256 internal constant MAX_SYMBOL_BYTES = 32;
    uint8 internal constant DEFAULT_DECIMALS = 18;

    /// @dev Enough for any honest implementation, including proxies; a token burning more gets the fallback.
    uint256 private constant CALL_GAS = 100_000;

    /**
     * @dev Gas that must be left before each call so that the token surely gets all of CALL_GAS (the EVM passes
     * on at most 63/64 of what is left). Without it, a depositor could pick a gas limit that starves the call of a
     * perfectly good token and so record the fallbacks for it: the first deposit fixes the sidechain token's
     * metadata, so that would be a way to vandalise a token's name for everyone.
     */
    uint256 private constant MIN_GAS_LEFT = CALL_GAS + CALL_GAS / 63 + 5_000;

    /// @notice The transaction's gas limit was too low to read the token's metadata reliably; retry with more.
    error InsufficientGasForMetadata();

    /**
     * @notice Name, symbol and decimals of `token`, or the fallbacks for whatever it does not answer sanely.
     * @param token The ERC20 contract.
     * @return name The name, or "".
     * @return symbol The symbol, or "".
     * @return decimals The decimals, or 18.
     */
    function read(address token) internal view returns (string memory name, string memory symbol, uint8 decimals) {
        name = _readString(token, 0x06fdde03, MAX_NAME_BYTES); // name()
        symbol = _readString(token, 0x95d89b41, MAX_SYMBOL_BYTES); // symbol()
        decimals = _readDecimals(token);
    }

    /// @dev Accepts an ABI-encoded string or, as some early tokens return, a zero-padded bytes32.
    function _readString(address token, bytes4 selector, uint256 maxBytes) private view returns (string memory) {
        (bool ok, bytes memory data) = _boundedStaticCall(token, selector, 64 + maxBytes);
        if (!ok) return "";
        if (data.length == 32) return _fromBytes32(bytes32(data));
        if (data.length < 64) return "";
        (uint256 offset, uint256 length) = abi.decode(data, (uint256, uint256));
        if (offset != 32 || length > maxBytes || data.length < 64 + length) return "";
        bytes memory text = new bytes(length);
        for (uint256 i; i < length; ++i) {
            text[i] = data[64 + i];
        }
        return _isPrintableAscii(text) ? string(text) : "";
    }

    function _fromBytes32(bytes32 word) private pure returns (string memory) {
        uint256 length;
        while (length < 32 && word[length] != 0) ++length;
        for (uint256 i = length; i < 32; ++i) {
            if (word[i] != 0) return "";
        }
        bytes memory text = new bytes(length);
        for (uint256 i; i < length; ++i) {
            text[i] = word[i];
        }
        return _isPrintableAscii(text) ? string(text) : "";
    }

    function _readDecimals(address token) private view returns (uint8) {
        (bool ok, bytes memory data) = _boundedStaticCall(token, 0x313ce567, 32); // decimals()
        if (!ok || data.length < 32) return DEFAULT_DECIMALS;
        uint256 value = abi.decode(data, (uint256));
        return value > type(uint8).max ? DEFAULT_DECIMALS : uint8(value);
    }

    function _isPrintableAscii(bytes memory text) private pure returns (bool) {
        for (uint256 i; i < text.length; ++i) {
            bytes1 c = text[i];
            if (c < 0x20 || c > 0x7e) return false;
        }
        return true;
    }

    /**
     * @dev staticcall that copies at most `maxCopy` bytes of return data, so a token answering with megabytes
     * cannot make the deposit run out of gas on memory expansion. `ok` is false when the call reverted or when
     * the answer is longer than `maxCopy` (no honest answer is).
     */
    function _boundedStaticCall(address token, bytes4 selector, uint256 maxCopy)
        private
        view
        returns (bool ok, bytes memory data)
    {
        if (token.code.length == 0) return (false, data);
        if (gasleft() < MIN_GAS_LEFT) revert InsufficientGasForMetadata();
        uint256 size;
        assembly ("memory-safe") {
            mstore(0, selector)
            ok := staticcall(CALL_GAS, token, 0, 4, 0, 0)
            size := returndatasize()
        }
        if (!ok || size > maxCopy) return (false, data);
        data = new bytes(size);
        assembly ("memory-safe") {
            returndatacopy(add(data, 0x20), 0, size)
        }
    }
}
