import type { Hex } from "../crypto/index.ts";
import { revertData } from "./abi.ts";

/** Thrown inside a system contract to abort the call; the caller drops the call's overlay, as the EVM does. */
export class Revert extends Error {
  override readonly name = "Revert";
  /** ABI revert data: Error(reason), or empty like a contract without a matching function. */
  readonly data: Hex;

  constructor(reason: string, data: Hex = revertData(reason)) {
    super(reason);
    this.data = data;
  }
}

/**
 * An unknown selector or undecodable arguments. A Solidity contract reverts with empty data there; a system
 * contract says why (as Cosmos EVM's precompiles do), since a caller cannot read its source to find out.
 */
export function unknownFunction(): Revert {
  return new Revert("system contract: unknown function selector or malformed arguments");
}
