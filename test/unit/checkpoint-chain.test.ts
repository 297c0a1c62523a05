import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { ChainCheckpoints } from "../../node/chain/chain.ts";
import { CheckpointService } from "../../node/checkpoint/index.ts";
import { ValidatorSet } from "../../node/consensus/validatorSet.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import {
  type Block,
  type CertifiedCheckpoint,
  type Checkpoint,
  computeBodyHashes,
  hashHeader,
  signCheckpoint,
} from "../../node/types/index.ts";
import { addr, CHAIN_ID, val1, val2 } from "../helpers/appFixture.ts";
import { commitFor, openTestChain } from "../helpers/chainFixture.ts";

const DOMAIN = { l1ChainId: 31337n, checkpointManager: `0x${"00".repeat(19)}01` as Address };
const EPOCH = 4;

/** A node whose checkpoints module checks against a CheckpointService over its own store; `false` has none. */
function openNode(t: TestContext, withCheckpoints = true) {
  return openTestChain(t, {
    genesis: { epochLength: EPOCH },
    extras: ({ store, app, height }) => {
      const service = new CheckpointService(
        { sidechainId: CHAIN_ID, epochLength: EPOCH, domain: DOMAIN },
        {
          headHeight: height,
          hashAt: (h) => store.hashAt(h),
          async validatorsAt(h) {
            const stored = await store.validatorSetAt(h);
            if (!stored) return null;
            const set = ValidatorSet.restore(stored.validatorSet);
            return {
              validators: set.validators.map(({ address, power }) => ({ address, power })),
              hash: set.hash(),
            };
          },
          withdrawal: (id) => app.withdrawal(id),
          nextWithdrawalId: () => app.nextWithdrawalId(),
        },
      );
      const ready = new Map<number, CertifiedCheckpoint>();
      const checkpoints: ChainCheckpoints = {
        certified: (n) => ready.get(n) ?? null,
        includedProblem: (c, n) => service.includedProblem(c, n),
      };
      return { service, ready, checkpoints: withCheckpoints ? checkpoints : null };
    },
  });
}

function certify(checkpoint: Checkpoint, signers = [val1, val2]): CertifiedCheckpoint {
  const signatures = signers
    .map((w) => ({ validator: addr(w), signature: signCheckpoint(checkpoint, DOMAIN, w.privateKey as Hex) }))
    .sort((a, b) => (a.validator < b.validator ? -1 : 1));
  return { checkpoint, signatures };
}

/** The block with other checkpoints and re-hashed, so only checkpoint rules can reject it. */
function withCheckpoints(block: Block, checkpoints: CertifiedCheckpoint[]) {
  const next: Block = { ...structuredClone(block), checkpoints };
  next.header = { ...next.header, ...computeBodyHashes(next) };
  return { block: next, blockHash: hashHeader(next.header) };
}

type Node = Awaited<ReturnType<typeof openNode>>;

async function advance(nodes: Node[], to: number): Promise<void> {
  const [a] = nodes;
  assert.ok(a);
  while (a.chain.height < to) {
    for (const n of nodes) n.clock.now += 1000;
    const h = a.chain.height + 1;
    const value = await a.chain.buildBlock(h, addr(h % 2 === 0 ? val1 : val2));
    const commit = commitFor(h, value.blockHash);
    for (const n of nodes) await n.chain.commitBlock(value, commit);
  }
}

describe("chain: certified checkpoints in blocks", () => {
  it("includes a certified checkpoint, stores it on commit, and refuses forged, short, unsorted or out-of-order ones", async (t) => {
    const a = await openNode(t);
    const b = await openNode(t);
    await advance([a, b], EPOCH);
    const computed = await a.service.compute(1);
    assert.ok(computed);
    assert.deepEqual(await b.service.compute(1), computed, "both nodes compute the same checkpoint");
    assert.equal(computed.startHeight, 1);
    assert.equal(computed.endHeight, EPOCH);
    assert.equal(await a.service.compute(2), null, "epoch 2 is not committed yet");

    for (const n of [a, b]) n.clock.now += 1000;
    const plain = await a.chain.buildBlock(EPOCH + 1, addr(val1));
    assert.deepEqual(plain.block.checkpoints, [], "nothing certified yet, nothing included");

    const good = certify(computed);
    const forged = certify({ ...computed, withdrawalsRoot: `0x${"77".repeat(32)}` });
    const short = certify(computed, [val1]);
    const reversed = { ...good, signatures: [...good.signatures].reverse() };
    const wrongNumber = certify({ ...computed, number: 2, startHeight: 5, endHeight: 8 });
    const stranger = certify(computed, [val1, val2]);
    const otherSig = stranger.signatures[1];
    assert.ok(otherSig);
    const badSignature: CertifiedCheckpoint = {
      checkpoint: computed,
      signatures: [
        stranger.signatures[0] as (typeof stranger.signatures)[0],
        { ...otherSig, signature: forged.signatures[1]?.signature as Hex },
      ],
    };
    const cases: Record<string, CertifiedCheckpoint[]> = {
      "a checkpoint that differs from the computed one": [forged],
      "signatures short of 2/3": [short],
      "a checkpoint number that skips one": [wrongNumber],
      "a signature over another checkpoint": [badSignature],
      "the same checkpoint twice": [good, good],
    };
    for (const [rule, checkpoints] of Object.entries(cases)) {
      assert.equal(
        await b.chain.validateBlock(EPOCH + 1, withCheckpoints(plain.block, checkpoints)),
        false,
        rule,
      );
    }
    // Unsorted signatures do not even encode, so the header cannot commit to them; a body swapped under a header
    // that committed to the sorted order is refused as well.
    const sorted = withCheckpoints(plain.block, [good]);
    const unsorted = { ...sorted, block: { ...sorted.block, checkpoints: [reversed] } };
    assert.equal(
      await b.chain.validateBlock(EPOCH + 1, unsorted),
      false,
      "signatures not in ascending order",
    );
    const noL1 = await openNode(t, false);
    await advance([noL1], EPOCH);
    noL1.clock.now += 1000;
    const noL1Block = await noL1.chain.buildBlock(EPOCH + 1, addr(val1));
    assert.equal(
      await noL1.chain.validateBlock(EPOCH + 1, withCheckpoints(noL1Block.block, [good])),
      false,
      "a chain without L1 takes no checkpoints",
    );

    a.ready.set(1, good);
    const carrying = await a.chain.buildBlock(EPOCH + 1, addr(val1));
    assert.deepEqual(carrying.block.checkpoints, [good], "the proposer includes the certified checkpoint");
    assert.equal(await b.chain.validateBlock(EPOCH + 1, carrying), true);
    const commit = commitFor(EPOCH + 1, carrying.blockHash);
    for (const n of [a, b]) await n.chain.commitBlock(carrying, commit);
    for (const n of [a, b]) {
      assert.equal(await n.store.latestCheckpointNumber(), 1);
      assert.deepEqual(await n.store.checkpoint(1), good);
      assert.deepEqual(await n.store.checkpointsRange(1, 5), [good]);
    }
    for (const n of [a, b]) n.clock.now += 1000;
    const after = await a.chain.buildBlock(EPOCH + 2, addr(val2));
    assert.deepEqual(after.block.checkpoints, [], "an included checkpoint is not included again");
    assert.equal(
      await b.chain.validateBlock(EPOCH + 2, withCheckpoints(after.block, [good])),
      false,
      "a checkpoint already in the chain is refused",
    );
  });
});
