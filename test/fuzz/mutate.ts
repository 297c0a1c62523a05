import fc from "fast-check";
import { decodeRlpStrict, encodeRlpItem, type RlpItem } from "../../node/crypto/index.ts";

/**
 * Mutations of a valid encoding, as a fuzzer's mutator would make them: bit flips, truncation, extension, byte
 * insertions and overwrites, and structural edits of its RLP tree (fields swapped, dropped, duplicated,
 * replaced, wrapped) re-encoded canonically, so a decoder sees near-valid inputs that pass its RLP layer.
 * Positions are drawn as plain numbers and taken modulo the input's length, so one mutation fits any input.
 */
export type ByteMutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "truncate"; at: number }
  | { kind: "extend"; bytes: Uint8Array }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "overwrite"; at: number; byte: number }
  | { kind: "rlp"; edit: TreeEdit };

export type TreeEdit =
  | { op: "swap"; path: number; a: number; b: number }
  | { op: "drop"; path: number; a: number }
  | { op: "duplicate"; path: number; a: number }
  | { op: "replace"; path: number; with: RlpItem }
  | { op: "wrap"; path: number }
  | { op: "unwrap"; path: number };

const position = fc.nat({ max: 1 << 24 });

export const rlpTreeArb: fc.Arbitrary<RlpItem> = fc.letrec<{ item: RlpItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie("item"), { maxLength: 6 }),
  ),
})).item;

const treeEditArb: fc.Arbitrary<TreeEdit> = fc.oneof(
  fc.record({ op: fc.constant("swap" as const), path: position, a: position, b: position }),
  fc.record({ op: fc.constant("drop" as const), path: position, a: position }),
  fc.record({ op: fc.constant("duplicate" as const), path: position, a: position }),
  fc.record({ op: fc.constant("replace" as const), path: position, with: rlpTreeArb }),
  fc.record({ op: fc.constant("wrap" as const), path: position }),
  fc.record({ op: fc.constant("unwrap" as const), path: position }),
);

export const byteMutationArb: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: position }),
  fc.record({ kind: fc.constant("extend" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: position,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant("overwrite" as const), at: position, byte: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant("rlp" as const), edit: treeEditArb }),
  fc.record({ kind: fc.constant("rlp" as const), edit: treeEditArb }),
);

/** Every node of the tree, parents before children, with the list holding it (null for the root). */
function nodes(root: RlpItem): { item: RlpItem; parent: RlpItem[] | null; index: number }[] {
  const out: { item: RlpItem; parent: RlpItem[] | null; index: number }[] = [];
  const visit = (item: RlpItem, parent: RlpItem[] | null, index: number): void => {
    out.push({ item, parent, index });
    if (Array.isArray(item)) for (const [i, child] of item.entries()) visit(child, item, i);
  };
  visit(root, null, 0);
  return out;
}

function clone(item: RlpItem): RlpItem {
  return Array.isArray(item) ? item.map(clone) : item.slice();
}

function editTree(root: RlpItem, edit: TreeEdit): RlpItem {
  const tree = clone(root);
  const all = nodes(tree);
  const target = all[edit.path % all.length];
  if (target === undefined) return tree;
  const set = (value: RlpItem): RlpItem => {
    if (target.parent === null) return value;
    target.parent[target.index] = value;
    return tree;
  };
  const list = target.item;
  switch (edit.op) {
    case "swap": {
      if (!Array.isArray(list) || list.length < 2) return tree;
      const a = edit.a % list.length;
      const b = edit.b % list.length;
      [list[a], list[b]] = [list[b] as RlpItem, list[a] as RlpItem];
      return tree;
    }
    case "drop":
      if (Array.isArray(list) && list.length > 0) list.splice(edit.a % list.length, 1);
      return tree;
    case "duplicate":
      if (Array.isArray(list) && list.length > 0) {
        const i = edit.a % list.length;
        list.splice(i, 0, clone(list[i] as RlpItem));
      }
      return tree;
    case "replace":
      return set(edit.with);
    case "wrap":
      return set([target.item]);
    case "unwrap":
      return Array.isArray(list) && list.length > 0 ? set(list[0] as RlpItem) : tree;
  }
}

export function applyMutation(bytes: Uint8Array, m: ByteMutation): Uint8Array {
  const at = (n: number, extra = 0) => (bytes.length + extra === 0 ? 0 : n % (bytes.length + extra));
  switch (m.kind) {
    case "flip": {
      if (bytes.length === 0) return bytes;
      const out = bytes.slice();
      const i = at(m.at);
      out[i] = (out[i] ?? 0) ^ (1 << m.bit);
      return out;
    }
    case "truncate":
      return bytes.slice(0, at(m.at));
    case "extend":
      return concat(bytes, m.bytes);
    case "insert": {
      const i = at(m.at, 1);
      return concat(bytes.subarray(0, i), m.bytes, bytes.subarray(i));
    }
    case "overwrite": {
      if (bytes.length === 0) return bytes;
      const out = bytes.slice();
      out[at(m.at)] = m.byte;
      return out;
    }
    case "rlp": {
      let tree: RlpItem;
      try {
        tree = decodeRlpStrict(bytes);
      } catch {
        return bytes;
      }
      return encodeRlpItem(editTree(tree, m.edit));
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A valid encoding from `valid` with one to four mutations applied in turn. */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(valid, fc.array(byteMutationArb, { minLength: 1, maxLength: 4 }))
    .map(([bytes, ms]) => ms.reduce(applyMutation, bytes));
}

/** `depth` lists nested in one another around `core`, headers written outside in (no recursion). */
function nestedLists(depth: number, core: Uint8Array): Uint8Array {
  let bytes = core;
  for (let i = 0; i < depth; i++) bytes = wrapList(bytes);
  return bytes;
}

/** An RLP list header around already encoded bytes. */
function wrapList(payload: Uint8Array): Uint8Array {
  const n = payload.length;
  if (n <= 55) return concat(Uint8Array.of(0xc0 + n), payload);
  const len: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) len.unshift(v % 256);
  return concat(Uint8Array.of(0xf7 + len.length), Uint8Array.from(len), payload);
}

/**
 * What a hostile peer sends to break a recursive or trusting reader: lists nested thousands deep, headers that
 * claim gigabytes (or 2^64 bytes) of payload, and one string near a size bound.
 */
export const hostileBytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 17, max: 3000 }), fc.uint8Array({ maxLength: 4 }))
    .map(([d, core]) => nestedLists(d, core)),
  fc
    .tuple(
      fc.constantFrom(0xb8, 0xbb, 0xbf, 0xf8, 0xfb, 0xff),
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
      fc.uint8Array({ maxLength: 16 }),
    )
    .map(([prefix, length, rest]) => concat(Uint8Array.of(prefix), length, rest)),
  fc.integer({ min: 60_000, max: 140_000 }).map((n) => encodeRlpItem(new Uint8Array(n).fill(0xab))),
);

/** Raw random bytes, random well-formed RLP of no particular shape, and now and then a hostile input. */
export const randomBytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 10, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 10, arbitrary: rlpTreeArb.map((tree) => encodeRlpItem(tree)) },
  { weight: 1, arbitrary: hostileBytesArb },
);

/**
 * What a decoder is fuzzed with: valid encodings as they are (so a regression that rejects them shows), mutated
 * ones (most of the budget) and random bytes.
 */
export function wireInputs(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: valid, weight: 1 },
    { arbitrary: mutated(valid), weight: 6 },
    { arbitrary: randomBytesArb, weight: 3 },
  );
}
