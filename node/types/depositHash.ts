import { AbiCoder } from "ethers/abi";
import { type Hex, hexToBytes } from "../crypto/bytes.ts";
import { CryptoError } from "../crypto/errors.ts";
import { keccak256Hex } from "../crypto/hash.ts";
import { errorMessage } from "../util/errors.ts";
import type { DepositClaim } from "./shapes.ts";

/** The token address that stands for ETH in deposits and withdrawals. */
export const ETH_TOKEN: Hex = `0x${"00".repeat(20)}`;

/** The metadata Bridge.depositETH records for ETH. */
export const ETH_METADATA = { name: "Ether", symbol: "ETH", decimals: 18 } as const;

/** What Bridge records when a token lacks a metadata function or answers with something unusable. */
export const FALLBACK_METADATA = { name: "", symbol: "", decimals: 18 } as const;

/** The fields of a claim that Bridge hashes; the L1 tx hash only helps to find the deposit. */
export type DepositHashFields = Omit<DepositClaim, "l1TxHash">;

/**
 * Bridge.depositHash(nonce): keccak256(abi.encode(uint256 nonce, address token, address from, address to,
 * uint256 amount, string name, string symbol, uint8 decimals)). Validators compare a claim's hash with the
 * stored one, so every field of a claim, the token metadata included, is checked against L1.
 */
export function depositHash(claim: DepositHashFields): Hex {
  if (!Number.isInteger(claim.decimals) || claim.decimals < 0 || claim.decimals > 255) {
    throw new CryptoError(`decimals must be a uint8, got ${claim.decimals}`);
  }
  let encoded: string;
  try {
    encoded = AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "address", "address", "uint256", "string", "string", "uint8"],
      [
        claim.nonce,
        claim.l1Token,
        claim.from,
        claim.to,
        claim.amount,
        claim.name,
        claim.symbol,
        claim.decimals,
      ],
    );
  } catch (err) {
    throw new CryptoError(`deposit claim cannot be encoded: ${errorMessage(err)}`);
  }
  return keccak256Hex(hexToBytes(encoded));
}
