import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { AppError, bridgedTokenAddress, WETH_METADATA } from "../../node/app/index.ts";
import type { ChainDeposits } from "../../node/chain/chain.ts";
import type { ProposedBlock } from "../../node/consensus/messages.ts";
import { RlpError } from "../../node/crypto/index.ts";
import { ClaimPool } from "../../node/deposits/index.ts";
import { L1UnavailableError } from "../../node/l1/index.ts";
import {
  type Block,
  computeBodyHashes,
  type DepositClaim,
  depositTxHash,
  ETH_TOKEN,
  hashHeader,
} from "../../node/types/index.ts";
import { addr, val1 } from "../helpers/appFixture.ts";
import { commitFor, openTestChain } from "../helpers/chainFixture.ts";
import { ethClaim, L1_TOKEN, RECIPIENT, ScriptedConfirmer, testClaim } from "../helpers/deposits.ts";

const WETH = bridgedTokenAddress(ETH_TOKEN);
const USDC = bridgedTokenAddress(L1_TOKEN);

/** A node whose deposits module is a real ClaimPool and a scripted L1 check; `withDeposits: false` has none. */
function openNode(t: TestContext, withDeposits = true) {
  return openTestChain(t, {
    extras: ({ app }) => {
      const pool = new ClaimPool(() => app.nextDepositNonce());
      const l1 = new ScriptedConfirmer();
      const deposits: ChainDeposits = { ready: (max) => pool.ready(max), check: (claim) => l1.check(claim) };
      return { pool, l1, deposits: withDeposits ? deposits : null };
    },
  });
}

type Node = Awaited<ReturnType<typeof openNode>>;

/** The block with other claims and re-hashed, so neither the body hash nor the block hash gives it away. */
function withClaims(block: Block, depositClaims: DepositClaim[]): ProposedBlock<Block> {
  const next: Block = { ...structuredClone(block), depositClaims };
  next.header = { ...next.header, ...computeBodyHashes(next) };
  return { block: next, blockHash: hashHeader(next.header) };
}

async function build(proposer: Node, others: Node[] = []): Promise<ProposedBlock<Block>> {
  for (const n of [proposer, ...others]) n.clock.now += 1000;
  return await proposer.chain.buildBlock(proposer.chain.height + 1, addr(val1));
}

async function commitAll(value: ProposedBlock<Block>, nodes: Node[]): Promise<void> {
  const commit = commitFor(value.block.header.height, value.blockHash);
  for (const n of nodes) await n.chain.commitBlock(value, commit);
}

const nonces = (block: Block) => block.depositClaims.map((c) => c.nonce);

