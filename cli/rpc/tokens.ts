import { UnknownTokenError } from "../../bridge/client/errors.ts";
import { nativeTokenAddress } from "../../node/app/addresses.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import type { SidechainTokenRef } from "../format/tokenRef.ts";
import { type NodeClient, NodeClientError, tokenInterface } from "./nodeClient.ts";

/** A sidechain token as its contract describes itself. */
export interface SidechainToken {
  address: Address;
  name: string;
  symbol: string;
  decimals: number;
  /** Where it comes from: bridged from an L1 token, or created at genesis. */
  origin: { kind: "bridged"; l1Token: Address } | { kind: "genesis" };
}

/**
 * The token a reference names. A symbol is looked up among the bridged tokens (outrigger_bridgeInfo) and as a
 * genesis token (its address is derived from the symbol, nativeTokenAddress); both matching is ambiguous.
 */
export async function resolveSidechainToken(
  node: NodeClient,
  ref: SidechainTokenRef,
): Promise<SidechainToken> {
  const bridged = await node.bridgedTokens();
  if (ref.kind === "address") {
    const fromL1 = bridged.find((t) => t.l2Token === ref.address || t.l1Token === ref.address);
    const address = fromL1?.l2Token ?? ref.address;
    if (!(await isContract(node, address)))
      throw new UnknownTokenError(`no token at ${ref.address} on this sidechain`);
    return describe(node, address, fromL1?.l1Token ?? null);
  }
  const exact = bridged.filter((t) => t.symbol === ref.symbol);
  const matches =
    exact.length > 0 ? exact : bridged.filter((t) => t.symbol.toLowerCase() === ref.symbol.toLowerCase());
  const candidates = new Map<Address, Address | null>(matches.map((t) => [t.l2Token, t.l1Token]));
  // Genesis tokens are addressed by their exact symbol; DEV and dev both find a token called DEV.
  for (const symbol of new Set([ref.symbol, ref.symbol.toUpperCase()])) {
    const address = nativeTokenAddress(symbol);
    if (!candidates.has(address) && (await isContract(node, address))) candidates.set(address, null);
  }
  const found = [...candidates];
  if (found.length > 1) {
    throw new UnknownTokenError(
      `the symbol "${ref.symbol}" names ${found.length} tokens (${found.map(([a]) => a).join(", ")}); pass the token's address`,
    );
  }
  const [only] = found;
  if (only === undefined) {
    const known = bridged.map((t) => t.symbol).join(", ") || "none";
    throw new UnknownTokenError(
      `no token has the symbol "${ref.symbol}" on this sidechain (bridged tokens: ${known}); pass a token address`,
    );
  }
  return describe(node, only[0], only[1]);
}

export async function tokenBalance(node: NodeClient, token: Address, owner: Address): Promise<bigint> {
  const data = tokenInterface.encodeFunctionData("balanceOf", [owner]) as Hex;
  return tokenInterface.decodeFunctionResult("balanceOf", await node.call(token, data))[0] as bigint;
}

async function isContract(node: NodeClient, address: Address): Promise<boolean> {
  return (await node.code(address)) !== "0x";
}

async function describe(
  node: NodeClient,
  address: Address,
  l1Token: Address | null,
): Promise<SidechainToken> {
  const read = async (fn: "name" | "symbol" | "decimals") => {
    let raw: Hex;
    try {
      raw = await node.call(address, tokenInterface.encodeFunctionData(fn, []) as Hex);
    } catch (err) {
      // A system contract (bridge, staking) has code but no ERC20 functions.
      if (err instanceof NodeClientError && /revert/.test(err.message))
        throw new UnknownTokenError(`${address} is not a token: ${fn}() reverts`);
      throw err;
    }
    try {
      return tokenInterface.decodeFunctionResult(fn, raw)[0] as unknown;
    } catch {
      throw new UnknownTokenError(`${address} is not a token: its ${fn}() answer is not an ERC20's`);
    }
  };
  const [name, symbol, decimals] = await Promise.all([read("name"), read("symbol"), read("decimals")]);
  return {
    address,
    name: String(name),
    symbol: String(symbol),
    decimals: Number(decimals),
    origin: l1Token === null ? { kind: "genesis" } : { kind: "bridged", l1Token },
  };
}
