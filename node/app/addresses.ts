import { type Address, bytesToHex, concatBytes, hexToBytes, keccak256 } from "../crypto/index.ts";

/** System contracts live at fixed low addresses, as precompiles do, so no key can ever control them. */
export const BRIDGE_ADDRESS: Address = "0x0000000000000000000000000000000000001000";
export const STAKING_ADDRESS: Address = "0x0000000000000000000000000000000000001001";
/** Collects every transaction's base fee (DESIGN §4); an account, not a contract. */
export const GAS_POOL_ADDRESS: Address = "0x0000000000000000000000000000000000001002";

/**
 * Receives slashed stake as native balance: nothing is burned, so the native supply stays constant and auditable,
 * as fees go to the gas pool (DESIGN §4). An account, not a contract.
 */
export const COMMUNITY_POOL_ADDRESS: Address = "0x0000000000000000000000000000000000001003";

export const ZERO_ADDRESS: Address = `0x${"00".repeat(20)}`;

/** What eth_getCode returns for system contracts and tokens: the INVALID opcode, non-empty so libraries see a contract. */
export const SYSTEM_CODE: `0x${string}` = "0xfe";

const utf8 = new TextEncoder();

/** keccak256("outrigger/token" ‖ l1Token)[12:]: one sidechain token per L1 token; WETH for the zero address. */
export function bridgedTokenAddress(l1Token: Address): Address {
  return bytesToHex(
    keccak256(concatBytes(utf8.encode("outrigger/token"), hexToBytes(l1Token, 20))).subarray(12),
  );
}

/** keccak256("outrigger/native-token" ‖ symbol)[12:]: genesis tokens without an L1 counterpart. */
export function nativeTokenAddress(symbol: string): Address {
  return bytesToHex(
    keccak256(concatBytes(utf8.encode("outrigger/native-token"), utf8.encode(symbol))).subarray(12),
  );
}
