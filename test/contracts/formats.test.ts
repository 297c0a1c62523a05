import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { AbiCoder, id as keccakText, TypedDataEncoder, Wallet } from "ethers";
import {
  type Address,
  bytesToHex,
  CryptoError,
  type Hex,
  hashValidatorSet,
  hexToBytes,
  keccak256Hex,
  packValidatorSetHex,
  privateKeyToAddress,
} from "../../node/crypto/index.ts";
import {
  blocksRoot,
  CHECKPOINT_TYPES,
  type CheckpointDomainParams,
  checkpointDigest,
  checkpointDomain,
  checkpointHash,
  checkpointMessage,
  depositHash,
  EMPTY_WITHDRAWALS_ROOT,
  ETH_TOKEN,
  packCheckpointSignatures,
  recoverCheckpointSigner,
  signCheckpoint,
  verifyWithdrawalProof,
  WithdrawalTree,
  withdrawalLeaf,
} from "../../node/types/index.ts";
import type { Checkpoint, Withdrawal } from "../../node/types/shapes.ts";
import { deployFixture, type Fixture, postCheckpoint, SIDECHAIN_ID, view } from "./support/fixture.ts";
import { makeValidators, testKey } from "./support/keys.ts";

const hash = (label: string): Hex => keccak256Hex(new TextEncoder().encode(label));
const UINT64_MAX = 2 ** 64 - 1;

const checkpoints: Checkpoint[] = [
  {
    sidechainId: SIDECHAIN_ID,
    number: 1,
    startHeight: 1,
    endHeight: 100,
    blocksRoot: hash("b"),
    withdrawalsRoot: EMPTY_WITHDRAWALS_ROOT,
    nextValidatorSetHash: hash("v"),
  },
  {
    sidechainId: 2n ** 256n - 1n,
    number: Number.MAX_SAFE_INTEGER,
    startHeight: Number.MAX_SAFE_INTEGER - 5,
    endHeight: Number.MAX_SAFE_INTEGER,
    blocksRoot: hash("b2"),
    withdrawalsRoot: hash("w2"),
    nextValidatorSetHash: hash("v2"),
  },
];

const withdrawals: Withdrawal[] = Array.from({ length: 5 }, (_, i) => ({
  id: BigInt(i * 7),
  l1Token: i % 2 === 0 ? ETH_TOKEN : (`0x${"ab".repeat(20)}` as Address),
  l1Recipient: `0x${(i + 1).toString(16).padStart(40, "0")}` as Address,
  amount: 10n ** 18n * BigInt(i + 1),
}));

describe("checkpoint signing matches CheckpointManager", () => {
  let f: Fixture;
  let domain: CheckpointDomainParams;

  before(async () => {
    f = await deployFixture(makeValidators(4));
    domain = f.domain;
  });

  it("uses the type hash and domain separator the contract uses", async () => {
    const encoder = TypedDataEncoder.from({ Checkpoint: [...CHECKPOINT_TYPES.Checkpoint] });
    assert.equal(
      await view<string>(f.manager, "CHECKPOINT_TYPEHASH"),
      keccakText(encoder.encodeType("Checkpoint")),
    );
    assert.equal(
      await view<string>(f.manager, "domainSeparator"),
      TypedDataEncoder.hashDomain(checkpointDomain(domain)),
    );
    const [, name, version, chainId, verifyingContract] = await view<unknown[]>(f.manager, "eip712Domain");
    assert.deepEqual(
      [name, version, chainId, String(verifyingContract).toLowerCase()],
      ["Outrigger", "1", BigInt(domain.l1ChainId), domain.checkpointManager],
    );
  });

  it("computes the same digest and struct hash for ordinary and extreme checkpoints", async () => {
    for (const cp of checkpoints) {
      const digest = await view<string>(f.manager, "checkpointDigest", checkpointMessage(cp));
      assert.equal(digest, bytesToHex(checkpointDigest(cp, domain)));
      assert.equal(
        await view<string>(f.manager, "hashCheckpoint", checkpointMessage(cp)),
        checkpointHash(cp),
      );
    }
  });

  it("signs exactly what an ethers wallet signs as typed data, and recovers the signer", async () => {
    const key = testKey("formats", 0);
    const cp = checkpoints[0] as Checkpoint;
    const ours = signCheckpoint(cp, domain, key);
    const theirs = await new Wallet(key).signTypedData(
      checkpointDomain(domain),
      { Checkpoint: [...CHECKPOINT_TYPES.Checkpoint] },
      checkpointMessage(cp),
    );
    assert.equal(ours, theirs.toLowerCase());
    assert.equal(recoverCheckpointSigner(cp, domain, ours), privateKeyToAddress(key));
    assert.notEqual(recoverCheckpointSigner({ ...cp, number: 2 }, domain, ours), privateKeyToAddress(key));
    const otherChain = { ...domain, l1ChainId: BigInt(domain.l1ChainId) + 1n };
    assert.notEqual(recoverCheckpointSigner(cp, otherChain, ours), privateKeyToAddress(key));
  });

  it("refuses fields outside their Solidity types with a typed error", () => {
    const cp = checkpoints[0] as Checkpoint;
    for (const bad of [
      { ...cp, endHeight: UINT64_MAX + 1 },
      { ...cp, startHeight: -1 },
      { ...cp, number: 1.5 },
      { ...cp, blocksRoot: "0x1234" as Hex },
      { ...cp, sidechainId: 2n ** 256n },
    ]) {
      assert.throws(() => checkpointDigest(bad, domain), CryptoError);
      assert.throws(() => checkpointHash(bad), CryptoError);
    }
  });
});

