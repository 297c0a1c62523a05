import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConsensusDriver, type DriverPorts, driverOptions } from "../../node/chain/consensusDriver.ts";
import { createEngine } from "../../node/consensus/engine.ts";
import type { ProposedBlock, TimeoutConfig } from "../../node/consensus/messages.ts";
import type { ValidatorSet } from "../../node/consensus/validatorSet.ts";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import { bytesToHex, keccak256 } from "../../node/crypto/index.ts";
import type { Commit, Proposal, Vote } from "../../node/types/shapes.ts";
import { errorMessage } from "../../node/util/errors.ts";
import { signProposal, signVote, testValidators, validatorSetOf } from "../helpers/validators.ts";

const CHAIN = 5n;
const TIMEOUTS: TimeoutConfig = {
  proposeMs: 200,
  proposeDeltaMs: 100,
  prevoteMs: 100,
  prevoteDeltaMs: 50,
  precommitMs: 100,
  precommitDeltaMs: 50,
  commitMs: 5,
};
type Block = { height: number; proposer: string };
const hashOf = (b: Block) => bytesToHex(keccak256(new TextEncoder().encode(JSON.stringify(b))));

/** The deadline only guards against a hang; `state` says where each node was if it fires. */
async function until(
  condition: () => boolean,
  what: string,
  state: () => string,
  deadlineMs = 60_000,
): Promise<void> {
  const start = process.hrtime.bigint();
  while (!condition()) {
    if (Number(process.hrtime.bigint() - start) / 1e6 > deadlineMs)
      throw new Error(`timed out waiting for ${what}: ${state()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Four drivers over an in-memory broadcast: the engine, driver and signing path together, with real timers. */
function cluster(opts: { silent?: number; failValidationAt?: number } = {}) {
  const vals = testValidators([10n, 10n, 10n, 10n]);
  const set = validatorSetOf(vals);
  const commits = vals.map(() => new Map<number, { hash: string; commit: Commit; block: Block }>());
  const signed = vals.map(() => [] as string[]);
  const drivers: ConsensusDriver<Block>[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const errors: string[] = [];
  let failed = false;
  const deliver = (from: number, fn: (d: ConsensusDriver<Block>) => void) => {
    drivers.forEach((d, i) => {
      if (i !== from && i !== opts.silent) setImmediate(() => fn(d));
    });
  };
  vals.forEach((v, i) => {
    const ports: DriverPorts<Block> = {
      signVote: async (vote) => {
        signed[i]?.push(`${vote.height}/${vote.round}/${vote.type}`);
        return signVote(CHAIN, v.key, vote);
      },
      signProposal: async (p) => signProposal(CHAIN, v.key, p),
      broadcastVote: (vote: Vote) => deliver(i, (d) => d.submit({ kind: "vote", vote })),
      broadcastProposal: (proposal: Proposal, block: Block) =>
        deliver(i, (d) => d.submit({ kind: "proposal", proposal, block })),
      buildBlock: async (height) => {
        const block = { height, proposer: v.address };
        return { blockHash: hashOf(block), block };
      },
      validateBlock: async (height, value: ProposedBlock<Block>) => {
        if (height === opts.failValidationAt && !failed) {
          failed = true;
          throw new Error("disk on fire");
        }
        return value.block.height === height && hashOf(value.block) === value.blockHash;
      },
      commitBlock: async (value, commit): Promise<ValidatorSet> => {
        commits[i]?.set(commit.height, { hash: value.blockHash, commit, block: value.block });
        return set;
      },
      recordWal: async () => {},
      reportEvidence: () => errors.push("unexpected evidence"),
      onError: (err, context) => errors.push(`${i}: ${context}: ${errorMessage(err)}`),
      setTimer: (ms, fire) => {
        const t = setTimeout(() => {
          timers.delete(t);
          fire();
        }, ms);
        timers.add(t);
        return () => {
          clearTimeout(t);
          timers.delete(t);
        };
      },
      now: () => performance.now(),
    };
    const engine = createEngine<Block>({
      chainId: CHAIN,
      self: v.address,
      timeouts: TIMEOUTS,
      verifier: secp256k1Verifier,
    });
    drivers.push(new ConsensusDriver(engine, ports, driverOptions(TIMEOUTS.commitMs)));
  });
  // What block sync does for a node that fell more than a height behind (gossip no longer carries that
  // height): hand it the decided block with its commit certificate.
  const sync = setInterval(() => {
    drivers.forEach((d, i) => {
      if (i === opts.silent) return;
      const next = (commits[i]?.size ?? 0) + 1;
      const decided = commits.find((m, j) => j !== i && m.has(next))?.get(next);
      if (decided) d.submit({ kind: "certificate", commit: decided.commit, block: decided.block });
    });
  }, 50);
  const stop = () => {
    clearInterval(sync);
    for (const d of drivers) d.stop();
    for (const t of timers) clearTimeout(t);
  };
  const state = () =>
    JSON.stringify({
      committed: commits.map((m) => m.size),
      errors: errors.slice(-5),
      signed: signed.map((l) => l.slice(-3)),
    });
  return { vals, set, drivers, commits, signed, errors, stop, state };
}

describe("consensus driver", () => {
  it("four drivers commit the same blocks, each signing every (height, round, type) once", async (t) => {
    const c = cluster();
    t.after(c.stop);
    for (const d of c.drivers) d.start(1, c.set);
    await until(() => c.commits.every((m) => m.size >= 10), "10 heights on every node", c.state);
    for (let h = 1; h <= 10; h++) {
      const hashes = new Set(c.commits.map((m) => m.get(h)?.hash));
      assert.equal(hashes.size, 1, `height ${h} agreed`);
    }
    for (const log of c.signed)
      assert.equal(new Set(log).size, log.length, "no (height, round, type) signed twice");
    assert.deepEqual(c.errors, []);
  });

  it("keeps committing with one of four validators silent", async (t) => {
    const c = cluster({ silent: 2 });
    t.after(c.stop);
    for (const d of c.drivers) d.start(1, c.set);
    await until(
      () => [0, 1, 3].every((i) => (c.commits[i]?.size ?? 0) >= 5),
      "5 heights on the live nodes",
      c.state,
    );
  });

  it("a validation that throws counts as invalid, is reported, and the chain goes on", async (t) => {
    const c = cluster({ failValidationAt: 2 });
    t.after(c.stop);
    for (const d of c.drivers) d.start(1, c.set);
    await until(() => c.commits.every((m) => m.size >= 4), "4 heights everywhere", c.state);
    assert.ok(c.errors.some((e) => /disk on fire/.test(e)));
  });
});
