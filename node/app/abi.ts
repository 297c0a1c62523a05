import { AbiCoder, Interface } from "ethers/abi";
import type { Hex } from "../crypto/index.ts";
import { GAS_POOL_ABI, SIDECHAIN_BRIDGE_ABI, SIDECHAIN_TOKEN_ABI, STAKING_ABI } from "../types/index.ts";
import { encodeWordEvent, encodeWords, eventByName, functionByName } from "./staticAbi.ts";

export const erc20Interface = new Interface(SIDECHAIN_TOKEN_ABI);
export const bridgeInterface = new Interface(SIDECHAIN_BRIDGE_ABI);
export const stakingInterface = new Interface(STAKING_ABI);
export const gasPoolInterface = new Interface(GAS_POOL_ABI);

const coder = AbiCoder.defaultAbiCoder();

/** Solidity's revert(string): Error(string) selector 0x08c379a0, which ethers decodes into a reason. */
export function revertData(reason: string): Hex {
  return `0x08c379a0${coder.encode(["string"], [reason]).slice(2)}`;
}

/** A function's return data, lowercase. */
export function encodeResult(iface: Interface, name: string, values: readonly unknown[]): Hex {
  const outputs = functionByName(iface, name)?.outputs ?? null;
  if (outputs !== null) return encodeWords(outputs, values);
  return iface.encodeFunctionResult(name, values as unknown[]).toLowerCase() as Hex;
}

/** Error(string)'s reason, or null for other revert data (a custom error, empty data). */
export function decodeRevertReason(data: Hex): string | null {
  if (!data.startsWith("0x08c379a0")) return null;
  try {
    return String(coder.decode(["string"], `0x${data.slice(10)}`)[0]);
  } catch {
    return null;
  }
}

/** A log of one of our interfaces, with lowercase hex as our types require. */
export function encodeLog(
  iface: Interface,
  event: string,
  args: readonly unknown[],
): { topics: Hex[]; data: Hex } {
  const codec = eventByName(iface, event);
  const fast = codec === undefined ? null : encodeWordEvent(codec, args);
  if (fast !== null) return fast;
  const encoded = iface.encodeEventLog(event, args as unknown[]);
  return {
    topics: encoded.topics.map((t) => t.toLowerCase() as Hex),
    data: encoded.data.toLowerCase() as Hex,
  };
}