describe("validator set packing", () => {
  it("packs 28 bytes per validator, address then big-endian uint64 power, and hashes exactly those bytes", async () => {
    const set = [
      { address: `0x${"01".repeat(20)}` as Address, power: 1n },
      { address: `0x${"fe".repeat(20)}` as Address, power: 2n ** 64n - 1n },
    ];
    const packed = packValidatorSetHex(set);
    assert.equal(packed, `0x${"01".repeat(20)}0000000000000001${"fe".repeat(20)}ffffffffffffffff`);
    assert.equal(hashValidatorSet(set), keccak256Hex(hexToBytes(packed)));
    assert.throws(
      () => packValidatorSetHex([{ address: set[0]?.address as Address, power: 2n ** 64n }]),
      CryptoError,
    );
    assert.throws(
      () => packValidatorSetHex([{ address: set[0]?.address as Address, power: -1n }]),
      CryptoError,
    );
  });

  it("is what L1 hashes: a submission carrying the packed set is accepted against hashValidatorSet", async () => {
    const f = await deployFixture(makeValidators(3, (i) => BigInt(i + 1) * 1_000_000n));
    assert.equal(await postCheckpoint(f, EMPTY_WITHDRAWALS_ROOT), 1);
    assert.equal(await view<bigint>(f.manager, "lastCheckpointNumber"), 1n);
  });
});

describe("packCheckpointSignatures", () => {
  const set = makeValidators(5).map((v) => v.address);
  const sig = (n: number): Hex => `0x${n.toString(16).padStart(2, "0").repeat(64)}1b`;

  it("orders by validator index and packs uint16 indices and 65-byte signatures", () => {
    const packed = packCheckpointSignatures(set, [
      { validator: set[3] as Address, signature: sig(3) },
      { validator: set[0] as Address, signature: sig(0) },
    ]);
    assert.equal(packed.signerIndices, "0x00000003");
    assert.equal(packed.signatures, `0x${sig(0).slice(2)}${sig(3).slice(2)}`);
  });

  it("refuses signers outside the set, a validator twice and malformed signatures", () => {
    const outsider = privateKeyToAddress(testKey("outsider", 1));
    assert.throws(
      () => packCheckpointSignatures(set, [{ validator: outsider, signature: sig(1) }]),
      CryptoError,
    );
    assert.throws(
      () =>
        packCheckpointSignatures(set, [
          { validator: set[1] as Address, signature: sig(1) },
          { validator: set[1] as Address, signature: sig(2) },
        ]),
      CryptoError,
    );
    assert.throws(
      () => packCheckpointSignatures(set, [{ validator: set[1] as Address, signature: "0x1234" }]),
      CryptoError,
    );
  });
});

