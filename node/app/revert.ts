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

/** What a Solidity contract returns for an unknown selector or undecodable arguments: empty revert data. */
export function unknownFunction(): Revert {
  return new Revert("function selector not recognized or arguments malformed", "0x");
}
