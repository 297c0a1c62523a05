import type { EventFragment, FunctionFragment, Interface, ParamType } from "ethers/abi";
import type { Hex } from "../crypto/index.ts";

/**
 * A fast path for the ABI of the system contracts' common calls. Their arguments, results and events are all
 * static 32-byte words (address, bool, uintN, bytes32), which are read and written here directly; ethers'
 * Interface recomputes selectors and topics with keccak in JavaScript on every call, which made a token transfer
 * cost ten times the EVM's own work. Anything else (strings, dynamic types) still goes through ethers.
 */

type WordKind = { kind: "address" } | { kind: "bool" } | { kind: "uint"; bits: number } | { kind: "bytes32" };

function wordKind(param: ParamType): WordKind | null {
  if (param.type === "address") return { kind: "address" };
  if (param.type === "bool") return { kind: "bool" };
  if (param.type === "bytes32") return { kind: "bytes32" };
  const uint = /^uint(\d+)$/.exec(param.type);
  return uint === null ? null : { kind: "uint", bits: Number(uint[1]) };
}

function wordKinds(params: readonly ParamType[]): WordKind[] | null {
  const kinds = params.map(wordKind);
  return kinds.every((k) => k !== null) ? (kinds as WordKind[]) : null;
}

export interface FunctionCodec {
  fragment: FunctionFragment;
  /** Null when an argument is not a static word: ethers decodes those. */
  inputs: WordKind[] | null;
  outputs: WordKind[] | null;
}

interface EventCodec {
  fragment: EventFragment;
  topic: Hex;
  inputs: { kind: WordKind; indexed: boolean }[] | null;
}

interface InterfaceCodecs {
  bySelector: Map<string, FunctionCodec>;
  byName: Map<string, FunctionCodec>;
  events: Map<string, EventCodec>;
}

const codecs = new WeakMap<Interface, InterfaceCodecs>();

function codecsOf(iface: Interface): InterfaceCodecs {
  let found = codecs.get(iface);
  if (found !== undefined) return found;
  found = { bySelector: new Map(), byName: new Map(), events: new Map() };
  iface.forEachFunction((fragment) => {
    const codec = { fragment, inputs: wordKinds(fragment.inputs), outputs: wordKinds(fragment.outputs) };
    found?.bySelector.set(fragment.selector, codec);
    found?.byName.set(fragment.name, codec);
  });
  iface.forEachEvent((fragment) => {
    const kinds = wordKinds(fragment.inputs);
    found?.events.set(fragment.name, {
      fragment,
      topic: fragment.topicHash.toLowerCase() as Hex,
      inputs:
        kinds === null
          ? null
          : kinds.map((kind, i) => ({ kind, indexed: fragment.inputs[i]?.indexed === true })),
    });
  });
  codecs.set(iface, found);
  return found;
}

/** The function a selector ("0x" + 8 lowercase hex digits) names, or undefined. */
export function functionBySelector(iface: Interface, selector: string): FunctionCodec | undefined {
  return codecsOf(iface).bySelector.get(selector);
}

export function functionByName(iface: Interface, name: string): FunctionCodec | undefined {
  return codecsOf(iface).byName.get(name);
}

export function eventByName(iface: Interface, name: string): EventCodec | undefined {
  return codecsOf(iface).events.get(name);
}

/**
 * The arguments of static words after a 4-byte selector, or null when they are malformed as Solidity's decoder
 * sees it (too short, an address with high bits set, a bool other than 0 or 1, a uintN out of range). Trailing
 * bytes are ignored, as Solidity does.
 */
export function decodeWords(kinds: readonly WordKind[], data: Hex): unknown[] | null {
  if (data.length < 10 + kinds.length * 64) return null;
  const values: unknown[] = [];
  for (const [i, kind] of kinds.entries()) {
    const word = data.slice(10 + i * 64, 10 + (i + 1) * 64).toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(word)) return null;
    switch (kind.kind) {
      case "address":
        if (!word.startsWith("000000000000000000000000")) return null;
        values.push(`0x${word.slice(24)}`);
        break;
      case "bool": {
        const value = BigInt(`0x${word}`);
        if (value > 1n) return null;
        values.push(value === 1n);
        break;
      }
      case "uint": {
        const value = BigInt(`0x${word}`);
        if (kind.bits < 256 && value >> BigInt(kind.bits) !== 0n) return null;
        values.push(value);
        break;
      }
      case "bytes32":
        values.push(`0x${word}`);
        break;
    }
  }
  return values;
}

function encodeWord(kind: WordKind, value: unknown): string {
  switch (kind.kind) {
    case "address":
      return (value as string).slice(2).toLowerCase().padStart(64, "0");
    case "bool":
      return value === true ? `${"0".repeat(63)}1` : "0".repeat(64);
    case "uint":
      return BigInt(value as bigint | number)
        .toString(16)
        .padStart(64, "0");
    case "bytes32":
      return (value as string).slice(2).toLowerCase();
  }
}

/** Static words, ABI-encoded (no selector). */
export function encodeWords(kinds: readonly WordKind[], values: readonly unknown[]): Hex {
  return `0x${kinds.map((kind, i) => encodeWord(kind, values[i])).join("")}`;
}

/** An event of static words as a log's topics and data, the topic hash computed once per interface. */
export function encodeWordEvent(
  codec: EventCodec,
  values: readonly unknown[],
): { topics: Hex[]; data: Hex } | null {
  if (codec.inputs === null) return null;
  const topics: Hex[] = [codec.topic];
  let data = "0x";
  codec.inputs.forEach(({ kind, indexed }, i) => {
    const word = encodeWord(kind, values[i]);
    if (indexed) topics.push(`0x${word}`);
    else data += word;
  });
  return { topics, data: data as Hex };
}
