import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { COMMUNITY_POOL_ADDRESS } from "../../node/app/index.ts";
import type { ChainEvidence } from "../../node/chain/chain.ts";
import { storedValidatorSetAt } from "../../node/chain/validatorSets.ts";
import type { ProposedBlock } from "../../node/consensus/messages.ts";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import { makeEvidence } from "../../node/consensus/voteSet.ts";
import { type Hex, VoteType } from "../../node/crypto/index.ts";
import { createEvidenceCheck, EvidencePool, EvidenceService } from "../../node/evidence/index.ts";
import {
  type Block,
  computeBodyHashes,
  type DuplicateVoteEvidence,
  hashHeader,
} from "../../node/types/index.ts";
import { commitFor, openTestChain } from "../helpers/chainFixture.ts";
import { addr, CHAIN_ID, TEST_KEYS, type TestSigner } from "../helpers/genesisFixture.ts";
import { signVote } from "../helpers/validators.ts";

const { val1, val2 } = TEST_KEYS;

/** A node wired as node.ts wires it: the chain's evidence comes from an evidence service over a real check. */
async function openNode(t: TestContext) {
  const refused: string[] = [];
  const node = await openTestChain(t, {
    events: { onInvalidBlock: (_h, _hash, reason) => void refused.push(reason) },
    extras: ({ store, app, height }) => {
      const check = createEvidenceCheck(CHAIN_ID, {
        setAt: (h) => storedValidatorSetAt(store, h),
        verifier: secp256k1Verifier,
        appProblem: (v, h, b) => app.evidenceProblem(v, h, b),
      });
      const service = new EvidenceService(
        { regossipMs: 60_000 },
        {
          pool: new EvidencePool(),
          keeper: { put: async () => {}, delete: async () => {}, all: async () => [] },
          check,
          height,
          publish: () => {},
          logger: { warn: () => {}, info: () => {} },
        },
      );
      const evidence: ChainEvidence = service.forBlocks;
      return { service, evidence, refused };
    },
  });
  // As node.ts wires it; the test awaits the pool's update through `settled`.
  let settled: Promise<void> = Promise.resolve();
  node.chain.onCommitted(({ block }) => {
    settled = node.service.committedBlock(block);
  });
  return { ...node, settled: () => settled };
}

type Node = Awaited<ReturnType<typeof openNode>>;

function doubleSign(who: TestSigner, height: number): DuplicateVoteEvidence {
  const vote = (byte: string) =>
    signVote(CHAIN_ID, who.privateKey as Hex, {
      type: VoteType.Prevote,
      height,
      round: 0,
      blockHash: `0x${byte.repeat(32)}` as Hex,
      validator: addr(who),
    });
  return makeEvidence(vote("aa"), vote("bb"));
}

/** The block with other evidence and re-hashed, as a byzantine proposer would send it. */
function withEvidence(value: ProposedBlock<Block>, evidence: DuplicateVoteEvidence[]): ProposedBlock<Block> {
  const block: Block = { ...structuredClone(value.block), evidence };
  block.header = { ...block.header, ...computeBodyHashes(block) };
  return { block, blockHash: hashHeader(block.header) };
}

async function next(nodes: Node[]): Promise<ProposedBlock<Block>> {
  const [proposer] = nodes as [Node];
  for (const n of nodes) n.clock.now += 1000;
  return proposer.chain.buildBlock(proposer.chain.height + 1, addr(val1));
}

async function commitAll(value: ProposedBlock<Block>, nodes: Node[]): Promise<void> {
  const commit = commitFor(value.block.header.height, value.blockHash);
  for (const n of nodes) await n.chain.commitBlock(value, commit);
}

describe("chain: double-sign evidence in blocks", () => {
  it("a proposer includes held evidence, every node executes it: the offender is slashed, jailed, and leaves at the epoch end", async (t) => {
    const a = await openNode(t);
    const b = await openNode(t);
    await commitAll(await next([a, b]), [a, b]);
    const stakeBefore = a.app.stakeOf(addr(val2));

    await a.service.report(doubleSign(val2, 1));
    const withProof = await next([a, b]);
    assert.equal(withProof.block.evidence.length, 1, "the proposer included the evidence");
    assert.equal(await b.chain.validateBlock(2, withProof), true, b.refused.join("; "));
    await commitAll(withProof, [a, b]);

    for (const n of [a, b]) {
      const info = n.app.signingInfo(addr(val2));
      assert.equal(info.jailed, true);
      assert.equal(n.app.stakeOf(addr(val2)), stakeBefore - (stakeBefore * 50_000n) / 1_000_000n);
      assert.equal(n.app.balance(COMMUNITY_POOL_ADDRESS), (stakeBefore * 50_000n) / 1_000_000n);
      assert.equal(n.app.signingInfo(addr(val1)).jailed, false, "the honest validator is untouched");
    }
    await a.settled();
    assert.equal(a.service.pending, 0, "the committed evidence left the pool");
    assert.ok(a.chain.validators.has(addr(val2)), "still in the set until the epoch ends");
    while (a.chain.height < 4) await commitAll(await next([a, b]), [a, b]);
    assert.equal(a.chain.validators.has(addr(val2)), false, "out of the set from the next epoch");
    assert.equal(b.chain.validators.has(addr(val2)), false);
  });

  it("refuses a block whose evidence is forged, accuses someone outside the set, repeats an offender or is already punished", async (t) => {
    const a = await openNode(t);
    const b = await openNode(t);
    await commitAll(await next([a, b]), [a, b]);
    const plain = await next([a, b]);

    const real = doubleSign(val2, 1);
    const forged = { ...real, voteB: { ...real.voteB, signature: doubleSign(val1, 1).voteB.signature } };
    assert.equal(await b.chain.validateBlock(2, withEvidence(plain, [forged])), false);
    assert.match(b.refused.at(-1) ?? "", /signature is not/);

    const outsider = doubleSign(TEST_KEYS.alice, 1);
    assert.equal(await b.chain.validateBlock(2, withEvidence(plain, [outsider])), false);
    assert.match(b.refused.at(-1) ?? "", /was not a validator at height 1/);

    const other = makeEvidence(
      signVote(CHAIN_ID, val2.privateKey as Hex, {
        type: VoteType.Precommit,
        height: 1,
        round: 0,
        blockHash: `0x${"cc".repeat(32)}` as Hex,
        validator: addr(val2),
      }),
      signVote(CHAIN_ID, val2.privateKey as Hex, {
        type: VoteType.Precommit,
        height: 1,
        round: 0,
        blockHash: null,
        validator: addr(val2),
      }),
    );
    assert.equal(await b.chain.validateBlock(2, withEvidence(plain, [real, other])), false);
    assert.match(b.refused.at(-1) ?? "", /a second offence/);

    // What an honest proposer builds with the evidence; the forged variants above were never executable.
    await a.service.report(real);
    const punishing = await a.chain.buildBlock(2, addr(val1));
    assert.deepEqual(punishing.block.evidence, [real]);
    assert.equal(await b.chain.validateBlock(2, punishing), true, b.refused.join("; "));
    await commitAll(punishing, [a, b]);
    const again = withEvidence(await next([a, b]), [other]);
    assert.equal(await b.chain.validateBlock(3, again), false);
    assert.match(b.refused.at(-1) ?? "", /already punished/);
    await a.service.report(other);
    assert.equal(a.service.pending, 0, "an offence already punished is not held for a block");
  });
});
