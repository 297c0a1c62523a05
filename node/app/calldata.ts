import type { Interface } from "ethers/abi";
import type { Hex } from "../crypto/index.ts";
import { unknownFunction } from "./revert.ts";
import { decodeWords, functionBySelector } from "./staticAbi.ts";

export interface DecodedCall {
  name: string;
  args: readonly unknown[];
}

/** Decodes calldata against one of our interfaces; anything unknown or malformed reverts with empty data. */
export function decodeCall(iface: Interface, data: Hex): DecodedCall {
  if (data.length < 10) throw unknownFunction();
  const codec = functionBySelector(iface, data.slice(0, 10).toLowerCase());
  if (codec === undefined) throw unknownFunction();
  const { fragment, inputs } = codec;
  if (inputs !== null) {
    const args = decodeWords(inputs, data);
    if (args === null) throw unknownFunction();
    return { name: fragment.name, args };
  }
  try {
    const args = iface.decodeFunctionData(fragment, data);
    return { name: fragment.name, args: [...args] };
  } catch {
    throw unknownFunction();
  }
}
