import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  buildCheckpoint,
  CheckpointCollector,
  CheckpointCoordinator,
  CheckpointError,
  CheckpointService,
  type CheckpointSources,
  certifiedCheckpointProblem,
  checkpointNumberOf,
  checkpointRange,
  decodeCheckpointSignature,
  encodeCheckpointSignature,
  type WithdrawalAt,
} from "../../node/checkpoint/index.ts";
import { type Address, type Hex, keccak256Hex } from "../../node/crypto/index.ts";
import {
  blocksRoot,
  type CertifiedCheckpoint,
  type Checkpoint,
  checkpointHash,
  EMPTY_WITHDRAWALS_ROOT,
  recoverCheckpointSigner,
  signCheckpoint,
  verifyWithdrawalProof,
  WithdrawalTree,
} from "../../node/types/index.ts";
import { type TestValidator, testValidators, validatorSetOf } from "../helpers/validators.ts";

const DOMAIN = { l1ChainId: 31337n, checkpointManager: `0x${"00".repeat(19)}01` as Address };
const EPOCH = 5;
const hashOf = (h: number): Hex => keccak256Hex(new TextEncoder().encode(`block ${h}`));
const NEXT_SET: Hex = `0x${"ab".repeat(32)}`;
const TOKEN: Address = `0x${"00".repeat(19)}aa`;
const RECIPIENT: Address = `0x${"00".repeat(19)}bb`;

function checkpointOne(): Checkpoint {
  return buildCheckpoint({
    sidechainId: 7447n,
    number: 1,
    epochLength: EPOCH,
    blockHashes: [1, 2, 3, 4, 5].map(hashOf),
    withdrawals: [],
    nextValidatorSetHash: NEXT_SET,
  });
}

const powersOf = (vs: TestValidator[]) => vs.map(({ address, power }) => ({ address, power }));

function certify(checkpoint: Checkpoint, signers: TestValidator[]): CertifiedCheckpoint {
  return {
    checkpoint,
    signatures: signers
      .map((v) => ({ validator: v.address, signature: signCheckpoint(checkpoint, DOMAIN, v.key) }))
      .sort((a, b) => (a.validator < b.validator ? -1 : 1)),
  };
}

/** A validator outside `set` (testValidators derives keys from positions, so one more key is a new one). */
function outsiderOf(set: TestValidator[]): TestValidator {
  const found = testValidators([...set.map(() => 1n), 1n]).find(
    (v) => !set.some((x) => x.address === v.address),
  );
  assert.ok(found);
  return found;
}

