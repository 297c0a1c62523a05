import type { Interface } from "ethers/abi";
import type { Hex } from "../crypto/index.ts";
import { unknownFunction } from "./revert.ts";

export interface DecodedCall {
  name: string;
  args: readonly unknown[];
}

/** Decodes calldata against one of our interfaces; anything unknown or malformed reverts with empty data. */
export function decodeCall(iface: Interface, data: Hex): DecodedCall {
  if (data.length < 10) throw unknownFunction();
  const fragment = iface.getFunction(data.slice(0, 10));
  if (fragment === null) throw unknownFunction();
  try {
    const args = iface.decodeFunctionData(fragment, data);
    return { name: fragment.name, args: [...args] };
  } catch {
    throw unknownFunction();
  }
}