describe("chain: deposit claims in blocks", () => {
  it("the proposer includes held claims in nonce order up to the first one L1 does not confirm", async (t) => {
    const a = await openNode(t);
    const b = await openNode(t);
    for (const n of [2n, 0n, 3n, 1n, 5n]) a.pool.add(testClaim(n));
    a.l1.verdicts.set(2n, "unconfirmed");
    const first = await build(a, [b]);
    assert.deepEqual(nonces(first.block), [0n, 1n], "stops before 2, which L1 does not confirm yet");
    assert.equal(await b.chain.validateBlock(1, first), true);
    await commitAll(first, [a, b]);
    for (const n of [a, b]) {
      assert.equal(n.app.nextDepositNonce(), 2n);
      assert.equal(n.app.tokenBalance(USDC, RECIPIENT), 2_000n);
    }
    a.pool.prune();
    assert.equal(a.pool.size, 3, "the minted claims left the pool");

    a.l1.verdicts.set(2n, "mismatch");
    assert.deepEqual(nonces((await build(a, [b])).block), [], "a mismatching next claim blocks the rest");
    a.l1.verdicts.set(2n, "confirmed");
    a.l1.down = true;
    const noL1 = await a.chain.buildBlock(2, addr(val1));
    assert.deepEqual(nonces(noL1.block), [], "L1 down: the proposer proposes without claims");
    a.l1.down = false;
    const second = await a.chain.buildBlock(2, addr(val1));
    assert.deepEqual(nonces(second.block), [2n, 3n], "4 is missing, so 5 waits");
    assert.equal(await b.chain.validateBlock(2, second), true);
    await commitAll(second, [a, b]);
    assert.equal(b.app.nextDepositNonce(), 4n);
    assert.equal(b.app.tokenBalance(USDC, RECIPIENT), 4_000n);
  });

  it("validateBlock is false for a claim L1 contradicts or has not finalized, and throws while L1 is down", async (t) => {
    const a = await openNode(t);
    const b = await openNode(t);
    a.pool.add(testClaim(0n));
    const value = await build(a, [b]);
    assert.deepEqual(nonces(value.block), [0n]);
    b.l1.verdicts.set(0n, "mismatch");
    assert.equal(await b.chain.validateBlock(1, value), false, "mismatch");
    b.l1.verdicts.set(0n, "unconfirmed");
    assert.equal(await b.chain.validateBlock(1, value), false, "unconfirmed");
    b.l1.verdicts.delete(0n);
    b.l1.down = true;
    // Not a verdict on the block: consensus retries instead of rejecting it for good.
    await assert.rejects(b.chain.validateBlock(1, value), L1UnavailableError);
    b.l1.down = false;
    assert.equal(await b.chain.validateBlock(1, value), true, "the same block is fine once L1 answers");
    assert.ok(b.l1.checked.length >= 4, "each validation asked L1");
  });

  it("a block whose claims break the nonce sequence is invalid, even when L1 confirms each claim", async (t) => {
    const a = await openNode(t);
    const b = await openNode(t);
    for (const n of [0n, 1n, 2n]) a.pool.add(testClaim(n));
    const value = await build(a, [b]);
    assert.deepEqual(nonces(value.block), [0n, 1n, 2n]);
    const [c0, c1, c2] = value.block.depositClaims as [DepositClaim, DepositClaim, DepositClaim];
    const follows = /claims must follow the nonce sequence/;
    const consecutive = /nonce does not follow the previous one/;
    const bad: [string, DepositClaim[], RegExp][] = [
      ["out of order", [c1, c0, c2], consecutive],
      ["a gap", [c0, c2], consecutive],
      ["the same nonce twice", [c0, c0, c1], consecutive],
      ["not starting at the next nonce", [c1, c2], follows],
    ];
    for (const [rule, claims, reason] of bad) {
      const tampered = withClaims(value.block, claims);
      const checked = b.l1.checked.length;
      assert.equal(await b.chain.validateBlock(1, tampered), false, rule);
      if (reason === consecutive) assert.equal(b.l1.checked.length, checked, `${rule}: refused before L1`);
      // A decided block skips the L1 check but not the sequence rules, so the error names the reason.
      await assert.rejects(
        b.chain.commitBlock(tampered, commitFor(1, tampered.blockHash)),
        (err: unknown) => (err instanceof AppError || err instanceof RlpError) && reason.test(err.message),
        rule,
      );
    }
    assert.equal(b.chain.height, 0, "nothing was committed");
    assert.equal(b.app.nextDepositNonce(), 0n);
    await commitAll(value, [a, b]);
    const replay = await build(a, [b]);
    assert.equal(
      await b.chain.validateBlock(2, withClaims(replay.block, [c2])),
      false,
      "a minted claim again (replay)",
    );
    assert.equal(b.app.nextDepositNonce(), 3n);
  });

  it("a node without the deposits module refuses blocks with claims, but follows a decided one", async (t) => {
    const a = await openNode(t);
    const b = await openNode(t);
    const noL1 = await openNode(t, false);
    const plain = await build(a, [b, noL1]);
    assert.equal(await noL1.chain.validateBlock(1, plain), true, "a block without claims is fine");
    a.pool.add(ethClaim(0n, 5n * 10n ** 18n));
    const value = await a.chain.buildBlock(1, addr(val1));
    assert.deepEqual(nonces(value.block), [0n]);
    assert.equal(await b.chain.validateBlock(1, value), true, "a node with L1 accepts it");
    assert.equal(
      await noL1.chain.validateBlock(1, value),
      false,
      "a node without L1 cannot confirm the claim",
    );
    await commitAll(value, [a, noL1]);
    assert.equal(noL1.chain.height, 1);
    assert.equal(noL1.app.nextDepositNonce(), 1n);
    assert.equal(noL1.app.tokenBalance(WETH, RECIPIENT), 5n * 10n ** 18n);
  });

  it("a decided block is committed without asking L1, and its minted balance is visible", async (t) => {
    const a = await openNode(t);
    const b = await openNode(t);
    const synced = await openNode(t);
    a.pool.add(ethClaim(0n, 3n * 10n ** 18n));
    a.pool.add(testClaim(1n, { amount: 42n }));
    const value = await build(a, [b, synced]);
    assert.deepEqual(nonces(value.block), [0n, 1n]);
    for (const n of [b, synced]) n.l1.verdicts.set(0n, "unconfirmed");
    assert.equal(await b.chain.validateBlock(1, value), false, "b's L1 has not finalized the deposit");
    const checked = b.l1.checked.length;
    b.l1.down = true;
    synced.l1.down = true;
    const commit = commitFor(1, value.blockHash);
    await b.chain.commitBlock(value, commit);
    await synced.chain.applyCertified(value.block, commit);
    assert.equal(b.l1.checked.length, checked, "committing asked L1 nothing");
    assert.deepEqual(synced.l1.checked, [], "block sync asked L1 nothing");
    for (const n of [b, synced]) {
      assert.equal(n.chain.height, 1);
      assert.equal(n.chain.headHash, value.blockHash);
      assert.equal(n.app.nextDepositNonce(), 2n);
      assert.equal(n.app.tokenBalance(WETH, RECIPIENT), 3n * 10n ** 18n);
      assert.equal(n.app.tokenBalance(USDC, RECIPIENT), 42n);
      assert.equal(n.app.token(WETH)?.symbol, WETH_METADATA.symbol);
      assert.equal(n.app.token(WETH)?.totalSupply, 3n * 10n ** 18n);
      assert.equal(n.app.deposit(1n)?.height, 1);
    }
    // Each deposit is a transaction of the block, found by its hash, ahead of the block's transactions, and
    // the node that validated and the one that synced derived the same ones.
    for (const [index, claim] of value.block.depositClaims.entries()) {
      const hash = depositTxHash(claim);
      for (const n of [b, synced]) {
        assert.deepEqual(await n.store.txLocation(hash), { height: 1, index });
        const located = await n.store.receiptByTxHash(hash);
        assert.deepEqual([located?.receipt.status, located?.receipt.gasUsed], [1, 0n]);
      }
      assert.deepEqual(await synced.store.receiptByTxHash(hash), await b.store.receiptByTxHash(hash));
    }
  });
});