describe("checkpoint building", () => {
  it("covers epoch n's heights and commits to its blocks, withdrawals and next set", () => {
    assert.deepEqual(checkpointRange(1, EPOCH), { startHeight: 1, endHeight: 5 });
    assert.deepEqual(checkpointRange(3, EPOCH), { startHeight: 11, endHeight: 15 });
    assert.equal(checkpointNumberOf(5, EPOCH), 1);
    assert.equal(checkpointNumberOf(6, EPOCH), 2);
    assert.throws(() => checkpointRange(0, EPOCH), CheckpointError);
    const c = checkpointOne();
    assert.equal(c.startHeight, 1);
    assert.equal(c.endHeight, 5);
    assert.equal(c.blocksRoot, blocksRoot([1, 2, 3, 4, 5].map(hashOf)));
    assert.equal(c.withdrawalsRoot, EMPTY_WITHDRAWALS_ROOT, "no withdrawals: the zero root");
    assert.equal(c.nextValidatorSetHash, NEXT_SET);
    const reordered = buildCheckpoint({
      sidechainId: 7447n,
      number: 1,
      epochLength: EPOCH,
      blockHashes: [3, 2, 1, 4, 5].map(hashOf),
      withdrawals: [],
      nextValidatorSetHash: NEXT_SET,
    });
    assert.notEqual(reordered.blocksRoot, c.blocksRoot, "block order matters");
    assert.throws(
      () =>
        buildCheckpoint({
          sidechainId: 7447n,
          number: 1,
          epochLength: EPOCH,
          blockHashes: [1, 2, 3, 4].map(hashOf),
          withdrawals: [],
          nextValidatorSetHash: NEXT_SET,
        }),
      CheckpointError,
    );
  });

  it("the service picks the range's withdrawals from the app and proves each against the root", async () => {
    const withdrawals: WithdrawalAt[] = [
      { id: 0n, l1Token: TOKEN, l1Recipient: RECIPIENT, amount: 5n, height: 3 },
      { id: 1n, l1Token: TOKEN, l1Recipient: RECIPIENT, amount: 6n, height: 6 },
      { id: 2n, l1Token: TOKEN, l1Recipient: RECIPIENT, amount: 7n, height: 10 },
      { id: 3n, l1Token: TOKEN, l1Recipient: RECIPIENT, amount: 8n, height: 11 },
    ];
    const validators = testValidators([1n, 1n, 1n]);
    let head = 9;
    const sources: CheckpointSources = {
      headHeight: () => head,
      hashAt: async (h) => (h <= head ? hashOf(h) : null),
      validatorsAt: async () => ({
        validators: powersOf(validators),
        hash: validatorSetOf(validators).hash(),
      }),
      withdrawal: (id) => withdrawals[Number(id)] ?? null,
      nextWithdrawalId: () => BigInt(withdrawals.length),
    };
    const service = new CheckpointService(
      { sidechainId: 7447n, epochLength: EPOCH, domain: DOMAIN },
      sources,
    );
    assert.deepEqual(
      service.withdrawalsIn(6, 10).map((w) => w.id),
      [1n, 2n],
    );
    assert.equal(await service.compute(2), null, "height 10 is not committed");
    head = 10;
    const two = await service.compute(2);
    assert.ok(two);
    const tree = service.withdrawalTree(2);
    assert.equal(two.withdrawalsRoot, tree.root);
    assert.equal(two.nextValidatorSetHash, validatorSetOf(validators).hash());
    const w1 = { id: 1n, l1Token: TOKEN, l1Recipient: RECIPIENT, amount: 6n };
    assert.ok(verifyWithdrawalProof(two.withdrawalsRoot, w1, tree.proof(1n)));
    assert.equal(
      verifyWithdrawalProof(two.withdrawalsRoot, { ...w1, amount: 60n }, tree.proof(1n)),
      false,
      "a changed amount does not prove",
    );
    assert.throws(() => tree.proof(0n), "withdrawal 0 is in checkpoint 1, not 2");
    const synthetic = new WithdrawalTree([w1]);
    assert.ok(verifyWithdrawalProof(synthetic.root, w1, synthetic.proof(1n)));
    assert.notEqual(synthetic.root, tree.root, "the root commits to every withdrawal of the range");
  });
});

