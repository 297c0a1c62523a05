import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeRlp } from "ethers";
import fc from "fast-check";
import {
  type Address,
  bytesToHex,
  concatBytes,
  decodeRlpStrict,
  encodeRlpItem,
  type Hex,
  hexToBytes,
  keccak256Hex,
  RlpError,
  type RlpItem,
  type SignatureHex,
  VoteType,
  ZERO_HASH,
} from "../../node/crypto/index.ts";
import {
  type Block,
  type CertifiedCheckpoint,
  type Checkpoint,
  type Commit,
  type CommitSig,
  computeBodyHashes,
  type DepositClaim,
  type DuplicateVoteEvidence,
  decodeBlock,
  decodeCertifiedCheckpoint,
  decodeCheckpoint,
  decodeCommit,
  decodeCommitSig,
  decodeDepositClaim,
  decodeEvidence,
  decodeHeader,
  decodeProposal,
  decodeValidator,
  decodeValidators,
  decodeVote,
  decodeWithdrawal,
  EMPTY_LIST_HASH,
  encodeBlock,
  encodeCertifiedCheckpoint,
  encodeCheckpoint,
  encodeCommit,
  encodeCommitSig,
  encodeDepositClaim,
  encodeEvidence,
  encodeHeader,
  encodeProposal,
  encodeValidator,
  encodeValidators,
  encodeVote,
  encodeWithdrawal,
  type Header,
  hashCertifiedCheckpoints,
  hashCommit,
  hashDepositClaims,
  hashEvidence,
  hashHeader,
  hashTxs,
  MAX_BLOCK_BYTES,
  MAX_CHECKPOINTS_PER_BLOCK,
  MAX_DEPOSIT_CLAIMS_PER_BLOCK,
  MAX_EVIDENCE_PER_BLOCK,
  MAX_TOKEN_NAME_BYTES,
  MAX_TOKEN_SYMBOL_BYTES,
  MAX_TX_BYTES,
  MAX_TXS_PER_BLOCK,
  MAX_VALIDATORS,
  NO_COMMIT_HASH,
  type Proposal,
  type Validator,
  type Vote,
  validateBlockBody,
  type Withdrawal,
} from "../../node/types/index.ts";

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries: every one yields only values the encoders accept, so roundtrips must be exact.

/** Records with Object.prototype, so decoded values (plain objects) can be deep-strict-equal to them. */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}

const hexOf = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).map(bytesToHex);
const arbHash: fc.Arbitrary<Hex> = hexOf(32);
const arbAddress: fc.Arbitrary<Address> = hexOf(20);
// A few fixed addresses make duplicates and ordering collisions likely enough to be exercised.
const arbValidatorAddress: fc.Arbitrary<Address> = fc.oneof(
  arbAddress,
  fc.constantFrom<Address>(`0x${"00".repeat(20)}`, `0x${"11".repeat(20)}`, `0x${"ff".repeat(20)}`),
);
const arbBlockHash: fc.Arbitrary<Hex> = fc
  .oneof(arbHash, fc.constantFrom<Hex>(`0x${"00".repeat(31)}01`, `0x${"ff".repeat(32)}`))
  .filter((h) => h !== ZERO_HASH);
const arbSignature: fc.Arbitrary<SignatureHex> = fc
  .tuple(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.constantFrom(27, 28))
  .map(([rs, v]) => bytesToHex(concatBytes(rs, Uint8Array.of(v))));
const arbSafeInt = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.constantFrom(0, 127, 128, 255, 256, 2 ** 32, Number.MAX_SAFE_INTEGER),
  fc.maxSafeNat(),
);
const arbUint256 = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  fc.constantFrom(0n, 1n, 127n, 128n, 2n ** 64n, 2n ** 256n - 1n),
);
const arbVoteType = fc.constantFrom(VoteType.Prevote, VoteType.Precommit);

const utf8Length = (s: string) => new TextEncoder().encode(s).length;
const arbText = (maxBytes: number) =>
  fc
    .oneof(
      fc.string({ unit: "binary", maxLength: 24 }),
      fc.string({ unit: "grapheme-ascii", maxLength: maxBytes }),
      fc.constantFrom("", "Ether", "ETH", "\uFEFFbom", "日本円", "🚀💎", "a\u0000b"),
    )
    .filter((s) => utf8Length(s) <= maxBytes);

const arbValidator: fc.Arbitrary<Validator> = rec({ address: arbValidatorAddress, power: arbUint256 });
const arbValidators: fc.Arbitrary<Validator[]> = fc
  .uniqueArray(arbValidator, { maxLength: 8, selector: (v) => v.address })
  .map((vs) => vs.sort((a, b) => (a.address < b.address ? -1 : 1)));

const arbVote: fc.Arbitrary<Vote> = rec({
  type: arbVoteType,
  height: arbSafeInt,
  round: arbSafeInt,
  blockHash: fc.option(arbBlockHash, { nil: null }),
  validator: arbValidatorAddress,
  signature: arbSignature,
});

const arbProposal: fc.Arbitrary<Proposal> = fc
  .tuple(arbSafeInt, fc.oneof(fc.integer({ min: 0, max: 20 }), fc.maxSafeNat()))
  .chain(([height, round]) =>
    rec({
      height: fc.constant(height),
      round: fc.constant(round),
      polRound: fc.oneof(fc.constant(-1), fc.integer({ min: -1, max: round - 1 })),
      blockHash: arbBlockHash,
      proposer: arbValidatorAddress,
      signature: arbSignature,
    }),
  );

const arbCommitSig: fc.Arbitrary<CommitSig> = rec({
  validator: arbValidatorAddress,
  signature: arbSignature,
});
/** 1..max signatures, validators strictly ascending. */
const arbSignatures = (max: number): fc.Arbitrary<CommitSig[]> =>
  fc
    .uniqueArray(arbCommitSig, { minLength: 1, maxLength: max, selector: (s) => s.validator })
    .map((sigs) => sigs.sort((a, b) => (a.validator < b.validator ? -1 : 1)));

const arbCommit: fc.Arbitrary<Commit> = rec({
  height: arbSafeInt,
  round: arbSafeInt,
  blockHash: arbBlockHash,
  signatures: arbSignatures(6),
});

