import type { Hex } from "../../node/crypto/index.ts";
import { InvalidInputError } from "./errors.ts";

/** What `status` is asked about: a transaction on either chain, a deposit nonce or a withdrawal id. */
export type StatusRef =
  | { kind: "tx"; hash: Hex }
  | { kind: "deposit"; nonce: bigint }
  | { kind: "withdrawal"; id: bigint };

/**
 * Parses `0x<64 hex>` or a decimal number. A number could be a deposit nonce or a withdrawal id (both count from
 * 0), so it needs `kind`; guessing would show the wrong transfer without saying so.
 */
export function parseStatusRef(input: string, kind?: "deposit" | "withdrawal"): StatusRef {
  const text = input.trim();
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) {
    if (kind !== undefined) throw new InvalidInputError(`--${kind} is for numbers, not transaction hashes`);
    return { kind: "tx", hash: text.toLowerCase() as Hex };
  }
  if (/^(0|[1-9][0-9]{0,77})$/.test(text)) {
    if (kind === undefined) {
      throw new InvalidInputError(
        `${text} could be a deposit nonce or a withdrawal id: add --deposit or --withdrawal`,
      );
    }
    return kind === "deposit" ? { kind, nonce: BigInt(text) } : { kind, id: BigInt(text) };
  }
  if (/^0x/i.test(text)) {
    throw new InvalidInputError(`invalid transaction hash "${input}": expected 0x followed by 64 hex digits`);
  }
  throw new InvalidInputError(
    `"${input}" is neither a transaction hash nor a deposit nonce or withdrawal id`,
  );
}