describe("certified checkpoint verification", () => {
  const validators = testValidators([10n, 10n, 10n]);
  const c = checkpointOne();
  it("accepts >2/3 of the power, sorted, each recovering, over the computed checkpoint", () => {
    assert.equal(certifiedCheckpointProblem(certify(c, validators), c, powersOf(validators), DOMAIN), null);
    assert.equal(
      certifiedCheckpointProblem(certify(c, validators.slice(0, 3)), c, powersOf(validators), DOMAIN),
      null,
    );
  });
  it("refuses each broken rule with its reason", () => {
    const all = powersOf(validators);
    const good = certify(c, validators);
    const problems = {
      differs: certifiedCheckpointProblem(
        certify({ ...c, blocksRoot: NEXT_SET }, validators),
        c,
        all,
        DOMAIN,
      ),
      short: certifiedCheckpointProblem(certify(c, validators.slice(0, 2)), c, all, DOMAIN),
      unsorted: certifiedCheckpointProblem(
        { ...good, signatures: [...good.signatures].reverse() },
        c,
        all,
        DOMAIN,
      ),
      duplicate: certifiedCheckpointProblem(
        {
          ...good,
          signatures: [good.signatures[0], good.signatures[0], good.signatures[1]].map(
            (s) => s as (typeof good.signatures)[0],
          ),
        },
        c,
        all,
        DOMAIN,
      ),
      outsider: certifiedCheckpointProblem(
        certify(c, [...validators, outsiderOf(validators)]),
        c,
        all,
        DOMAIN,
      ),
      wrongSigner: certifiedCheckpointProblem(
        {
          ...good,
          signatures: good.signatures.map((s, i) =>
            i === 0 ? { ...s, signature: good.signatures[1]?.signature as Hex } : s,
          ),
        },
        c,
        all,
        DOMAIN,
      ),
    };
    assert.match(problems.differs ?? "", /differs/);
    assert.match(problems.short ?? "", /not more than 2\/3/);
    assert.match(problems.unsorted ?? "", /ascending/);
    assert.match(problems.duplicate ?? "", /ascending/);
    assert.match(problems.wrongSigner ?? "", /does not verify/);
    assert.match(problems.outsider ?? "", /not a validator/);
  });
});

describe("checkpoint collector", () => {
  it("certifies only above 2/3, counts a signer once, and ignores other numbers", () => {
    const validators = testValidators([1n, 1n, 1n]);
    const [v1, v2, v3] = validators;
    assert.ok(v1 && v2 && v3);
    const c = checkpointOne();
    const collector = new CheckpointCollector(DOMAIN);
    assert.equal(
      collector.add(1, v1.address, signCheckpoint(c, DOMAIN, v1.key)),
      "ignored",
      "nothing pending",
    );
    collector.setPending(c, powersOf(validators));
    assert.equal(
      collector.add(2, v1.address, signCheckpoint(c, DOMAIN, v1.key)),
      "ignored",
      "another number",
    );
    assert.equal(collector.add(1, v1.address, signCheckpoint(c, DOMAIN, v1.key)), "added");
    assert.equal(collector.add(1, v1.address, signCheckpoint(c, DOMAIN, v1.key)), "duplicate");
    assert.equal(
      collector.add(1, v2.address, signCheckpoint({ ...c, blocksRoot: NEXT_SET }, DOMAIN, v2.key)),
      "invalid",
      "a signature over another checkpoint",
    );
    assert.equal(
      collector.add(1, v2.address, signCheckpoint(c, DOMAIN, v1.key)),
      "invalid",
      "v1's key for v2",
    );
    assert.equal(collector.add(1, v2.address, signCheckpoint(c, DOMAIN, v2.key)), "added");
    assert.equal(collector.certified(), null, "exactly 2/3 is not enough");
    assert.equal(collector.add(1, v3.address, signCheckpoint(c, DOMAIN, v3.key)), "added");
    const certified = collector.certified();
    assert.ok(certified);
    assert.equal(certified.signatures.length, 3);
    assert.equal(certifiedCheckpointProblem(certified, c, powersOf(validators), DOMAIN), null);
    for (const s of certified.signatures)
      assert.equal(recoverCheckpointSigner(c, DOMAIN, s.signature), s.validator);
  });
});