const arbEvidence: fc.Arbitrary<DuplicateVoteEvidence> = fc
  .tuple(
    arbVote,
    fc.uniqueArray(fc.option(arbBlockHash, { nil: null }), { minLength: 2, maxLength: 2 }),
    arbSignature,
  )
  .map(([vote, hashes, signature]) => {
    const [x, y] = hashes.sort((a, b) => ((a ?? ZERO_HASH) < (b ?? ZERO_HASH) ? -1 : 1));
    return {
      voteA: { ...vote, blockHash: x ?? null },
      voteB: { ...vote, blockHash: y ?? null, signature },
    };
  });

const arbDepositClaim: fc.Arbitrary<DepositClaim> = rec({
  nonce: arbUint256,
  l1Token: arbAddress,
  from: arbAddress,
  to: arbAddress,
  amount: arbUint256,
  name: arbText(MAX_TOKEN_NAME_BYTES),
  symbol: arbText(MAX_TOKEN_SYMBOL_BYTES),
  decimals: fc.integer({ min: 0, max: 255 }),
  l1TxHash: arbHash,
});

const arbWithdrawal: fc.Arbitrary<Withdrawal> = rec({
  id: arbUint256,
  l1Token: arbAddress,
  l1Recipient: arbAddress,
  amount: arbUint256,
});

const arbCheckpoint: fc.Arbitrary<Checkpoint> = fc.tuple(arbSafeInt, arbSafeInt).chain(([a, b]) =>
  rec({
    sidechainId: arbUint256,
    number: arbSafeInt,
    startHeight: fc.constant(Math.min(a, b)),
    endHeight: fc.constant(Math.max(a, b)),
    blocksRoot: arbHash,
    withdrawalsRoot: arbHash,
    nextValidatorSetHash: arbHash,
  }),
);

const arbCertifiedCheckpoint: fc.Arbitrary<CertifiedCheckpoint> = rec({
  checkpoint: arbCheckpoint,
  signatures: arbSignatures(5),
});

const arbHeader: fc.Arbitrary<Header> = rec({
  chainId: arbUint256,
  height: arbSafeInt,
  time: arbSafeInt,
  parentHash: arbHash,
  proposer: arbAddress,
  validatorsHash: arbHash,
  nextValidatorsHash: arbHash,
  appHash: arbHash,
  txsHash: arbHash,
  lastCommitHash: arbHash,
  evidenceHash: arbHash,
  depositClaimsHash: arbHash,
  checkpointsHash: arbHash,
});

const arbTx = fc.uint8Array({ minLength: 1, maxLength: 120 });

/** Any block (body hashes arbitrary: the codec does not check them). */
const arbBlock: fc.Arbitrary<Block> = rec({
  header: arbHeader,
  txs: fc.array(arbTx, { maxLength: 5 }),
  lastCommit: fc.option(arbCommit, { nil: null }),
  evidence: fc.array(arbEvidence, { maxLength: 2 }),
  depositClaims: fc.array(arbDepositClaim, { maxLength: 2 }),
  checkpoints: fc.array(arbCertifiedCheckpoint, { maxLength: 2 }),
});

// ---------------------------------------------------------------------------------------------------------------
// Helpers

interface Codec<T> {
  name: string;
  arb: fc.Arbitrary<T>;
  encode: (x: T) => Uint8Array;
  decode: (bytes: Uint8Array) => T;
}

const codec = <T>(
  name: string,
  arb: fc.Arbitrary<T>,
  encode: (x: T) => Uint8Array,
  decode: (b: Uint8Array) => T,
): Codec<T> => ({ name, arb, encode, decode });

const CODECS = [
  codec("validator", arbValidator, encodeValidator, decodeValidator),
  codec("validators", arbValidators, encodeValidators, decodeValidators),
  codec("vote", arbVote, encodeVote, decodeVote),
  codec("proposal", arbProposal, encodeProposal, decodeProposal),
  codec("commitSig", arbCommitSig, encodeCommitSig, decodeCommitSig),
  codec("commit", arbCommit, encodeCommit, decodeCommit),
  codec("evidence", arbEvidence, encodeEvidence, decodeEvidence),
  codec("depositClaim", arbDepositClaim, encodeDepositClaim, decodeDepositClaim),
  codec("withdrawal", arbWithdrawal, encodeWithdrawal, decodeWithdrawal),
  codec("checkpoint", arbCheckpoint, encodeCheckpoint, decodeCheckpoint),
  codec("certifiedCheckpoint", arbCertifiedCheckpoint, encodeCertifiedCheckpoint, decodeCertifiedCheckpoint),
  codec("header", arbHeader, encodeHeader, decodeHeader),
  codec("block", arbBlock, encodeBlock, decodeBlock),
] as Codec<unknown>[];

const RUNS = { numRuns: 200 };

/** The fuzzing contract: bytes either decode to a value that re-encodes to exactly them, or throw RlpError. */
function decodesCanonicallyOrRejects<T>(c: Codec<T>, bytes: Uint8Array): void {
  let value: T;
  try {
    value = c.decode(bytes);
  } catch (err) {
    if (!(err instanceof RlpError)) {
      assert.fail(`${c.name}: decoding threw ${String(err)} instead of RlpError`);
    }
    return;
  }
  assert.deepEqual(c.encode(value), bytes, `${c.name}: accepted bytes that are not the canonical encoding`);
}