describe("withdrawal tree", () => {
  it("hashes leaves as OpenZeppelin's standard tree does", () => {
    const encoded = AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "address", "uint256"],
      [7n, ETH_TOKEN, `0x${"01".repeat(20)}`, 5n],
    );
    const expected = keccak256Hex(hexToBytes(keccak256Hex(hexToBytes(encoded))));
    assert.equal(
      withdrawalLeaf({ id: 7n, l1Token: ETH_TOKEN, l1Recipient: `0x${"01".repeat(20)}`, amount: 5n }),
      expected,
    );
  });

  it("has a root independent of input order and a proof for every withdrawal", () => {
    const tree = new WithdrawalTree(withdrawals);
    assert.equal(new WithdrawalTree([...withdrawals].reverse()).root, tree.root);
    assert.equal(tree.size, withdrawals.length);
    for (const w of withdrawals) {
      assert.ok(verifyWithdrawalProof(tree.root, w, tree.proof(w.id)));
      assert.ok(!verifyWithdrawalProof(tree.root, { ...w, amount: w.amount + 1n }, tree.proof(w.id)));
    }
  });

  it("gives an empty set the zero root, which proves nothing", () => {
    const empty = new WithdrawalTree([]);
    assert.equal(empty.root, EMPTY_WITHDRAWALS_ROOT);
    assert.throws(() => empty.proof(0n), CryptoError);
    const w = withdrawals[0] as Withdrawal;
    assert.equal(verifyWithdrawalProof(EMPTY_WITHDRAWALS_ROOT, w, []), false);
  });

  it("refuses duplicate ids and unknown ids", () => {
    assert.throws(
      () => new WithdrawalTree([withdrawals[0] as Withdrawal, withdrawals[0] as Withdrawal]),
      CryptoError,
    );
    assert.throws(() => new WithdrawalTree(withdrawals).proof(999n), CryptoError);
  });
});

describe("blocks root", () => {
  const hashes = Array.from({ length: 7 }, (_, i) => hash(`block ${i}`));

  it("is a standard tree over the block hashes in height order", () => {
    const root = blocksRoot(hashes);
    const tree = StandardMerkleTree.of(
      hashes.map((h) => [h]),
      ["bytes32"],
      { sortLeaves: false },
    );
    assert.equal(root, tree.root);
    assert.notEqual(blocksRoot([...hashes].reverse()), root, "the order of blocks is part of the commitment");
    assert.notEqual(blocksRoot(hashes.slice(1)), root);
    for (const [i, h] of hashes.entries())
      assert.ok(StandardMerkleTree.verify(root, ["bytes32"], [h], tree.getProof(i)));
  });

  it("never equals a lone block hash and refuses empty or malformed input", () => {
    const only = hashes[0] as Hex;
    assert.notEqual(blocksRoot([only]), only);
    assert.throws(() => blocksRoot([]), CryptoError);
    assert.throws(() => blocksRoot(["0x1234" as Hex]), CryptoError);
  });
});

describe("depositHash", () => {
  const claim = {
    nonce: 3n,
    l1Token: ETH_TOKEN,
    from: `0x${"01".repeat(20)}` as Address,
    to: `0x${"02".repeat(20)}` as Address,
    amount: 10n ** 18n,
    name: "Ether",
    symbol: "ETH",
    decimals: 18,
  };

  it("hashes every field, metadata included", () => {
    const base = depositHash(claim);
    for (const changed of [
      { nonce: 4n },
      { l1Token: `0x${"03".repeat(20)}` as Address },
      { from: `0x${"04".repeat(20)}` as Address },
      { to: `0x${"05".repeat(20)}` as Address },
      { amount: 1n },
      { name: "Ether2" },
      { symbol: "ETH2" },
      { decimals: 6 },
    ]) {
      assert.notEqual(depositHash({ ...claim, ...changed }), base, JSON.stringify(Object.keys(changed)));
    }
  });

  it("refuses decimals outside uint8 and malformed addresses", () => {
    for (const decimals of [256, -1, 1.5])
      assert.throws(() => depositHash({ ...claim, decimals }), CryptoError);
    assert.throws(() => depositHash({ ...claim, to: "0x12" as Address }), CryptoError);
  });
});
