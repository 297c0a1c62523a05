import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Application, ConsensusApplication } from "../../node/app/index.ts";
import type { ChainModules } from "../../node/chain/chain.ts";
import { ChainHaltError } from "../../node/chain/errors.ts";
import { type Block, hashHeader } from "../../node/types/index.ts";
import {
  addr,
  alice,
  BASE_FEE,
  bob,
  CHAIN_ID,
  countingRecovery,
  ETHER,
  signTx,
  val1,
  val2,
} from "../helpers/appFixture.ts";
import { commitFor, openTestChain } from "../helpers/chainFixture.ts";

/** Re-hashes a tampered block so only the tampered rule, not the hash check, can reject it. */
function tampered(block: Block, change: (b: Block) => Block) {
  const next = change(structuredClone(block));
  return { block: next, blockHash: hashHeader(next.header) };
}

describe("chain: build, validate, commit", () => {
  it("tells afterBlockWrite of a block once it is stored and before the app commits it (the fault tests' crash point)", async (t) => {
    const seen: { height: number; chainHeight: number; bobBalance: bigint }[] = [];
    const a = await openTestChain(t);
    const b = await openTestChain(t, {
      events: {
        afterBlockWrite: (height) =>
          seen.push({ height, chainHeight: b.chain.height, bobBalance: b.app.balance(addr(bob)) }),
      },
    });
    a.mempool.add(
      await signTx(alice, {
        to: bob.address,
        value: ETHER,
        nonce: 0,
        maxFeePerGas: BASE_FEE,
        maxPriorityFeePerGas: 0n,
        gasLimit: 21_000n,
      }),
    );
    const one = await a.chain.buildBlock(1, addr(val1));
    await b.chain.commitBlock(one, commitFor(1, one.blockHash));
    assert.deepEqual(seen, [{ height: 1, chainHeight: 0, bobBalance: 1000n * ETHER }]);
    assert.equal((await b.store.head())?.height, 1, "stored before the hook returned");
    assert.equal(b.app.balance(addr(bob)), 1001n * ETHER);
  });

  it("a block built by one node is accepted, committed identically by another, and survives a restart", async (t) => {
    const a = await openTestChain(t);
    const b = await openTestChain(t);
    a.mempool.add(
      await signTx(alice, {
        to: bob.address,
        value: ETHER,
        nonce: 0,
        maxFeePerGas: BASE_FEE,
        maxPriorityFeePerGas: 0n,
        gasLimit: 21_000n,
      }),
    );
    const one = await a.chain.buildBlock(1, addr(val1));
    assert.equal(one.block.txs.length, 1);
    assert.equal(one.block.lastCommit, null);
    assert.equal(await b.chain.validateBlock(1, one), true);
    const c1 = commitFor(1, one.blockHash);
    await a.chain.commitBlock(one, c1);
    await b.chain.commitBlock(one, c1);
    assert.equal(a.mempool.size, 0, "the committed tx left the pool");
    assert.equal(b.app.balance(addr(bob)), 1001n * ETHER);

    a.clock.now += 1000;
    b.clock.now += 1000;
    const two = await a.chain.buildBlock(2, addr(val2));
    assert.deepEqual(two.block.lastCommit, c1);
    assert.equal(await b.chain.validateBlock(2, two), true);
    await b.chain.commitBlock(two, commitFor(2, two.blockHash));
    assert.equal(b.chain.height, 2);

    await b.close();
    const again = await openTestChain(t, { home: b.home, clock: b.clock });
    assert.equal(again.chain.height, 2);
    assert.equal(again.chain.headHash, two.blockHash);
    assert.equal(again.app.balance(addr(bob)), 1001n * ETHER, "state reloaded from storage");
    assert.equal(again.chain.validators.hash(), b.chain.validators.hash());
  });

  it("a node that dies after storing a block but before the app commits it restarts at that block", async (t) => {
    const a = await openTestChain(t);
    const b = await openTestChain(t);
    a.mempool.add(await signTx(alice, { to: bob.address, value: ETHER, nonce: 0, maxFeePerGas: BASE_FEE }));
    const one = await a.chain.buildBlock(1, addr(val1));
    const { header } = one.block;
    const result = await b.app.executeBlock(
      { height: 1, time: header.time, proposer: header.proposer },
      one.block.txs,
      one.block.depositClaims,
    );
    await b.store.writeCommittedBlock({
      block: one.block,
      blockHash: one.blockHash,
      commit: commitFor(1, one.blockHash),
      receipts: result.receipts,
      stateWrites: result.stateWrites,
    });
    assert.equal(b.app.height(), 0, "the app never committed");
    await b.close();
    const again = await openTestChain(t, { home: b.home, clock: b.clock });
    assert.equal(again.chain.height, 1);
    assert.equal(again.app.appHash(), header.appHash);
    assert.equal(again.app.balance(addr(bob)), 1001n * ETHER);
    assert.equal(again.app.nonce(addr(alice)), 1n);
  });

  it("block sync and consensus committing the same block at once both succeed, and it is stored once", async (t) => {
    const a = await openTestChain(t);
    const b = await openTestChain(t);
    const one = await a.chain.buildBlock(1, addr(val1));
    const c1 = commitFor(1, one.blockHash);
    assert.equal(await b.chain.validateBlock(1, one), true);
    const committed: number[] = [];
    b.chain.onCommitted((info) => committed.push(info.block.header.height));
    await Promise.all([b.chain.applyCertified(one.block, c1), b.chain.commitBlock(one, c1)]);
    assert.equal(b.chain.height, 1);
    assert.equal(b.chain.headHash, one.blockHash);
    assert.deepEqual(committed, [1], "applied once");
    const other = await a.chain.buildBlock(1, addr(val2));
    await assert.rejects(
      b.chain.commitBlock(other, commitFor(1, other.blockHash)),
      /height 1 is not the next height/,
    );
  });

  it("halts, and tells the node, when a decided block cannot be stored", async (t) => {
    const halts: ChainHaltError[] = [];
    const a = await openTestChain(t, { events: { onHalt: (err) => halts.push(err) } });
    const one = await a.chain.buildBlock(1, addr(val1));
    await a.db.close();
    await assert.rejects(a.chain.commitBlock(one, commitFor(1, one.blockHash)), ChainHaltError);
    assert.equal(halts.length, 1);
    assert.match(halts[0]?.message ?? "", /cannot store decided block 1/);
    assert.equal(a.chain.height, 0, "nothing was committed");
  });

  it("reports why it refused a proposed block", async (t) => {
    const refusals: string[] = [];
    const a = await openTestChain(t);
    const b = await openTestChain(t, {
      events: { onInvalidBlock: (_h, _hash, reason) => refusals.push(reason) },
    });
    const one = await a.chain.buildBlock(1, addr(val1));
    const forged = tampered(one.block, (x) => ({
      ...x,
      header: { ...x.header, appHash: `0x${"11".repeat(32)}` },
    }));
    assert.equal(await b.chain.validateBlock(1, forged), false);
    assert.equal(refusals.length, 1);
    assert.match(refusals[0] ?? "", /appHash/);
  });

  it("rejects blocks that break a rule, also when only the body differs from a block it accepted", async (t) => {
    const a = await openTestChain(t);
    const b = await openTestChain(t);
    const one = await a.chain.buildBlock(1, addr(val1));
    await a.chain.commitBlock(one, commitFor(1, one.blockHash));
    await b.chain.commitBlock(one, commitFor(1, one.blockHash));
    const two = await a.chain.buildBlock(2, addr(val1));
    const bad = {
      appHash: tampered(two.block, (x) => ({
        ...x,
        header: { ...x.header, appHash: `0x${"11".repeat(32)}` },
      })),
      parent: tampered(two.block, (x) => ({
        ...x,
        header: { ...x.header, parentHash: `0x${"22".repeat(32)}` },
      })),
      "time from the future": tampered(two.block, (x) => ({
        ...x,
        header: { ...x.header, time: b.clock.now + 5_000 },
      })),
      "time not after parent": tampered(two.block, (x) => ({
        ...x,
        header: { ...x.header, time: one.block.header.time },
      })),
      "proposer outside the set": tampered(two.block, (x) => ({
        ...x,
        header: { ...x.header, proposer: addr(alice) },
      })),
      "chain id": tampered(two.block, (x) => ({ ...x, header: { ...x.header, chainId: CHAIN_ID + 1n } })),
    };
    for (const [rule, value] of Object.entries(bad)) {
      assert.equal(await b.chain.validateBlock(2, value), false, rule);
    }
    assert.equal(
      await b.chain.validateBlock(2, { ...two, blockHash: `0x${"33".repeat(32)}` }),
      false,
      "hash mismatch",
    );
    assert.equal(await b.chain.validateBlock(3, two), false, "wrong height");
    assert.equal(await b.chain.validateBlock(2, two), true, "the untampered block is still fine");
    const three = await a.chain.buildBlock(2, addr(val2));
    const lastCommitShort = tampered(three.block, (x) => ({
      ...x,
      lastCommit: commitFor(1, one.blockHash, [val1]),
    }));
    assert.equal(
      await a.chain.validateBlock(2, lastCommitShort),
      false,
      "a lastCommit short of 2/3 is refused",
    );
  });

  it("executes each block once per node: the execution made when building or validating is the one committed", async (t) => {
    const a = await openTestChain(t);
    const b = await openTestChain(t);
    const c = await openTestChain(t);
    const executions = { a: countExecutions(a.app), b: countExecutions(b.app), c: countExecutions(c.app) };
    const raw = await signTx(alice, {
      to: bob.address,
      value: ETHER,
      nonce: 0,
      maxFeePerGas: BASE_FEE,
      maxPriorityFeePerGas: 0n,
      gasLimit: 21_000n,
    });
    a.mempool.add(raw);
    const one = await a.chain.buildBlock(1, addr(val1));
    assert.equal(await b.chain.validateBlock(1, one), true);
    const c1 = commitFor(1, one.blockHash);
    await a.chain.commitBlock(one, c1);
    // The body may reach the commit as another object than the one validated: it is the same block.
    await b.chain.commitBlock(structuredClone(one), c1);
    // A node that never validated the block (block sync) executes it when it commits.
    await c.chain.applyCertified(one.block, c1);
    assert.deepEqual({ a: executions.a(), b: executions.b(), c: executions.c() }, { a: 1, b: 1, c: 1 });
    assert.equal(b.app.balance(addr(bob)), 1001n * ETHER);
    assert.equal(c.app.appHash(), b.app.appHash());

    // A body that does not match the validated header is refused even though its hash has an execution.
    a.clock.now += 1000;
    b.clock.now += 1000;
    const two = await a.chain.buildBlock(2, addr(val2));
    assert.equal(await b.chain.validateBlock(2, two), true);
    const swapped = { ...two, block: { ...two.block, txs: [raw] } };
    await assert.rejects(
      b.chain.commitBlock(swapped, commitFor(2, two.blockHash)),
      /does not match the body/,
    );
    assert.equal(b.chain.height, 1);
  });

  it("recovers each transaction's sender once per node, across checkTx, building, validating and committing", async (t) => {
    const recoveries = { a: countingRecovery(), b: countingRecovery(), c: countingRecovery() };
    const a = await openTestChain(t, { app: { recoverSigner: recoveries.a.recoverSigner } });
    const b = await openTestChain(t, { app: { recoverSigner: recoveries.b.recoverSigner } });
    const c = await openTestChain(t, { app: { recoverSigner: recoveries.c.recoverSigner } });
    const raw = await signTx(alice, {
      to: bob.address,
      value: ETHER,
      nonce: 0,
      maxFeePerGas: BASE_FEE,
      maxPriorityFeePerGas: 0n,
      gasLimit: 21_000n,
    });
    // a receives it over RPC and proposes it; b receives it by gossip; c only sees it in the block.
    a.mempool.add(raw);
    b.mempool.add(raw);
    const one = await a.chain.buildBlock(1, addr(val1));
    assert.equal(one.block.txs.length, 1);
    assert.equal(await b.chain.validateBlock(1, one), true);
    assert.equal(await c.chain.validateBlock(1, one), true);
    const c1 = commitFor(1, one.blockHash);
    for (const node of [a, b, c]) await node.chain.commitBlock(one, c1);
    // The gossip that reaches c after the block is refused without recovering the sender again.
    assert.throws(() => c.mempool.add(raw), /nonce too low/);
    assert.deepEqual(
      { a: recoveries.a.count(), b: recoveries.b.count(), c: recoveries.c.count() },
      { a: 1, b: 1, c: 1 },
    );
    assert.equal(c.app.balance(addr(bob)), 1001n * ETHER);
  });
});

describe("chain: the application it takes", () => {
  it("is the consensus-facing part alone, without the query view (a type error otherwise)", () => {
    const takes = (app: ConsensusApplication): ChainModules["app"] => app;
    assert.equal(typeof takes, "function");
  });
});

/** Counts the application's block executions (building included), so a test can see none is repeated. */
function countExecutions(app: Application): () => number {
  let count = 0;
  const executeBlock = app.executeBlock;
  const buildBlock = app.buildBlock;
  app.executeBlock = (...args) => {
    count++;
    return executeBlock(...args);
  };
  app.buildBlock = (...args) => {
    count++;
    return buildBlock(...args);
  };
  return () => count;
}
