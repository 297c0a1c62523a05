import { z } from "zod";
import type { Address, Hex, SignatureHex } from "../../crypto/index.ts";

/**
 * The JSON encodings of the outrigger_* namespace, as zod codecs: decoding turns wire JSON into our types,
 * encoding turns our types into wire JSON, so the server and its clients cannot disagree on a format. Heights,
 * rounds and counts are plain JSON numbers; amounts, ids and powers decimal strings, as in the genesis file;
 * hashes and addresses lowercase hex (any case is accepted on input).
 */

function hexCodec<T extends Hex>(pattern: RegExp, message: string) {
  return z.codec(
    z.string({ error: message }).regex(pattern, message),
    z.custom<T>((v) => typeof v === "string"),
    { decode: (s) => s.toLowerCase() as T, encode: (v) => v },
  );
}

export const addressWire = hexCodec<Address>(
  /^0x[0-9a-fA-F]{40}$/,
  "expected an address (0x and 40 hex digits)",
);

export const hashWire = hexCodec<Hex>(
  /^0x[0-9a-fA-F]{64}$/,
  "expected a 32-byte hash (0x and 64 hex digits)",
);

export const dataWire = hexCodec<Hex>(
  /^0x(?:[0-9a-fA-F]{2})*$/,
  "expected hex data (0x and an even number of hex digits)",
);

export const signatureWire = hexCodec<SignatureHex>(
  /^0x(?:[0-9a-fA-F]{2})*$/,
  "expected a signature (0x and an even number of hex digits)",
);

/** A height, round, count or number of blocks. */
export const countWire = z.number().int().nonnegative();

/** A non-negative integer of any size as a decimal string without leading zeros. */
export const decimalWire = z.codec(
  z.string({ error: "expected a decimal string" }).regex(/^(0|[1-9][0-9]*)$/, "expected a decimal string"),
  z.bigint().nonnegative(),
  { decode: (s) => BigInt(s), encode: (v) => v.toString(10) },
);

export const MAX_UINT256 = (1n << 256n) - 1n;

/** An amount that L1 holds in a uint256. */
export const uint256Wire = z.codec(
  z
    .string({ error: "expected a decimal string" })
    .regex(/^(0|[1-9][0-9]{0,77})$/, "expected a decimal string"),
  z.bigint().nonnegative().max(MAX_UINT256, "does not fit uint256"),
  { decode: (s) => BigInt(s), encode: (v) => v.toString(10) },
);

/**
 * A uint256 id or nonce as a parameter: a JSON integer, a decimal string or a hex quantity (some clients send
 * those); always encoded as a decimal string.
 */
export function uintParamWire(what: string) {
  return z.codec(
    z.union(
      [
        countWire,
        z.string().regex(/^(0|[1-9][0-9]{0,77})$/),
        // Leading zeros are tolerated, as in eth_* quantities.
        z
          .string()
          .regex(/^0x[0-9a-fA-F]+$/)
          .max(2 + 64 + 16),
      ],
      { error: `expected ${what} (integer, decimal string or hex quantity)` },
    ),
    z.bigint().nonnegative().max(MAX_UINT256, `${what} does not fit uint256`),
    { decode: (v) => BigInt(v), encode: (v) => v.toString(10) },
  );
}
