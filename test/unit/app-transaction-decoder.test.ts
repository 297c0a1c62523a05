import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  computeAddress,
  decodeRlp,
  getBytes,
  hashAuthorization,
  keccak256,
  type RlpStructuredData,
  SigningKey,
  Transaction,
} from "ethers";
import fc from "fast-check";
import {
  AppError,
  type AppErrorCode,
  type AppTx,
  BRIDGE_ADDRESS,
  decodeTransaction,
  MAX_INITCODE_SIZE,
  minimumGasLimit,
  STAKING_ADDRESS,
} from "../../node/app/index.ts";
import { TxCache } from "../../node/app/txCache.ts";
import { type Address, type Hex, keccak256Hex, recoverSigner } from "../../node/crypto/index.ts";
import { createMempool } from "../../node/mempool/index.ts";
import { addr, alice, BASE_FEE, bob, CHAIN_ID, signTx, testApp } from "../helpers/appFixture.ts";
import { decodeTransactionWithEthers } from "../helpers/ethersTxDecoder.ts";

/**
 * The decoder over @ethereumjs/rlp against ethers v6 (what it replaced): the same AppError code for every input
 * and the same AppTx for every accepted one, over ethers-signed transactions and mutations of them (bytes, items,
 * non-canonical RLP).
 */
/** Runs of the mutation property; set higher for a deep run (OUTRIGGER_DECODER_RUNS=20000). */
const MUTATION_RUNS = Number(process.env.OUTRIGGER_DECODER_RUNS ?? 400);
const RULES = { chainId: CHAIN_ID, baseFee: BASE_FEE };
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF = N >> 1n;
const MAX_UINT = (1n << 256n) - 1n;
const KEYS = [1, 2, 3, 4].map((i) => new SigningKey(`0x${(0x2000 + i).toString(16).padStart(64, "0")}`));

type Tree = Uint8Array | Tree[];
type Outcome = { code: AppErrorCode } | { tx: AppTx };

function outcome(decode: () => AppTx): Outcome {
  try {
    return { tx: decode() };
  } catch (err) {
    assert.ok(err instanceof AppError, `not an AppError: ${String(err)}`);
    return { code: err.code };
  }
}

const decodeNew = (raw: Uint8Array) => outcome(() => decodeTransaction(raw, RULES));
const decodeOld = (raw: Uint8Array) => outcome(() => decodeTransactionWithEthers(raw, RULES));

/** Both decoders give the same verdict; returns it. */
function sameVerdict(raw: Uint8Array): Outcome {
  const fresh = decodeNew(raw);
  assert.deepEqual(fresh, decodeOld(raw), `input ${hex(raw)}`);
  return fresh;
}

function rejects(raw: Uint8Array, code: AppErrorCode, message?: RegExp): void {
  assert.deepEqual(sameVerdict(raw), { code });
  if (message) assert.throws(() => decodeTransaction(raw, RULES), message);
}