describe("checkpoint-sig gossip", () => {
  it("round-trips the message under the topic's size limit and refuses malformed bytes", () => {
    const [v] = testValidators([1n]);
    assert.ok(v);
    const c = checkpointOne();
    const message = {
      number: 1,
      checkpointHash: checkpointHash(c),
      signer: v.address,
      signature: signCheckpoint(c, DOMAIN, v.key),
    };
    const bytes = encodeCheckpointSignature(message);
    assert.ok(bytes.length < 512);
    assert.deepEqual(decodeCheckpointSignature(bytes), message);
    assert.throws(() => decodeCheckpointSignature(bytes.subarray(0, bytes.length - 1)));
    assert.throws(() => decodeCheckpointSignature(Uint8Array.of(0xc0)));
    assert.throws(() => decodeCheckpointSignature(new Uint8Array(600)));
  });

  it("validators sign at the epoch's end, judge each other's signatures, and certify", async () => {
    const validators = testValidators([1n, 1n, 1n, 1n]);
    const hashes = new Map<number, Hex>([1, 2, 3, 4, 5].map((h) => [h, hashOf(h)]));
    const sourcesFor = (blockHash: (h: number) => Hex | null): CheckpointSources => ({
      headHeight: () => 5,
      hashAt: async (h) => blockHash(h),
      validatorsAt: async () => ({
        validators: powersOf(validators),
        hash: validatorSetOf(validators).hash(),
      }),
      withdrawal: () => null,
      nextWithdrawalId: () => 0n,
    });
    const sent: Uint8Array[][] = validators.map(() => []);
    const certified: CertifiedCheckpoint[][] = validators.map(() => []);
    const nodes = validators.map((v, i) => {
      // The last validator sees a different block 3 (a diverged node): its signature must be refused.
      const diverged = i === validators.length - 1;
      const service = new CheckpointService(
        { sidechainId: 7447n, epochLength: EPOCH, domain: DOMAIN },
        sourcesFor((h) => (diverged && h === 3 ? hashOf(99) : (hashes.get(h) ?? null))),
      );
      return new CheckpointCoordinator(
        { earlySignatureWaitMs: 0 },
        {
          service,
          signer: { address: v.address, sign: (c) => signCheckpoint(c, DOMAIN, v.key) },
          publish: (data) => sent[i]?.push(data),
          headHeight: () => 5,
          onCertified: (c) => certified[i]?.push(c),
        },
      );
    });
    const [first] = nodes;
    assert.ok(first);
    const earlyVerdict = await first.validate(new Uint8Array([0xc0]));
    assert.equal(earlyVerdict, "reject", "undecodable");
    for (const node of nodes) await node.onEpochEnd(1, true);
    assert.ok(
      sent.every((s) => s.length === 1),
      "each validator gossiped its signature once",
    );
    for (const [i, node] of nodes.entries()) {
      for (const [j, out] of sent.entries()) {
        if (i === j) continue;
        const data = out[0] as Uint8Array;
        const verdict = await node.validate(data);
        const divergedPair = i === 3 || j === 3;
        assert.equal(verdict, divergedPair ? "reject" : "accept", `node ${i} judging node ${j}`);
        if (verdict === "accept") node.onMessage(data);
      }
    }
    for (const i of [0, 1, 2]) {
      assert.equal(certified[i]?.length, 1, `node ${i} certified checkpoint 1`);
      assert.equal(certified[i]?.[0]?.signatures.length, 3);
      assert.equal(nodes[i]?.certified(1), certified[i]?.[0]);
    }
    assert.equal(certified[3]?.length, 0, "the diverged node never sees 2/3 for its own checkpoint");
    const later = encodeCheckpointSignature({
      number: 7,
      checkpointHash: checkpointHash(checkpointOne()),
      signer: validators[0]?.address as Address,
      signature: signCheckpoint(checkpointOne(), DOMAIN, validators[0]?.key as Hex),
    });
    assert.equal(await first.validate(later), "ignore", "a checkpoint this node has not computed");
    const outsider = outsiderOf(validators);
    const fromOutsider = encodeCheckpointSignature({
      number: 1,
      checkpointHash: checkpointHash(checkpointOne()),
      signer: outsider.address,
      signature: signCheckpoint(checkpointOne(), DOMAIN, outsider.key),
    });
    assert.equal(await first.validate(fromOutsider), "reject", "a signer outside the epoch's set");
    first.included(1);
    assert.equal(first.certified(1), null, "dropped once a block carries it");
  });
});
