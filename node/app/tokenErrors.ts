import type { Hex } from "../crypto/index.ts";
import { erc20Interface } from "./abi.ts";
import { Revert } from "./revert.ts";

/** The custom errors of SIDECHAIN_TOKEN_ABI (OpenZeppelin 5's ERC20, ERC20Permit and ECDSA). */
export type TokenErrorName =
  | "ERC20InsufficientBalance"
  | "ERC20InvalidSender"
  | "ERC20InvalidReceiver"
  | "ERC20InsufficientAllowance"
  | "ERC20InvalidApprover"
  | "ERC20InvalidSpender"
  | "ERC2612ExpiredSignature"
  | "ERC2612InvalidSigner"
  | "ECDSAInvalidSignature"
  | "ECDSAInvalidSignatureS";

/**
 * A revert with the ABI-encoded custom error, as the OpenZeppelin contract would revert, so ethers decodes it;
 * the reason spells the same error out for logs and receipts ("ERC20InvalidSpender(0x00…00)").
 */
export function tokenError(name: TokenErrorName, ...args: (bigint | Hex)[]): Revert {
  const data = erc20Interface.encodeErrorResult(name, args).toLowerCase() as Hex;
  return new Revert(`${name}(${args.map(String).join(", ")})`, data);
}

/**
 * What the EVM does to a write under STATICCALL: the frame fails with no data. Thrown where the write would
 * happen, so the checks before it revert with their own errors as they would on Ethereum.
 */
export function writeProtection(): Revert {
  return new Revert("write protection", "0x");
}
