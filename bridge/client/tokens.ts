import { getAddress } from "ethers/address";
import type { Address } from "../../node/crypto/index.ts";
import type { BridgedToken } from "../../node/types/rpc/index.ts";
import { InvalidInputError, UnknownTokenError } from "./errors.ts";

/** The L1 Bridge's stand-in for ETH in deposits, withdrawals and limits. */
export const ETH_L1_TOKEN: Address = "0x0000000000000000000000000000000000000000";
export const ETH_DECIMALS = 18;

/** How the user named a token: `ETH`, an address (L1 or sidechain), or a sidechain token's symbol. */
export type TokenRef =
  | { kind: "eth" }
  | { kind: "address"; address: Address }
  | { kind: "symbol"; symbol: string };

/** A token as both chains know it; l2Token is null for an L1 token that has never been deposited. */
export interface TokenInfo {
  l1Token: Address;
  l2Token: Address | null;
  symbol: string;
  decimals: number;
}

/** Validates an address typed by a user; mixed case must carry a valid EIP-55 checksum, as wallets expect. */
export function parseAddress(input: string, what = "address"): Address {
  const text = input.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) {
    throw new InvalidInputError(`invalid ${what} "${input}": expected 0x followed by 40 hex digits`);
  }
  try {
    return getAddress(text).toLowerCase() as Address;
  } catch {
    throw new InvalidInputError(`invalid ${what} "${input}": bad checksum (mixed case that is not EIP-55)`);
  }
}

export function parseTokenRef(input: string): TokenRef {
  const text = input.trim();
  // "ETH" always means L1 ether, even if some ERC20 calls itself ETH: the keyword must not change meaning.
  if (text.toUpperCase() === "ETH") return { kind: "eth" };
  if (/^0x/i.test(text)) return { kind: "address", address: parseAddress(text, "token address") };
  if (!/^\S{1,64}$/u.test(text)) {
    throw new InvalidInputError(`invalid token "${input}": expected ETH, a token address or a token symbol`);
  }
  return { kind: "symbol", symbol: text };
}

export function tokenInfoOf(token: BridgedToken): TokenInfo {
  return { l1Token: token.l1Token, l2Token: token.l2Token, symbol: token.symbol, decimals: token.decimals };
}

function describeToken(t: BridgedToken): string {
  return `${t.symbol} (L1 ${t.l1Token}, sidechain ${t.l2Token})`;
}

/** The bridged token a reference names; throws UnknownTokenError when it names none or several. */
export function findBridgedToken(ref: TokenRef, tokens: readonly BridgedToken[]): BridgedToken {
  switch (ref.kind) {
    case "eth": {
      const eth = tokens.find((t) => t.l1Token === ETH_L1_TOKEN);
      if (eth === undefined) throw new UnknownTokenError("ETH has not been bridged to this sidechain yet");
      return eth;
    }
    case "address": {
      // The sidechain address is accepted too: it is the one a wallet on the sidechain shows.
      const found = tokens.find((t) => t.l1Token === ref.address || t.l2Token === ref.address);
      if (found === undefined) {
        throw new UnknownTokenError(
          `token ${ref.address} is not bridged: no deposit of it reached the sidechain`,
        );
      }
      return found;
    }
    case "symbol": {
      const exact = tokens.filter((t) => t.symbol === ref.symbol);
      const matches =
        exact.length > 0 ? exact : tokens.filter((t) => t.symbol.toLowerCase() === ref.symbol.toLowerCase());
      const [only, ...others] = matches;
      if (only === undefined) {
        const known = tokens.map((t) => t.symbol).join(", ") || "none";
        throw new UnknownTokenError(`no bridged token has the symbol "${ref.symbol}" (bridged: ${known})`);
      }
      if (others.length > 0) {
        throw new UnknownTokenError(
          `the symbol "${ref.symbol}" is ambiguous: ${matches.map(describeToken).join("; ")}; name the token by its L1 address`,
        );
      }
      return only;
    }
  }
}

/** Display metadata of an L1 token from the token map, for output; unknown tokens show their address. */
export function describeL1Token(l1Token: Address, tokens: readonly BridgedToken[]): TokenInfo {
  const known = tokens.find((t) => t.l1Token === l1Token);
  if (known !== undefined) return tokenInfoOf(known);
  if (l1Token === ETH_L1_TOKEN) {
    return { l1Token, l2Token: null, symbol: "ETH", decimals: ETH_DECIMALS };
  }
  return { l1Token, l2Token: null, symbol: l1Token, decimals: 0 };
}
