import { getAddress } from "ethers/address";
import type { Address } from "../node/crypto/index.ts";

// Apart from validatorsFile.ts so that the CLI checks its address flags without loading libp2p and zod.

/** A validators or alloc file that cannot be read or is wrong; the message names the file, entry and field. */
export class ValidatorsFileError extends Error {
  override readonly name = "ValidatorsFileError";
}

/**
 * A 20-byte address as an operator writes it: lowercase, or mixed case only with a correct EIP-55 checksum
 * (a mistyped character in a checksummed address is caught rather than becoming someone else's address).
 */
export function parseAddress(value: string, where: string): Address {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value))
    throw new ValidatorsFileError(
      `${where}: ${JSON.stringify(value.slice(0, 50))} is not a 0x 20-byte address`,
    );
  const lower = value.toLowerCase() as Address;
  if (value !== lower && getAddress(lower) !== value)
    throw new ValidatorsFileError(
      `${where}: ${value} has a wrong EIP-55 checksum (write it checksummed or lowercase)`,
    );
  return lower;
}
