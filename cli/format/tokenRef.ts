import { UnknownTokenError } from "../../bridge/client/errors.ts";
import { parseAddress } from "../../bridge/client/tokens.ts";
import type { Address } from "../../node/crypto/index.ts";

/** What the user typed after --token: an address, or a symbol (bridged token or genesis token). */
export type SidechainTokenRef = { kind: "address"; address: Address } | { kind: "symbol"; symbol: string };

export function parseSidechainTokenRef(text: string): SidechainTokenRef {
  const trimmed = text.trim();
  if (/^0x/i.test(trimmed)) return { kind: "address", address: parseAddress(trimmed, "token address") };
  if (!/^\S{1,64}$/u.test(trimmed))
    throw new UnknownTokenError(`invalid token "${text}": expected a token symbol or a token address`);
  return { kind: "symbol", symbol: trimmed };
}