const hex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString("hex")}`;
const uint = (v: bigint): Uint8Array =>
  v === 0n
    ? new Uint8Array(0)
    : getBytes(`0x${v.toString(16).padStart(Math.ceil(v.toString(16).length / 2) * 2, "0")}`);

/** A tuple signed by KEYS[key]: EIP-7702's fields. */
interface AuthFields {
  key: number;
  chainId: bigint;
  address: string;
  nonce: bigint;
}

interface TxFields {
  type: 0 | 1 | 2 | 4;
  key: number;
  chainId: bigint;
  nonce: number;
  gasLimit: bigint;
  gasPrice: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  to: string | null;
  value: bigint;
  data: Uint8Array;
  accessList: { address: string; storageKeys: string[] }[];
  /** Type 4 only. */
  authorizations: AuthFields[];
}

function authorizationOf(a: AuthFields) {
  const signature = (KEYS[a.key] as SigningKey).sign(
    hashAuthorization({ address: a.address, nonce: a.nonce, chainId: a.chainId }),
  );
  return { address: a.address, nonce: a.nonce, chainId: a.chainId, signature };
}

/**
 * Signed with ethers' SigningKey, whatever the fields (a wrong chain, low gas, underpriced, creation). ethers'
 * Transaction encodes it, except a tip above the fee cap, which it refuses to serialise: then the items are
 * encoded here.
 */
function sign(f: TxFields): Uint8Array {
  const key = KEYS[f.key] as SigningKey;
  // Type 4's tip stays within its cap (the arbitraries see to it): the hand encoding is type 2's.
  if (f.type === 2 && f.maxPriorityFeePerGas > f.maxFeePerGas) {
    const items: Tree[] = [
      uint(f.chainId),
      uint(BigInt(f.nonce)),
      uint(f.maxPriorityFeePerGas),
      uint(f.maxFeePerGas),
      uint(f.gasLimit),
      f.to === null ? new Uint8Array(0) : getBytes(f.to),
      uint(f.value),
      f.data,
      f.accessList.map((e) => [getBytes(e.address), e.storageKeys.map((k) => getBytes(k))]),
    ];
    const sig = key.sign(keccak256(assemble(true, items)));
    return assemble(true, [...items, uint(BigInt(sig.yParity)), uint(BigInt(sig.r)), uint(BigInt(sig.s))]);
  }
  const fees =
    f.type === 0
      ? { gasPrice: f.gasPrice }
      : f.type === 1
        ? { gasPrice: f.gasPrice, accessList: f.accessList }
        : {
            maxFeePerGas: f.maxFeePerGas,
            maxPriorityFeePerGas: f.maxPriorityFeePerGas,
            accessList: f.accessList,
            ...(f.type === 4 ? { authorizationList: f.authorizations.map(authorizationOf) } : {}),
          };
  const tx = Transaction.from({
    type: f.type,
    chainId: f.chainId,
    nonce: f.nonce,
    gasLimit: f.gasLimit,
    to: f.to,
    value: f.value,
    data: hex(f.data),
    ...fees,
  });
  tx.signature = key.sign(tx.unsignedHash);
  return getBytes(tx.serialized);
}

const uintArb = (max: bigint) =>
  fc.oneof(
    fc.constantFrom(0n, 1n, 0x7fn, 0x80n, 0xffn, 0x100n).filter((v) => v <= max),
    fc.bigInt({ min: 0n, max }),
  );
const bytesHex = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).map(hex);
const addressArb = fc.oneof(bytesHex(20), fc.constantFrom(BRIDGE_ADDRESS, STAKING_ADDRESS));
const authArb = fc.record({
  key: fc.nat({ max: KEYS.length - 1 }),
  chainId: fc.constantFrom(0n, CHAIN_ID, 1n),
  address: bytesHex(20),
  nonce: fc.oneof(fc.constantFrom(0n, 1n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
});
const accessListArb = fc.array(
  fc.record({ address: bytesHex(20), storageKeys: fc.array(bytesHex(32), { maxLength: 2 }) }),
  { maxLength: 2 },
);

/** Valid for this chain: right chain id, gas above every static minimum, fees at least the base fee. */
const validArb = fc
  .record({
    type: fc.constantFrom(0 as const, 1 as const, 2 as const, 4 as const),
    key: fc.nat({ max: KEYS.length - 1 }),
    chainId: fc.constant(CHAIN_ID),
    nonce: fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat()),
    gasLimit: fc.oneof(fc.constantFrom(90_000n, 100_000n), fc.bigInt({ min: 90_000n, max: MAX_UINT })),
    gasPrice: fc.bigInt({ min: BASE_FEE, max: MAX_UINT }),
    maxFeePerGas: fc.bigInt({ min: BASE_FEE, max: MAX_UINT }),
    tipShare: fc.bigInt({ min: 0n, max: 100n }),
    to: addressArb,
    value: uintArb(MAX_UINT),
    data: fc.uint8Array({ maxLength: 80 }),
    accessList: accessListArb,
    authorizations: fc.array(authArb, { minLength: 1, maxLength: 2 }),
  })
  .map(
    ({ tipShare, ...f }): TxFields => ({ ...f, maxPriorityFeePerGas: (f.maxFeePerGas * tipShare) / 100n }),
  );

/** Anything ethers signs: also other chains, too little gas, underpriced, tip above the cap, creation. */
const anyArb = fc
  .record({
    type: fc.constantFrom(0 as const, 1 as const, 2 as const, 4 as const),
    key: fc.nat({ max: KEYS.length - 1 }),
    chainId: fc.oneof(fc.constant(CHAIN_ID), fc.bigInt({ min: 1n, max: 1n << 64n })),
    nonce: fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat()),
    gasLimit: fc.oneof(fc.constantFrom(20_999n, 21_000n, 53_005n, 53_006n, 90_000n), uintArb(MAX_UINT)),
    gasPrice: uintArb(MAX_UINT),
    maxFeePerGas: uintArb(MAX_UINT),
    maxPriorityFeePerGas: uintArb(MAX_UINT),
    to: fc.oneof({ weight: 9, arbitrary: addressArb }, { weight: 1, arbitrary: fc.constant(null) }),
    value: uintArb(MAX_UINT),
    data: fc.uint8Array({ maxLength: 80 }),
    accessList: accessListArb,
    authorizations: fc.array(authArb, { maxLength: 2 }),
  })
  // ethers refuses to encode a type-4 tip above its cap; type 2 covers that refusal.
  .map(
    (f): TxFields =>
      f.type === 4 && f.maxPriorityFeePerGas > f.maxFeePerGas
        ? { ...f, maxPriorityFeePerGas: f.maxFeePerGas }
        : f,
  );

/** Mostly valid bases, so that mutations of them also reach acceptance (with another sender, say). */
const baseArb = fc.oneof({ weight: 3, arbitrary: validArb }, { weight: 2, arbitrary: anyArb });

function toTree(data: RlpStructuredData): Tree {
  return typeof data === "string" ? getBytes(data) : data.map(toTree);
}

/** The transaction's items (without the type byte). */
function itemsOf(raw: Uint8Array): Tree[] {
  const tree = toTree(decodeRlp(typeOf(raw) === false ? raw : raw.subarray(1)));
  assert.ok(Array.isArray(tree));
  return tree;
}

/** How one item (or the outer list, index -1) is encoded: canonically, or in one of RLP's redundant forms. */
type Quirk = "canonical" | "prefixedByte" | "longForm" | "paddedLength";

function header(length: number, offset: number, quirk: Quirk): number[] {
  if (length < 56 && quirk !== "longForm" && quirk !== "paddedLength") return [offset + length];
  const lengthBytes = length === 0 ? [0] : [...uint(BigInt(length))];
  if (quirk === "paddedLength") lengthBytes.unshift(0);
  return [offset + 55 + lengthBytes.length, ...lengthBytes];
}

function encode(tree: Tree, quirk: Quirk = "canonical", quirkAt = -2, index = -1): Uint8Array {
  const mine = index === quirkAt ? quirk : "canonical";
  if (Array.isArray(tree)) {
    const body = Buffer.concat(tree.map((item, i) => encode(item, quirk, quirkAt, index === -1 ? i : -3)));
    return Uint8Array.from([...header(body.length, 0xc0, mine), ...body]);
  }
  const single = tree.length === 1 && (tree[0] as number) < 0x80;
  if (single && mine === "canonical") return tree;
  if (single && mine === "prefixedByte") return Uint8Array.of(0x81, tree[0] as number);
  return Uint8Array.from([
    ...header(tree.length, 0x80, mine === "prefixedByte" ? "longForm" : mine),
    ...tree,
  ]);
}

/** `typed`: true for type 2, a type byte, or false for legacy. */
function assemble(
  typed: boolean | number,
  items: Tree[],
  quirk: Quirk = "canonical",
  quirkAt = -2,
): Uint8Array {
  const body = encode(items, quirk, quirkAt);
  const type = typed === true ? 2 : typed;
  return type === false ? body : Uint8Array.from([type, ...body]);
}

/** The type byte of a typed transaction, false for legacy. */
const typeOf = (raw: Uint8Array): number | false => ((raw[0] ?? 0xc0) < 0x7f ? (raw[0] as number) : false);

/** Replaces item `index` (legacy or typed alike) and re-encodes. */
function withItem(raw: Uint8Array, index: number, item: Tree): Uint8Array {
  const items = itemsOf(raw);
  items[index] = item;
  return assemble(typeOf(raw), items);
}

const itemEditArb: fc.Arbitrary<(item: Tree) => Tree> = fc.oneof(
  fc.constant((item: Tree) => (Array.isArray(item) ? item : Uint8Array.from([0, ...item]))),
  fc.uint8Array({ maxLength: 34 }).map((bytes) => () => bytes),
  fc
    .constantFrom(
      0n,
      1n,
      2n,
      27n,
      28n,
      35n,
      36n,
      37n,
      CHAIN_ID * 2n + 35n,
      CHAIN_ID * 2n + 36n,
      HALF,
      HALF + 1n,
      N - 1n,
      N,
      MAX_UINT,
      1n << 53n,
      (1n << 53n) - 1n,
    )
    .map((v) => () => uint(v)),
  fc.constant(() => []),
  fc.constant((item: Tree) => [item]),
  fc
    .constantFrom<Tree>(
      [[new Uint8Array(20), []]],
      [[new Uint8Array(19), []]],
      [[new Uint8Array(20), [new Uint8Array(31)]]],
      [[new Uint8Array(20), new Uint8Array(32)]],
      [[new Uint8Array(20)]],
      [[new Uint8Array(20), [], []]],
      [new Uint8Array(20)],
    )
    .map((shape) => () => shape),
);

type Mutation = (raw: Uint8Array) => Uint8Array;
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => (raw: Uint8Array) => {
    const out = Uint8Array.from(raw);
    const i = at % out.length;
    out[i] = (out[i] as number) ^ xor;
    return out;
  }),
  fc.nat().map((at) => (raw: Uint8Array) => raw.subarray(0, at % raw.length)),
  fc
    .uint8Array({ minLength: 1, maxLength: 4 })
    .map((extra) => (raw: Uint8Array) => Uint8Array.from([...raw, ...extra])),
  fc
    .tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 3 }))
    .map(([at, extra]) => (raw: Uint8Array) => {
      const i = at % raw.length;
      return Uint8Array.from([...raw.subarray(0, i), ...extra, ...raw.subarray(i)]);
    }),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 3 })).map(([at, count]) => (raw: Uint8Array) => {
    const i = at % raw.length;
    return Uint8Array.from([...raw.subarray(0, i), ...raw.subarray(i + count)]);
  }),
  fc.tuple(fc.nat(), itemEditArb).map(([at, edit]) => (raw: Uint8Array) => {
    const items = itemsOf(raw);
    const i = at % items.length;
    items[i] = edit(items[i] as Tree);
    return assemble(typeOf(raw), items);
  }),
  fc.nat().map((cut) => (raw: Uint8Array) => assemble(typeOf(raw), itemsOf(raw).slice(0, (cut % 13) + 0))),
  fc
    .tuple(
      fc.integer({ min: -1, max: 11 }),
      fc.constantFrom<Quirk>("prefixedByte", "longForm", "paddedLength"),
    )
    .map(
      ([at, quirk]) =>
        (raw: Uint8Array) =>
          assemble(typeOf(raw), itemsOf(raw), quirk, at),
    ),
);

/** The fields ethers reads from `raw`, as the decoder reports them. */
function fieldsByEthers(raw: Uint8Array) {
  const tx = Transaction.from(hex(raw));
  return {
    hash: tx.hash,
    type: tx.type,
    chainId: tx.chainId,
    from: tx.from?.toLowerCase(),
    to: tx.to === null ? null : tx.to.toLowerCase(),
    nonce: BigInt(tx.nonce),
    value: tx.value,
    data: tx.data,
    gasLimit: tx.gasLimit,
    gasPrice: tx.type === 0 || tx.type === 1 ? tx.gasPrice : null,
    maxFeePerGas: tx.type === 0 || tx.type === 1 ? tx.gasPrice : tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.type === 0 || tx.type === 1 ? tx.gasPrice : tx.maxPriorityFeePerGas,
    accessList: (tx.accessList ?? []).map((e) => ({
      address: e.address.toLowerCase(),
      storageKeys: e.storageKeys.map((k) => k.toLowerCase()),
    })),
    authorizationList: (tx.authorizationList ?? []).map((a) => ({
      chainId: a.chainId,
      address: a.address.toLowerCase(),
      nonce: a.nonce,
      yParity: BigInt(a.signature.yParity),
      r: BigInt(a.signature.r),
      s: BigInt(a.signature._s),
    })),
  };
}

function fieldsOf(tx: AppTx) {
  const { raw: _raw, ...fields } = tx;
  return fields;
}

/** Why this chain refuses a transaction that ethers reads and re-encodes exactly (low s, this chain), or null. */
function valueRefusal(tx: Transaction): AppErrorCode | null {
  try {
    if (tx.from === null) return "tx-bad-signature";
  } catch {
    return "tx-bad-signature";
  }
  if (tx.to === null && getBytes(tx.data).length > MAX_INITCODE_SIZE) return "tx-initcode-too-large";
  const to = tx.to === null ? null : (tx.to.toLowerCase() as Address);
  const accessList = (tx.accessList ?? []).map((e) => ({ storageKeys: e.storageKeys }));
  const authorizations = tx.authorizationList?.length ?? 0;
  if (tx.type === 4 && (to === null || authorizations === 0)) return "tx-invalid-set-code";
  if (tx.gasLimit < minimumGasLimit({ to, data: getBytes(tx.data), accessList, authorizations }))
    return "tx-intrinsic-gas";
  const feeCap = tx.type === 0 || tx.type === 1 ? tx.gasPrice : tx.maxFeePerGas;
  if ((feeCap ?? 0n) < BASE_FEE) return "tx-underpriced";
  return null;
}

describe("app: transaction decoder against ethers", () => {
  it("decodes ethers-signed transactions of both types to exactly the fields ethers reads", () => {
    fc.assert(
      fc.property(validArb, (fields) => {
        const raw = sign(fields);
        const decoded = sameVerdict(raw);
        assert.ok("tx" in decoded, `refused: ${"code" in decoded ? decoded.code : ""}`);
        assert.deepEqual(fieldsOf(decoded.tx), fieldsByEthers(raw));
        assert.equal(decoded.tx.hash, keccak256Hex(raw));
        assert.equal(decoded.tx.raw, raw);
      }),
      { numRuns: 120 },
    );
  });

  it("mutated transactions get the verdict ethers' decoder gave; what it accepts ethers reads back exactly", () => {
    const seen = { accepted: 0, malformed: 0, other: 0 };
    fc.assert(
      fc.property(baseArb, mutationArb, (fields, mutate) => {
        const raw = mutate(sign(fields));
        const verdict = sameVerdict(raw);
        if ("tx" in verdict) {
          seen.accepted++;
          assert.equal(Transaction.from(hex(raw)).serialized, hex(raw));
          assert.deepEqual(fieldsOf(verdict.tx), fieldsByEthers(raw));
          return;
        }
        if (verdict.code === "tx-malformed") seen.malformed++;
        else seen.other++;
        let parsed: Transaction;
        try {
          parsed = Transaction.from(hex(raw));
          if (parsed.serialized !== hex(raw)) return;
        } catch {
          return;
        }
        const signature = parsed.signature;
        // This chain's id, or a legacy transaction without one (valid on every chain).
        const onChain = parsed.chainId === CHAIN_ID || (parsed.type === 0 && parsed.chainId === 0n);
        const protectedOnChain = onChain && [0, 1, 2, 4].includes(parsed.type ?? -1);
        if (signature !== null && BigInt(signature._s) <= HALF && protectedOnChain) {
          // Round-trips in ethers, low s, this chain: refused only for what the values say (accepted returned above).
          assert.equal(verdict.code, valueRefusal(parsed), "round-trips in ethers");
        }
      }),
      { numRuns: MUTATION_RUNS },
    );
    if (process.env.OUTRIGGER_DECODER_RUNS) console.log(seen);
    // Every kind of verdict was compared, not only parse failures.
    assert.ok(seen.accepted > 20 && seen.malformed > 50 && seen.other > 20, JSON.stringify(seen));
  });
});

describe("app: transaction decoder, targeted cases (each also checked against ethers' decoder)", () => {
  const base = (type: 0 | 1 | 2 | 4, over: Partial<TxFields> = {}) =>
    sign({
      authorizations: [{ key: 1, chainId: CHAIN_ID, address: `0x${"cd".repeat(20)}`, nonce: 0n }],
      type,
      key: 0,
      chainId: CHAIN_ID,
      nonce: 5,
      gasLimit: 100_000n,
      gasPrice: 2n * BASE_FEE,
      maxFeePerGas: 2n * BASE_FEE,
      maxPriorityFeePerGas: 1n,
      to: `0x${"ab".repeat(20)}`,
      value: 1n,
      data: new Uint8Array(0),
      accessList: [],
      ...over,
    });
  const legacy = base(0);
  const typed = base(2);

  it("accepts both bases", () => {
    for (const raw of [legacy, typed]) assert.ok("tx" in sameVerdict(raw));
  });

  it("an integer with a leading zero byte is non-canonical", () => {
    for (const raw of [legacy, typed]) {
      const gasLimitAt = raw === legacy ? 2 : 4;
      const gas = itemsOf(raw)[gasLimitAt] as Uint8Array;
      rejects(withItem(raw, gasLimitAt, Uint8Array.from([0, ...gas])), "tx-malformed", /non-canonical/);
    }
    // yParity 0 written as 0x00
    rejects(withItem(typed, 9, Uint8Array.of(0)), "tx-malformed", /non-canonical/);
  });

  it("`to` of 19 or 21 bytes is malformed, an empty one is a contract creation", () => {
    rejects(withItem(typed, 5, new Uint8Array(19)), "tx-malformed", /malformed transaction/);
    rejects(withItem(legacy, 3, new Uint8Array(21)), "tx-malformed");
    const creation = decodeTransaction(base(2, { to: null, data: Uint8Array.of(0x60) }), RULES);
    assert.equal(creation.to, null);
  });

  it("access list entries of the wrong shape are malformed", () => {
    const address = new Uint8Array(20);
    for (const list of [
      new Uint8Array(0),
      [address],
      [[address]],
      [[address, new Uint8Array(32)]],
      [[new Uint8Array(21), []]],
      [[address, [new Uint8Array(33)]]],
      [[address, [[]]]],
      [[address, [], []]],
    ] satisfies Tree[]) {
      rejects(withItem(typed, 8, list), "tx-malformed");
    }
    // The right shape with a signature over another payload: some other sender, accepted.
    assert.ok("tx" in sameVerdict(withItem(typed, 8, [[address, [new Uint8Array(32)]]])));
  });

  it("legacy v: 27/28 is unprotected (accepted, chain id 0), other values outside EIP-155 are malformed", () => {
    const unprotected = Transaction.from({
      type: 0,
      to: `0x${"ab".repeat(20)}`,
      gasLimit: 100_000n,
      gasPrice: BASE_FEE,
    });
    unprotected.signature = (KEYS[0] as SigningKey).sign(unprotected.unsignedHash);
    const raw = getBytes(unprotected.serialized);
    assert.ok([27n, 28n].includes(BigInt(hex(itemsOf(raw)[6] as Uint8Array))));
    const accepted = sameVerdict(raw);
    assert.ok("tx" in accepted);
    assert.equal(accepted.tx.chainId, 0n);
    assert.equal(accepted.tx.from, computeAddress(KEYS[0] as SigningKey).toLowerCase());
    for (const v of [0n, 1n, 26n, 29n, 35n, 36n]) rejects(withItem(legacy, 6, uint(v)), "tx-malformed");
    // v = 37: chain id 1
    rejects(withItem(legacy, 6, uint(37n)), "tx-wrong-chain", /invalid chain id/);
  });

  it("yParity 2 is malformed; r = 0 does not recover; s = n - 1 is high", () => {
    rejects(withItem(typed, 9, uint(2n)), "tx-malformed");
    rejects(withItem(typed, 10, new Uint8Array(0)), "tx-bad-signature", /invalid sender/);
    rejects(withItem(legacy, 7, new Uint8Array(0)), "tx-bad-signature", /invalid sender/);
    rejects(withItem(typed, 11, uint(N - 1n)), "tx-bad-signature", /high s/);
    rejects(withItem(legacy, 8, uint(N - 1n)), "tx-bad-signature", /high s/);
    rejects(withItem(typed, 10, uint(N)), "tx-bad-signature", /invalid sender/);
    rejects(withItem(typed, 10, new Uint8Array(33)), "tx-malformed");
  });

  it("trailing bytes, a list where a byte string is due, wrong item counts", () => {
    rejects(Uint8Array.from([...typed, 0x80]), "tx-malformed");
    rejects(Uint8Array.from([...legacy, 0x00]), "tx-malformed");
    rejects(withItem(typed, 1, []), "tx-malformed");
    rejects(withItem(legacy, 5, [new Uint8Array(1)]), "tx-malformed");
    rejects(withItem(typed, 11, []), "tx-malformed");
    rejects(assemble(true, [...itemsOf(typed), new Uint8Array(0)]), "tx-malformed");
    rejects(assemble(false, itemsOf(legacy).slice(0, 8)), "tx-malformed");
  });

  it("deeply nested lists are refused from their headers, before the RLP reader (quadratic in the depth) runs", () => {
    // Built from the inside out: each level is a list holding the level below.
    const depth = 10_000;
    const headers: number[][] = [];
    let length = 1;
    for (let i = 0; i < depth; i++) {
      const h = header(length, 0xc0, "canonical");
      headers.push(h);
      length += h.length;
    }
    const nested = Uint8Array.from([...headers.reverse().flat(), 0xc0]);
    rejects(nested, "tx-malformed", /nested too deep/);
    rejects(Uint8Array.from([2, ...nested]), "tx-malformed", /nested too deep/);
    // Five levels where a transaction has at most four: an access list's storage key that is a list.
    const five = withItem(typed, 8, [[new Uint8Array(20), [[new Uint8Array(32)]]]]);
    rejects(five, "tx-malformed", /nested too deep/);
  });

  it("nonce up to 2^53 - 1 and gas limits past 8 bytes are what ethers reads", () => {
    assert.ok("tx" in sameVerdict(base(2, { nonce: Number.MAX_SAFE_INTEGER })));
    rejects(withItem(typed, 1, uint(1n << 53n)), "tx-malformed");
    assert.ok("tx" in sameVerdict(base(0, { gasLimit: 1n << 70n })));
    rejects(withItem(typed, 4, new Uint8Array(33).fill(1)), "tx-malformed");
  });

  it("doubly bad: the error ethers' decoder gave first (unsigned, high s, tip) wins over a non-canonical encoding", () => {
    const items = itemsOf(typed);
    // Unsigned forms, with a redundant RLP: refused for the missing signature.
    rejects(assemble(true, items.slice(0, 9), "prefixedByte", 1), "tx-bad-signature", /unsigned/);
    rejects(assemble(false, itemsOf(legacy).slice(0, 6), "paddedLength", -1), "tx-bad-signature", /unsigned/);
    const unsignedLegacy = itemsOf(legacy);
    unsignedLegacy.splice(6, 3, uint(5n), Uint8Array.of(0), new Uint8Array(0));
    rejects(assemble(false, unsignedLegacy), "tx-bad-signature", /unsigned/);
    // High s, with a redundant RLP or a leading zero.
    const high = itemsOf(typed);
    high[11] = uint(N - 1n);
    rejects(assemble(true, high, "longForm", 0), "tx-bad-signature", /high s/);
    high[2] = Uint8Array.from([0, ...(high[2] as Uint8Array)]);
    rejects(assemble(true, high), "tx-bad-signature", /high s/);
    // Tip above the fee cap, non-canonical.
    const tip = itemsOf(base(2, { maxPriorityFeePerGas: 3n * BASE_FEE }));
    rejects(assemble(true, tip), "tx-tip-above-fee-cap", /max priority fee/);
    rejects(assemble(true, tip, "paddedLength", 7), "tx-tip-above-fee-cap");
    // Non-canonical and on another chain: the encoding is refused first.
    rejects(
      assemble(true, itemsOf(base(2, { chainId: 1n })), "longForm", 5),
      "tx-malformed",
      /non-canonical/,
    );
  });
});

describe("app: keccak of a transaction computed once per admission", () => {
  it("decodeTransaction and TxCache take the caller's hash", () => {
    const raw = sign({
      authorizations: [],
      type: 2,
      key: 1,
      chainId: CHAIN_ID,
      nonce: 0,
      gasLimit: 21_000n,
      gasPrice: 0n,
      maxFeePerGas: BASE_FEE,
      maxPriorityFeePerGas: 0n,
      to: `0x${"cd".repeat(20)}`,
      value: 0n,
      data: new Uint8Array(0),
      accessList: [],
    });
    const hash = keccak256Hex(raw);
    // A stand-in hash shows it is used as given, not computed again.
    const given: Hex = `0x${"11".repeat(32)}`;
    assert.equal(decodeTransaction(raw, RULES, recoverSigner, given).hash, given);
    assert.equal(decodeTransaction(raw, RULES).hash, hash);
    const cache = new TxCache(4);
    const seen: Hex[] = [];
    const decode = (r: Uint8Array, h: Hex) => {
      seen.push(h);
      return decodeTransaction(r, RULES, recoverSigner, h);
    };
    assert.equal(cache.getOrDecode(raw, decode, given).hash, given);
    assert.equal(cache.getOrDecode(raw, decode, given).hash, given, "served from the cache");
    assert.equal(cache.getOrDecode(raw, decode).hash, hash, "without a hash it computes keccak256(raw)");
    assert.deepEqual(seen, [given, hash]);
  });

  it("the mempool hands checkTx keccak256(raw), and the application decodes under it", async () => {
    const app = testApp();
    const raw = await signTx(alice, { to: addr(bob), value: 1n });
    const handed: Hex[] = [];
    const mempool = createMempool(
      { maxTxs: 10, maxPerSender: 4, maxTxBytes: 128 * 1024, priceBumpPercent: 10, baseFee: BASE_FEE },
      {
        checkTx: (r, hash) => {
          handed.push(hash);
          return app.checkTx(r, hash);
        },
        account: (address) => ({ nonce: app.nonce(address), balance: app.balance(address) }),
      },
    );
    assert.equal(mempool.add(raw).hash, keccak256Hex(raw));
    assert.deepEqual(handed, [keccak256Hex(raw)]);
    // A stand-in hash shows checkTx does not compute it again.
    const given: Hex = `0x${"22".repeat(32)}`;
    const other = await signTx(alice, { to: addr(bob), value: 2n });
    const checked = app.checkTx(other, given);
    assert.ok(checked.ok);
    assert.equal(checked.tx.hash, given);
  });
});
