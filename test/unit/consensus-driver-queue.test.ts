import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConsensusDriver, type DriverPorts, driverOptions } from "../../node/chain/consensusDriver.ts";
import { createEngine } from "../../node/consensus/engine.ts";
import {
  type ConsensusEngine,
  type EngineEvent,
  type MessageVerifier,
  Step,
  type TimeoutConfig,
} from "../../node/consensus/messages.ts";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import { VoteType } from "../../node/crypto/index.ts";
import { signVote, testValidators, validatorSetOf } from "../helpers/validators.ts";

/**
 * The driver's queue on a busy node: repeats of a peer message (gossip and catch-up deliver many) are dropped
 * before they cost a WAL write or a signature check, and the node's own events are not held behind a backlog of
 * peer messages. Without both, a node that falls behind asks its peers for everything again and again and its
 * rounds stop moving (seen on 4 validators on 2 loaded cores).
 */

const CHAIN = 5n;
const TIMEOUTS: TimeoutConfig = {
  proposeMs: 60_000,
  proposeDeltaMs: 0,
  prevoteMs: 60_000,
  prevoteDeltaMs: 0,
  precommitMs: 60_000,
  precommitDeltaMs: 0,
  commitMs: 0,
};
type Block = { height: number };

function ports(overrides: Partial<DriverPorts<Block>> = {}): DriverPorts<Block> {
  return {
    signVote: async () => {
      throw new Error("not a validator");
    },
    signProposal: async () => {
      throw new Error("not a validator");
    },
    broadcastVote: () => {},
    broadcastProposal: () => {},
    buildBlock: async () => {
      throw new Error("not a proposer");
    },
    validateBlock: async () => true,
    commitBlock: async () => {
      throw new Error("no commit expected");
    },
    recordWal: async () => {},
    reportEvidence: () => {},
    onError: (err) => {
      throw err;
    },
    setTimer: () => () => {},
    now: () => 0,
    ...overrides,
  };
}

describe("consensus driver queue", () => {
  it("records and verifies a vote once however often peers deliver it", async () => {
    const vals = testValidators([10n, 10n, 10n, 10n]);
    let verifications = 0;
    const counting: MessageVerifier = {
      voteSigner: (chainId, vote) => {
        verifications++;
        return secp256k1Verifier.voteSigner(chainId, vote);
      },
      proposalSigner: (chainId, proposal) => secp256k1Verifier.proposalSigner(chainId, proposal),
    };
    const engine = createEngine<Block>({
      chainId: CHAIN,
      self: null,
      timeouts: TIMEOUTS,
      verifier: counting,
    });
    let recorded = 0;
    const driver = new ConsensusDriver<Block>(
      engine,
      ports({
        recordWal: async (event) => {
          if (event.kind === "vote") recorded++;
        },
      }),
      driverOptions(0),
    );
    driver.start(1, validatorSetOf(vals));
    await driver.idle();
    const [a, b] = vals;
    assert.ok(a && b);
    const prevote = (key: `0x${string}`) =>
      signVote(CHAIN, key, {
        height: 1,
        round: 0,
        type: VoteType.Prevote,
        blockHash: null,
        validator: vals.find((v) => v.key === key)?.address ?? "0x",
      });
    const voteA = prevote(a.key);
    const voteB = prevote(b.key);
    // Many repeats while queued, and more after the engine has the vote.
    for (let i = 0; i < 50; i++) driver.submit({ kind: "vote", vote: voteA });
    driver.submit({ kind: "vote", vote: voteB });
    await driver.idle();
    for (let i = 0; i < 50; i++) driver.submit({ kind: "vote", vote: { ...voteA } });
    await driver.idle();
    assert.equal(recorded, 2);
    assert.equal(verifications, 2);
    // A stale height is known too: nothing is recorded for it.
    driver.submit({ kind: "vote", vote: { ...voteB, height: 0 } });
    await driver.idle();
    assert.equal(recorded, 2);
    driver.stop();
  });

  it("handles the node's own events before a backlog of peer messages", async () => {
    const handled: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fake: ConsensusEngine<Block> = {
      height: 1,
      round: 0,
      step: Step.Propose,
      handle(event: EngineEvent<Block>) {
        handled.push(event.kind === "vote" ? `vote${event.vote.round}` : event.kind);
        return [];
      },
      knows: () => false,
      catchUp: () => ({ height: 1, round: 0, proposals: [], votes: [] }),
    };
    const driver = new ConsensusDriver<Block>(
      fake,
      ports({
        // The first recorded event blocks the driver, as a slow disk would, while input keeps arriving.
        recordWal: () => gate,
      }),
      driverOptions(0),
    );
    const vote = (round: number): EngineEvent<Block> => ({
      kind: "vote",
      vote: {
        height: 1,
        round,
        type: VoteType.Prevote,
        blockHash: null,
        validator: "0x0000000000000000000000000000000000000001",
        signature: `0x${"11".repeat(65)}`,
      },
    });
    for (let round = 0; round < 100; round++) driver.submit(vote(round));
    driver.submit({ kind: "timeout", height: 1, round: 0, step: Step.Propose });
    assert.equal(driver.backlog, 99);
    release();
    await driver.idle();
    assert.equal(handled.length, 101);
    assert.deepEqual(handled.slice(0, 3), ["vote0", "timeout", "vote1"]);
    assert.equal(driver.backlog, 0);
    driver.stop();
  });
});