function assertRejects(fn: () => unknown, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RlpError, `expected RlpError, got ${String(err)}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

const bytes = (...values: number[]) => Uint8Array.from(values);
const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));

/** A list header plus already-encoded parts: lets a test place exactly the bytes it wants inside a list. */
function rawList(parts: Uint8Array[]): Uint8Array {
  const payload = concatBytes(...parts);
  if (payload.length <= 55) return concatBytes(bytes(0xc0 + payload.length), payload);
  const len: number[] = [];
  for (let v = payload.length; v > 0; v = Math.floor(v / 256)) len.unshift(v % 256);
  return concatBytes(bytes(0xf7 + len.length, ...len), payload);
}

/** Re-encodes a valid message's fields one by one, with the field at `index` replaced by raw bytes. */
function withRawField(encoded: Uint8Array, index: number, raw: Uint8Array): Uint8Array {
  const fields = decodeRlpStrict(encoded) as RlpItem[];
  return rawList(fields.map((f, i) => (i === index ? raw : encodeRlpItem(f))));
}

function withFields(encoded: Uint8Array, edit: (fields: RlpItem[]) => RlpItem[]): Uint8Array {
  return encodeRlpItem(edit([...(decodeRlpStrict(encoded) as RlpItem[])]));
}

const SAMPLE_SIG: SignatureHex = `0x${"ab".repeat(64)}1b`;
const sampleVote = (over: Partial<Vote> = {}): Vote => ({
  type: VoteType.Prevote,
  height: 7,
  round: 1,
  blockHash: `0x${"cd".repeat(32)}`,
  validator: `0x${"11".repeat(20)}`,
  signature: SAMPLE_SIG,
  ...over,
});
const sampleCommit = (over: Partial<Commit> = {}): Commit => ({
  height: 9,
  round: 0,
  blockHash: `0x${"aa".repeat(32)}`,
  signatures: [
    { validator: `0x${"01".repeat(20)}`, signature: SAMPLE_SIG },
    { validator: `0x${"02".repeat(20)}`, signature: SAMPLE_SIG },
  ],
  ...over,
});
const sampleClaim = (over: Partial<DepositClaim> = {}): DepositClaim => ({
  nonce: 1n,
  l1Token: `0x${"00".repeat(20)}`,
  from: `0x${"0a".repeat(20)}`,
  to: `0x${"0b".repeat(20)}`,
  amount: 10n ** 18n,
  name: "Ether",
  symbol: "ETH",
  decimals: 18,
  l1TxHash: `0x${"ee".repeat(32)}`,
  ...over,
});
const sampleCheckpoint = (over: Partial<Checkpoint> = {}): Checkpoint => ({
  sidechainId: 31337n,
  number: 1,
  startHeight: 1,
  endHeight: 8,
  blocksRoot: `0x${"b1".repeat(32)}`,
  withdrawalsRoot: ZERO_HASH,
  nextValidatorSetHash: `0x${"c1".repeat(32)}`,
  ...over,
});
const sampleHeader = (over: Partial<Header> = {}): Header => ({
  chainId: 31337n,
  height: 10,
  time: 1_700_000_000_000,
  parentHash: `0x${"01".repeat(32)}`,
  proposer: `0x${"02".repeat(20)}`,
  validatorsHash: `0x${"03".repeat(32)}`,
  nextValidatorsHash: `0x${"04".repeat(32)}`,
  appHash: `0x${"05".repeat(32)}`,
  txsHash: `0x${"06".repeat(32)}`,
  lastCommitHash: `0x${"07".repeat(32)}`,
  evidenceHash: `0x${"08".repeat(32)}`,
  depositClaimsHash: `0x${"09".repeat(32)}`,
  checkpointsHash: `0x${"0a".repeat(32)}`,
  ...over,
});

/** A block whose header commits to its body. */
function sealedBlock(body: Omit<Block, "header">, over: Partial<Header> = {}): Block {
  return { header: { ...sampleHeader(over), ...computeBodyHashes(body) }, ...body };
}

const sampleBody = (): Omit<Block, "header"> => ({
  txs: [bytes(1, 2, 3), bytes(0x80)],
  lastCommit: sampleCommit(),
  evidence: [{ voteA: sampleVote({ blockHash: null }), voteB: sampleVote() }],
  depositClaims: [sampleClaim({ nonce: 4n }), sampleClaim({ nonce: 5n })],
  checkpoints: [{ checkpoint: sampleCheckpoint(), signatures: sampleCommit().signatures }],
});

// Arbitrary RLP trees, for fuzzing decoders with well-formed RLP of the wrong shape.
const { item: arbRlpItem } = fc.letrec<{ item: RlpItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.uint8Array({ maxLength: 70 }),
    fc.array(tie("item"), { maxLength: 6 }),
  ),
}));

// ---------------------------------------------------------------------------------------------------------------

describe("types: rlp encoder", () => {
  const viaEthers = (item: RlpItem): Uint8Array => hexToBytes(encodeRlp(toEthers(item)));
  type EthersItem = string | EthersItem[];
  const toEthers = (item: RlpItem): EthersItem =>
    item instanceof Uint8Array ? bytesToHex(item) : item.map(toEthers);

  it("is byte-identical to ethers' encodeRlp on arbitrary trees", () => {
    fc.assert(
      fc.property(arbRlpItem, (item) => {
        assert.deepEqual(encodeRlpItem(item), viaEthers(item));
      }),
      { numRuns: 300 },
    );
  });

  it("handles long strings and lists (multi-byte length prefixes)", () => {
    for (const n of [55, 56, 255, 256, 65_536]) {
      const s = new Uint8Array(n).fill(0x42);
      assert.deepEqual(encodeRlpItem(s), viaEthers(s));
      assert.deepEqual(encodeRlpItem([s, [s]]), viaEthers([s, [s]]));
    }
  });
});

describe("types: roundtrips", () => {
  for (const c of CODECS) {
    it(`${c.name}: decode(encode(x)) equals x, and encode(decode(bytes)) equals bytes`, () => {
      fc.assert(
        fc.property(c.arb, (x) => {
          const encoded = c.encode(x);
          const decoded = c.decode(encoded);
          assert.deepStrictEqual(decoded, x);
          assert.deepEqual(c.encode(decoded), encoded);
        }),
        RUNS,
      );
    });
  }
});

describe("types: hostile bytes only ever yield RlpError", () => {
  for (const c of CODECS) {
    it(`${c.name}: random bytes and random RLP trees`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (b) => decodesCanonicallyOrRejects(c, b)),
        RUNS,
      );
      fc.assert(
        fc.property(arbRlpItem, (item) => decodesCanonicallyOrRejects(c, encodeRlpItem(item))),
        RUNS,
      );
    });

    it(`${c.name}: mutated, truncated and extended valid encodings`, () => {
      const mutation = fc.oneof(
        rec({
          kind: fc.constant("set" as const),
          at: fc.nat(),
          value: fc.integer({ min: 0, max: 255 }),
        }),
        rec({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        rec({ kind: fc.constant("truncate" as const), at: fc.nat() }),
        rec({ kind: fc.constant("delete" as const), at: fc.nat() }),
        rec({
          kind: fc.constant("insert" as const),
          at: fc.nat(),
          value: fc.integer({ min: 0, max: 255 }),
        }),
        rec({
          kind: fc.constant("append" as const),
          extra: fc.uint8Array({ minLength: 1, maxLength: 8 }),
        }),
      );
      fc.assert(
        fc.property(c.arb, mutation, (x, m) => {
          const enc = c.encode(x);
          const at = "at" in m ? m.at % enc.length : 0;
          let mutated: Uint8Array;
          switch (m.kind) {
            case "set":
              mutated = enc.slice();
              mutated[at] = m.value;
              break;
            case "flip":
              mutated = enc.slice();
              mutated[at] = (mutated[at] ?? 0) ^ (1 << m.bit);
              break;
            case "truncate":
              mutated = enc.slice(0, at);
              break;
            case "delete":
              mutated = concatBytes(enc.subarray(0, at), enc.subarray(at + 1));
              break;
            case "insert":
              mutated = concatBytes(enc.subarray(0, at), bytes(m.value), enc.subarray(at));
              break;
            case "append":
              mutated = concatBytes(enc, m.extra);
              break;
          }
          decodesCanonicallyOrRejects(c, mutated);
        }),
        RUNS,
      );
    });

    it(`${c.name}: structurally mutated RLP trees of valid encodings`, () => {
      fc.assert(
        fc.property(c.arb, fc.nat(), fc.nat(3), arbRlpItem, (x, pick, op, replacement) => {
          const tree = decodeRlpStrict(c.encode(x));
          const lists: RlpItem[][] = [];
          const walk = (node: RlpItem) => {
            if (Array.isArray(node)) {
              lists.push(node);
              node.forEach(walk);
            }
          };
          walk(tree);
          const target = lists[pick % lists.length] as RlpItem[];
          const i = target.length === 0 ? 0 : pick % target.length;
          if (op === 0) target.splice(i, 1);
          else if (op === 1) target.splice(i, 0, replacement);
          else if (op === 2) target[i] = replacement;
          else target.splice(i, 0, target[i] ?? replacement);
          decodesCanonicallyOrRejects(c, encodeRlpItem(tree));
        }),
        RUNS,
      );
    });
  }
});

describe("types: canonical form is enforced", () => {
  const vote = encodeVote(sampleVote());

  it("rejects trailing bytes", () => {
    assertRejects(() => decodeVote(concatBytes(vote, bytes(0x00))), /trailing/);
    assertRejects(() => decodeVote(concatBytes(vote, bytes(0x80))), /trailing/);
    const block = encodeBlock(sealedBlock(sampleBody()));
    assertRejects(() => decodeBlock(concatBytes(block, bytes(0xc0))), /trailing/);
  });

  it("rejects a missing and an extra field, and a non-list", () => {
    assertRejects(() => decodeVote(withFields(vote, (f) => f.slice(0, -1))), /expected 6 fields, got 5/);
    assertRejects(() => decodeVote(withFields(vote, (f) => [...f, bytes()])), /expected 6 fields, got 7/);
    assertRejects(() => decodeVote(encodeRlpItem(bytes(1, 2, 3))), /expected a list/);
    const header = encodeHeader(sampleHeader());
    assertRejects(() => decodeHeader(withFields(header, (f) => f.slice(1))), /expected 13 fields/);
    const commit = encodeCommit(sampleCommit());
    assertRejects(() => decodeCommit(withFields(commit, (f) => [...f, []])), /expected 4 fields/);
  });

  it("rejects non-canonical integers", () => {
    // height (field 1) is 7: encoded canonically as the single byte 0x07.
    assert.deepEqual(encodeRlpItem(bytes(7)), bytes(0x07));
    assertRejects(() => decodeVote(withRawField(vote, 1, bytes(0x82, 0x00, 0x07))), /leading zeros/);
    assertRejects(() => decodeVote(withRawField(vote, 1, bytes(0x81, 0x07))), /single byte below 0x80/);
    assertRejects(() => decodeVote(withRawField(vote, 1, bytes(0xb8, 0x01, 0x07))), /long form/);
    // Zero is the empty string, never the byte 0x00.
    assertRejects(() => decodeVote(withRawField(vote, 2, bytes(0x00))), /leading zeros/);
    assert.equal(decodeVote(withRawField(vote, 2, bytes(0x80))).round, 0);
    // uint256 fields: leading zeros and over-long values.
    const claim = encodeDepositClaim(sampleClaim());
    assertRejects(() => decodeDepositClaim(withRawField(claim, 0, bytes(0x82, 0x00, 0x01))), /leading zeros/);
    assertRejects(
      () => decodeDepositClaim(withFields(claim, (f) => [new Uint8Array(33).fill(1), ...f.slice(1)])),
      /longer than 32 bytes/,
    );
    // A long-form length for a short hash.
    const hashAt = 3;
    const raw = hex("cd".repeat(32));
    assertRejects(
      () => decodeVote(withRawField(vote, hashAt, concatBytes(bytes(0xb8, 0x20), raw))),
      /long form/,
    );
    // A non-canonical list header around the whole message.
    assert.equal(vote[0], 0xf8);
    const payload = vote.subarray(2);
    assert.equal(vote[1], payload.length);
    assertRejects(() => decodeVote(concatBytes(bytes(0xf9, 0x00, payload.length), payload)), /leading zeros/);
    const validator = encodeValidator({ address: `0x${"01".repeat(20)}`, power: 5n });
    assert.equal(validator[0], 0xc0 + 22);
    assertRejects(() => decodeValidator(concatBytes(bytes(0xf8, 22), validator.subarray(1))), /long form/);
  });

  it("bounds heights, rounds and times to safe integers and decimals to uint8", () => {
    const tooBig = (2n ** 53n).toString(16);
    assertRejects(
      () => decodeVote(withFields(vote, (f) => [f[0] as RlpItem, hex(tooBig), ...f.slice(2)])),
      /large/,
    );
    assertRejects(
      () => decodeVote(withFields(vote, (f) => [f[0] as RlpItem, new Uint8Array(8).fill(1), ...f.slice(2)])),
      /longer than 7 bytes/,
    );
    assertRejects(() => encodeVote(sampleVote({ height: 2 ** 53 })), /safe integer/);
    assertRejects(() => encodeVote(sampleVote({ round: -1 })), /safe integer/);
    assertRejects(() => encodeVote(sampleVote({ round: 1.5 })), /safe integer/);
    assertRejects(() => encodeVote(sampleVote({ round: Number.NaN })), /safe integer/);
    const claim = encodeDepositClaim(sampleClaim());
    assertRejects(
      () => decodeDepositClaim(withRawField(claim, 7, encodeRlpItem(hex("0100")))),
      /longer than 1 bytes/,
    );
    assertRejects(() => encodeDepositClaim(sampleClaim({ decimals: 256 })));
    assertRejects(() => encodeDepositClaim(sampleClaim({ decimals: 1.5 })));
    assertRejects(() => encodeDepositClaim(sampleClaim({ amount: 2n ** 256n })));
    assertRejects(() => encodeDepositClaim(sampleClaim({ nonce: -1n })));
    assert.equal(decodeDepositClaim(encodeDepositClaim(sampleClaim({ decimals: 255 }))).decimals, 255);
  });

  it("rejects wrong hash, address and signature lengths, and v outside {27, 28}", () => {
    const set = (index: number, value: Uint8Array) =>
      withFields(vote, (f) => f.map((x, i) => (i === index ? value : x)));
    for (const n of [0, 19, 21, 32])
      assertRejects(() => decodeVote(set(4, new Uint8Array(n).fill(1))), /20 bytes/);
    for (const n of [31, 33]) assertRejects(() => decodeVote(set(3, new Uint8Array(n).fill(1))), /32 bytes/);
    for (const n of [0, 64, 66])
      assertRejects(() => decodeVote(set(5, new Uint8Array(n).fill(27))), /65 bytes/);
    for (const v of [0, 1, 29]) {
      const sig = new Uint8Array(65).fill(1);
      sig[64] = v;
      assertRejects(() => decodeVote(set(5, sig)), /v must be 27 or 28/);
    }
    const header = encodeHeader(sampleHeader());
    assertRejects(
      () =>
        decodeHeader(
          withFields(header, (f) => [
            f[0] as RlpItem,
            f[1] as RlpItem,
            f[2] as RlpItem,
            new Uint8Array(31),
            ...f.slice(4),
          ]),
        ),
      /parentHash: expected 32 bytes/,
    );
    // Encoders demand exact-length lowercase hex.
    assertRejects(() => encodeVote(sampleVote({ validator: `0x${"AB".repeat(20)}` })), /lowercase/);
    assertRejects(() => encodeVote(sampleVote({ validator: `0x${"ab".repeat(19)}` })), /20 bytes/);
    assertRejects(() => encodeVote(sampleVote({ blockHash: `0x${"cd".repeat(31)}` })), /32 bytes/);
    assertRejects(() => encodeVote(sampleVote({ signature: `0x${"ab".repeat(64)}1d` })), /v must be/);
  });

  it("nil is the empty byte string; 32 zero bytes are never a block hash", () => {
    const nil = encodeVote(sampleVote({ blockHash: null }));
    assert.deepEqual((decodeRlpStrict(nil) as RlpItem[])[3], bytes());
    assert.equal(decodeVote(nil).blockHash, null);
    assertRejects(() => decodeVote(withRawField(vote, 3, encodeRlpItem(new Uint8Array(32)))), /all zeros/);
    assertRejects(() => encodeVote(sampleVote({ blockHash: ZERO_HASH })), /all zeros/);
    assertRejects(() => encodeCommit(sampleCommit({ blockHash: ZERO_HASH })), /all zeros/);
    assertRejects(() => encodeProposal({ ...sampleProposal(), blockHash: ZERO_HASH }), /all zeros/);
  });

  it("rejects vote types other than prevote and precommit", () => {
    for (const t of [0, 3, 255]) {
      assertRejects(
        () => decodeVote(withRawField(vote, 0, encodeRlpItem(t === 0 ? bytes() : bytes(t)))),
        /vote type/,
      );
      assertRejects(() => encodeVote(sampleVote({ type: t as VoteType })), /vote type/);
    }
  });

  it("encodes polRound + 1 and keeps it below the round", () => {
    const p = sampleProposal();
    assert.deepEqual((decodeRlpStrict(encodeProposal({ ...p, polRound: -1 })) as RlpItem[])[2], bytes());
    assert.deepEqual((decodeRlpStrict(encodeProposal({ ...p, polRound: 2 })) as RlpItem[])[2], bytes(3));
    assert.equal(decodeProposal(encodeProposal({ ...p, polRound: -1 })).polRound, -1);
    assertRejects(() => encodeProposal({ ...p, polRound: -2 }), /polRound/);
    assertRejects(() => encodeProposal({ ...p, polRound: p.round }), /polRound/);
    assertRejects(
      () => decodeProposal(withRawField(encodeProposal(p), 2, encodeRlpItem(bytes(p.round + 1)))),
      /polRound/,
    );
  });

  it("rejects unsorted, duplicate, empty and oversize signature lists", () => {
    const [s1, s2] = sampleCommit().signatures as [CommitSig, CommitSig];
    for (const signatures of [[s2, s1], [s1, s1], []]) {
      assertRejects(() => encodeCommit(sampleCommit({ signatures })), /ascending|at least one/);
      const raw = withFields(encodeCommit(sampleCommit()), (f) => [
        ...f.slice(0, 3),
        signatures.map((s) => decodeRlpStrict(encodeCommitSig(s)) as RlpItem),
      ]);
      assertRejects(() => decodeCommit(raw), /ascending|at least one/);
      const cp = encodeCertifiedCheckpoint({ checkpoint: sampleCheckpoint(), signatures: [s1, s2] });
      const rawCp = withFields(cp, (f) => [
        f[0] as RlpItem,
        signatures.map((s) => decodeRlpStrict(encodeCommitSig(s))),
      ]);
      assertRejects(() => decodeCertifiedCheckpoint(rawCp), /ascending|at least one/);
    }
    const many = Array.from({ length: MAX_VALIDATORS + 1 }, (_, i) => ({
      validator: bytesToHex(hex(i.toString(16).padStart(40, "0"))),
      signature: SAMPLE_SIG,
    }));
    assertRejects(() => encodeCommit(sampleCommit({ signatures: many })), /more than 1024/);
    const rawMany = encodeRlpItem([
      bytes(9),
      bytes(),
      hex("aa".repeat(32)),
      many.map((s) => decodeRlpStrict(encodeCommitSig(s))),
    ]);
    assertRejects(() => decodeCommit(rawMany), /more than/);
    // Exactly MAX_VALIDATORS is fine.
    const max = sampleCommit({ signatures: many.slice(0, MAX_VALIDATORS) });
    assert.deepStrictEqual(decodeCommit(encodeCommit(max)), max);
  });

  it("validator lists are strictly ascending", () => {
    const a: Validator = { address: `0x${"01".repeat(20)}`, power: 5n };
    const b: Validator = { address: `0x${"02".repeat(20)}`, power: 0n };
    assert.deepStrictEqual(decodeValidators(encodeValidators([a, b])), [a, b]);
    assertRejects(() => encodeValidators([b, a]), /ascending/);
    assertRejects(
      () =>
        decodeValidators(
          encodeRlpItem([
            [hex("02".repeat(20)), bytes(1)],
            [hex("01".repeat(20)), bytes(1)],
          ]),
        ),
      /ascending/,
    );
  });

  it("caps block lists, transaction sizes and the whole block", () => {
    const body = sampleBody();
    const tooMany = <T>(x: T, n: number) => Array.from({ length: n + 1 }, () => x);
    assertRejects(
      () => encodeBlock(sealedBlock({ ...body, txs: tooMany(bytes(1), MAX_TXS_PER_BLOCK) })),
      /more than/,
    );
    assertRejects(
      () =>
        encodeBlock(
          sealedBlock({
            ...body,
            evidence: tooMany(body.evidence[0], MAX_EVIDENCE_PER_BLOCK) as DuplicateVoteEvidence[],
          }),
        ),
      /more than/,
    );
    assertRejects(
      () =>
        encodeBlock(
          sealedBlock({ ...body, depositClaims: tooMany(sampleClaim(), MAX_DEPOSIT_CLAIMS_PER_BLOCK) }),
        ),
      /more than/,
    );
    assertRejects(
      () =>
        encodeBlock(
          sealedBlock({
            ...body,
            checkpoints: tooMany(body.checkpoints[0], MAX_CHECKPOINTS_PER_BLOCK) as CertifiedCheckpoint[],
          }),
        ),
      /more than/,
    );
    assertRejects(() => hashTxs([new Uint8Array(MAX_TX_BYTES + 1)]), /transaction over/);
    assertRejects(() => hashTxs([bytes()]), /empty transaction/);
    // Decoders apply the same caps to bytes a peer made up.
    const encoded = encodeBlock(sealedBlock(body));
    const replace = (i: number, item: RlpItem) =>
      withFields(encoded, (f) => f.map((x, j) => (j === i ? item : x)));
    assertRejects(() => decodeBlock(replace(1, tooMany(bytes(1), MAX_TXS_PER_BLOCK))), /txs: more than/);
    assertRejects(() => decodeBlock(replace(1, [new Uint8Array(MAX_TX_BYTES + 1)])), /transaction over/);
    assertRejects(() => decodeBlock(replace(1, [bytes()])), /empty transaction/);
    const ev = decodeRlpStrict(encodeEvidence(body.evidence[0] as DuplicateVoteEvidence));
    assertRejects(() => decodeBlock(replace(3, tooMany(ev, MAX_EVIDENCE_PER_BLOCK))), /evidence: more than/);
    // A huge number of tiny items is refused before any of them is materialised.
    const flood = encodeRlpItem([[], Array.from({ length: 300_000 }, () => bytes(1))]);
    assertRejects(() => decodeBlock(flood), /RLP items/);
    // And so is anything over the byte cap.
    const huge = encodeRlpItem([new Uint8Array(MAX_BLOCK_BYTES)]);
    assertRejects(() => decodeBlock(huge), new RegExp(`over ${MAX_BLOCK_BYTES}`));
    assertRejects(() => decodeVote(new Uint8Array(1000)), /over/);
  });

  it("strings are valid UTF-8 within their byte caps", () => {
    const claim = encodeDepositClaim(sampleClaim());
    for (const bad of ["ff", "c080", "eda080", "f4908080", "e282"]) {
      assertRejects(
        () => decodeDepositClaim(withRawField(claim, 5, encodeRlpItem(hex(bad)))),
        /invalid UTF-8/,
      );
      assertRejects(
        () => decodeDepositClaim(withRawField(claim, 6, encodeRlpItem(hex(bad)))),
        /invalid UTF-8/,
      );
    }
    const longName = "x".repeat(MAX_TOKEN_NAME_BYTES + 1);
    assertRejects(() => encodeDepositClaim(sampleClaim({ name: longName })), /longer than/);
    assertRejects(
      () => decodeDepositClaim(withRawField(claim, 5, encodeRlpItem(new TextEncoder().encode(longName)))),
      /longer than/,
    );
    assertRejects(() => encodeDepositClaim(sampleClaim({ symbol: "\u00e9".repeat(17) })), /longer than 32/);
    assertRejects(() => encodeDepositClaim(sampleClaim({ name: "bad\ud800" })), /well-formed/);
    // A byte-order mark is content, kept both ways.
    const bom = sampleClaim({ name: "\uFEFFX", symbol: "🚀".repeat(8) });
    assert.deepStrictEqual(decodeDepositClaim(encodeDepositClaim(bom)), bom);
  });

  it("checkpoints cover a non-empty range", () => {
    assertRejects(() => encodeCheckpoint(sampleCheckpoint({ startHeight: 9, endHeight: 8 })), /startHeight/);
    const raw = withFields(encodeCheckpoint(sampleCheckpoint()), (f) => [
      ...f.slice(0, 2),
      bytes(9),
      bytes(8),
      ...f.slice(4),
    ]);
    assertRejects(() => decodeCheckpoint(raw), /startHeight/);
    const one = sampleCheckpoint({ startHeight: 5, endHeight: 5 });
    assert.deepStrictEqual(decodeCheckpoint(encodeCheckpoint(one)), one);
  });
});

function sampleProposal(): Proposal {
  return {
    height: 7,
    round: 3,
    polRound: 1,
    blockHash: `0x${"cd".repeat(32)}`,
    proposer: `0x${"11".repeat(20)}`,
    signature: SAMPLE_SIG,
  };
}

describe("types: evidence", () => {
  const a = sampleVote({ blockHash: `0x${"01".repeat(32)}` });
  const b = sampleVote({ blockHash: `0x${"02".repeat(32)}`, signature: `0x${"cd".repeat(64)}1c` });
  const rawEvidence = (x: Vote, y: Vote) =>
    encodeRlpItem([decodeRlpStrict(encodeVote(x)), decodeRlpStrict(encodeVote(y))]);

  it("accepts one equivocation in its one order", () => {
    assert.deepStrictEqual(decodeEvidence(encodeEvidence({ voteA: a, voteB: b })), { voteA: a, voteB: b });
    const nilFirst = { voteA: sampleVote({ blockHash: null }), voteB: a };
    assert.deepStrictEqual(decodeEvidence(encodeEvidence(nilFirst)), nilFirst);
  });

  it("rejects swapped, equal, and mismatched votes", () => {
    const cases: [Vote, Vote, RegExp][] = [
      [b, a, /sort strictly before/],
      [a, a, /sort strictly before/],
      [a, { ...sampleVote({ blockHash: null }) }, /sort strictly before/],
      [a, { ...b, validator: `0x${"22".repeat(20)}` }, /different validators/],
      [a, { ...b, height: 8 }, /height, round or type/],
      [a, { ...b, round: 2 }, /height, round or type/],
      [a, { ...b, type: VoteType.Precommit }, /height, round or type/],
    ];
    for (const [x, y, pattern] of cases) {
      assertRejects(() => encodeEvidence({ voteA: x, voteB: y }), pattern);
      assertRejects(() => decodeEvidence(rawEvidence(x, y)), pattern);
    }
  });
});

describe("types: hashes", () => {
  it("hashHeader is keccak256 of the header's RLP, lowercase, and changes with every field", () => {
    const h = sampleHeader();
    const base = hashHeader(h);
    assert.equal(base, keccak256Hex(encodeHeader(h)));
    assert.match(base, /^0x[0-9a-f]{64}$/);
    const changed: Record<keyof Header, Header> = {
      chainId: { ...h, chainId: h.chainId + 1n },
      height: { ...h, height: h.height + 1 },
      time: { ...h, time: h.time + 1 },
      parentHash: { ...h, parentHash: `0x${"f1".repeat(32)}` },
      proposer: { ...h, proposer: `0x${"f2".repeat(20)}` },
      validatorsHash: { ...h, validatorsHash: `0x${"f3".repeat(32)}` },
      nextValidatorsHash: { ...h, nextValidatorsHash: `0x${"f4".repeat(32)}` },
      appHash: { ...h, appHash: `0x${"f5".repeat(32)}` },
      txsHash: { ...h, txsHash: `0x${"f6".repeat(32)}` },
      lastCommitHash: { ...h, lastCommitHash: `0x${"f7".repeat(32)}` },
      evidenceHash: { ...h, evidenceHash: `0x${"f8".repeat(32)}` },
      depositClaimsHash: { ...h, depositClaimsHash: `0x${"f9".repeat(32)}` },
      checkpointsHash: { ...h, checkpointsHash: `0x${"fa".repeat(32)}` },
    };
    const seen = new Set([base]);
    for (const [key, header] of Object.entries(changed)) {
      const hash = hashHeader(header);
      assert.ok(!seen.has(hash), `changing ${key} did not change the hash`);
      seen.add(hash);
    }
    fc.assert(
      fc.property(arbHeader, arbHeader, (x, y) => {
        assert.equal(hashHeader(x) === hashHeader(y), encodeHeader(x).join() === encodeHeader(y).join());
      }),
      RUNS,
    );
  });

  it("pins the wire format with fixed vectors", () => {
    assert.equal(
      bytesToHex(encodeVote(sampleVote({ blockHash: null, height: 0, round: 128 }))),
      `0xf85d0180818080941111111111111111111111111111111111111111b841${"ab".repeat(64)}1b`,
    );
    assert.equal(hashHeader(sampleHeader()), keccak256Hex(encodeRlpItem(headerItems())));
  });

  it("empty and absent body parts have explicit, non-zero hashes", () => {
    assert.equal(EMPTY_LIST_HASH, keccak256Hex(bytes(0xc0)));
    assert.equal(NO_COMMIT_HASH, keccak256Hex(bytes(0x80)));
    assert.equal(hashTxs([]), EMPTY_LIST_HASH);
    assert.equal(hashEvidence([]), EMPTY_LIST_HASH);
    assert.equal(hashDepositClaims([]), EMPTY_LIST_HASH);
    assert.equal(hashCertifiedCheckpoints([]), EMPTY_LIST_HASH);
    assert.equal(hashCommit(null), NO_COMMIT_HASH);
    assert.equal(hashCommit(sampleCommit()), keccak256Hex(encodeCommit(sampleCommit())));
  });

  it("each body hash is keccak256 of that field's RLP inside the block", () => {
    fc.assert(
      fc.property(arbBlock, (block) => {
        const fields = decodeRlpStrict(encodeBlock(block)) as RlpItem[];
        const hashes = computeBodyHashes(block);
        const expect = (i: number) => keccak256Hex(encodeRlpItem(fields[i] as RlpItem));
        assert.equal(hashes.txsHash, expect(1));
        assert.equal(hashes.lastCommitHash, expect(2));
        assert.equal(hashes.evidenceHash, expect(3));
        assert.equal(hashes.depositClaimsHash, expect(4));
        assert.equal(hashes.checkpointsHash, expect(5));
      }),
      { numRuns: 100 },
    );
  });
});

function headerItems(): RlpItem {
  const h = sampleHeader();
  const hx = (x: string) => hex(x.slice(2));
  return [
    hex("7a69"),
    bytes(10),
    hex((1_700_000_000_000).toString(16).padStart(12, "0")),
    hx(h.parentHash),
    hx(h.proposer),
    hx(h.validatorsHash),
    hx(h.nextValidatorsHash),
    hx(h.appHash),
    hx(h.txsHash),
    hx(h.lastCommitHash),
    hx(h.evidenceHash),
    hx(h.depositClaimsHash),
    hx(h.checkpointsHash),
  ];
}

describe("types: blocks", () => {
  it("validateBlockBody accepts a sealed block and names any body hash that does not match", () => {
    const block = sealedBlock(sampleBody());
    validateBlockBody(block);
    validateBlockBody(decodeBlock(encodeBlock(block)));
    validateBlockBody(
      sealedBlock({ txs: [], lastCommit: null, evidence: [], depositClaims: [], checkpoints: [] }),
    );
    const tampered: [string, Block][] = [
      ["txsHash", { ...block, txs: [...block.txs, bytes(9)] }],
      ["lastCommitHash", { ...block, lastCommit: null }],
      ["evidenceHash", { ...block, evidence: [] }],
      ["depositClaimsHash", { ...block, depositClaims: block.depositClaims.slice(1) }],
      ["checkpointsHash", { ...block, checkpoints: [] }],
    ];
    for (const [field, b] of tampered)
      assertRejects(() => validateBlockBody(b), new RegExp(`header.${field}`));
  });

  it("validateBlockBody checks what the block alone can tell", () => {
    const body = sampleBody();
    const cases: [Omit<Block, "header">, RegExp][] = [
      [{ ...body, lastCommit: sampleCommit({ height: 8 }) }, /lastCommit is for height 8/],
      [
        {
          ...body,
          evidence: [
            { voteA: sampleVote({ blockHash: null, height: 10 }), voteB: sampleVote({ height: 10 }) },
          ],
        },
        /earlier height/,
      ],
      [{ ...body, evidence: [body.evidence[0], body.evidence[0]] as DuplicateVoteEvidence[] }, /duplicate/],
      [{ ...body, depositClaims: [sampleClaim({ nonce: 4n }), sampleClaim({ nonce: 6n })] }, /nonce/],
      [{ ...body, depositClaims: [sampleClaim({ nonce: 4n }), sampleClaim({ nonce: 4n })] }, /nonce/],
      [
        {
          ...body,
          checkpoints: [
            { checkpoint: sampleCheckpoint({ number: 2 }), signatures: sampleCommit().signatures },
            { checkpoint: sampleCheckpoint({ number: 1 }), signatures: sampleCommit().signatures },
          ],
        },
        /number/,
      ],
      [
        {
          ...body,
          checkpoints: [
            { checkpoint: sampleCheckpoint({ endHeight: 10 }), signatures: sampleCommit().signatures },
          ],
        },
        /not yet committed/,
      ],
    ];
    for (const [b, pattern] of cases) assertRejects(() => validateBlockBody(sealedBlock(b)), pattern);
  });

  it("decoded transactions are copies, not views of the received buffer", () => {
    const block = sealedBlock(sampleBody());
    const encoded = encodeBlock(block);
    const decoded = decodeBlock(Buffer.from(encoded));
    assert.ok(Object.getPrototypeOf(decoded.txs[0]) === Uint8Array.prototype);
    encoded.fill(0);
    assert.deepStrictEqual(decoded.txs, block.txs);
  });

  it("a block at every list cap encodes, decodes and hashes within the limits", () => {
    const sigs = Array.from({ length: MAX_VALIDATORS }, (_, i) => ({
      validator: bytesToHex(hex(i.toString(16).padStart(40, "0"))),
      signature: SAMPLE_SIG,
    }));
    const maxClaim = (nonce: bigint) =>
      sampleClaim({ nonce, amount: 2n ** 256n - 1n, name: `${"名".repeat(21)}x`, symbol: "🚀".repeat(8) });
    const body: Omit<Block, "header"> = {
      txs: Array.from({ length: MAX_TXS_PER_BLOCK }, (_, i) => new Uint8Array(100).fill(i % 256)),
      lastCommit: sampleCommit({ height: Number.MAX_SAFE_INTEGER - 1, signatures: sigs }),
      evidence: Array.from({ length: MAX_EVIDENCE_PER_BLOCK }, (_, i) => ({
        voteA: sampleVote({ blockHash: null, height: i }),
        voteB: sampleVote({ height: i }),
      })),
      depositClaims: Array.from({ length: MAX_DEPOSIT_CLAIMS_PER_BLOCK }, (_, i) => maxClaim(BigInt(i))),
      checkpoints: Array.from({ length: MAX_CHECKPOINTS_PER_BLOCK }, (_, i) => ({
        checkpoint: sampleCheckpoint({ number: i + 1 }),
        signatures: sigs,
      })),
    };
    const block = sealedBlock(body, { height: Number.MAX_SAFE_INTEGER, time: Number.MAX_SAFE_INTEGER });
    const encoded = encodeBlock(block);
    assert.ok(encoded.length < MAX_BLOCK_BYTES);
    const decoded = decodeBlock(encoded);
    assert.deepStrictEqual(decoded, block);
    validateBlockBody(decoded);
  });

  it("a block near the byte cap (4 MB of transactions) encodes and decodes; one over it does not", () => {
    // The codec does not look at body hashes, so these blocks skip hashing 4 MB.
    const txs = Array.from({ length: 1000 }, (_, i) => new Uint8Array(4000).fill(i % 256));
    const block: Block = {
      header: sampleHeader(),
      txs,
      lastCommit: null,
      evidence: [],
      depositClaims: [],
      checkpoints: [],
    };
    const encoded = encodeBlock(block);
    assert.ok(encoded.length > 4_000_000 && encoded.length <= MAX_BLOCK_BYTES);
    assert.deepStrictEqual(decodeBlock(encoded), block);
    const over = { ...block, txs: [...txs, ...txs.slice(0, 100)] };
    assertRejects(() => encodeBlock(over), new RegExp(`over ${MAX_BLOCK_BYTES}`));
  });
});
