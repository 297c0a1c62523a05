import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConsensusService } from "../../node/chain/consensusService.ts";
import { FullNodeCannotSignError, ValidatorSigner } from "../../node/chain/validatorSigner.ts";
import { decodeTimeout, encodeTimeout, recordWal, replayWal } from "../../node/chain/walRecords.ts";
import { Step } from "../../node/consensus/messages.ts";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import { type Hex, VoteType } from "../../node/crypto/index.ts";
import {
  SignStateStore,
  SignStep,
  Wal,
  type WalEntry,
  WalKind,
  type WalRecord,
} from "../../node/storage/index.ts";
import { decodeVote } from "../../node/types/index.ts";
import { decodeCatchUpItem, decodeProposalMessage } from "../../node/types/wireMessages.ts";
import { silentLogger } from "../../node/util/logger.ts";
import { addr, CHAIN_ID, val1 } from "../helpers/appFixture.ts";
import { openTestChain } from "../helpers/chainFixture.ts";

const KEY = val1.privateKey as Hex;
const TIMEOUTS = {
  proposeMs: 1_000,
  proposeDeltaMs: 100,
  prevoteMs: 1_000,
  prevoteDeltaMs: 100,
  precommitMs: 1_000,
  precommitDeltaMs: 100,
  commitMs: 0,
};

/** A WAL in memory, in the order of appends; `garbage` adds an unreadable record. */
class MemoryWal {
  readonly records: WalRecord[] = [];
  async append(height: number, entry: WalEntry): Promise<number> {
    const seq = this.records.length;
    this.records.push({ height, seq, ...entry });
    return seq;
  }
  async replay(height: number): Promise<WalRecord[]> {
    return this.records.filter((r) => r.height === height);
  }
}

function recordingLogger() {
  const warnings: string[] = [];
  return {
    logger: { ...silentLogger, warn: (_o: object, msg?: string) => void warnings.push(msg ?? "") },
    warnings,
  };
}

/** Polls until the probe answers something other than false or undefined, and returns that. */
async function until<T>(probe: () => T | false | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== false && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("ValidatorSigner", () => {
  it("signs votes and proposals through the sign-state with the right step, recoverable to the key", async () => {
    const requests: { step: SignStep; height: number }[] = [];
    const signState = {
      sign: async (
        req: { step: SignStep; height: number; digest: Uint8Array },
        sign: (d: Uint8Array) => Hex,
      ) => {
        requests.push({ step: req.step, height: req.height });
        return sign(req.digest);
      },
    } as Pick<SignStateStore, "sign">;
    const signer = new ValidatorSigner({ chainId: CHAIN_ID, key: KEY }, { signState });
    const blockHash = `0x${"ab".repeat(32)}` as Hex;
    const vote = await signer.signVote({
      type: VoteType.Precommit,
      height: 3,
      round: 1,
      blockHash,
      validator: addr(val1),
    });
    assert.equal(secp256k1Verifier.voteSigner(CHAIN_ID, vote), addr(val1));
    const proposal = await signer.signProposal({
      height: 3,
      round: 1,
      blockHash,
      polRound: -1,
      proposer: addr(val1),
    });
    assert.equal(secp256k1Verifier.proposalSigner(CHAIN_ID, proposal), addr(val1));
    assert.deepEqual(requests, [
      { step: SignStep.Precommit, height: 3 },
      { step: SignStep.Propose, height: 3 },
    ]);
  });

  it("refuses to sign on a full node", async () => {
    const signState = { sign: async () => assert.fail("must not reach the sign-state") } as Pick<
      SignStateStore,
      "sign"
    >;
    const signer = new ValidatorSigner({ chainId: CHAIN_ID, key: null }, { signState });
    await assert.rejects(
      signer.signVote({
        type: VoteType.Prevote,
        height: 1,
        round: 0,
        blockHash: null,
        validator: addr(val1),
      }),
      FullNodeCannotSignError,
    );
  });
});

describe("WAL records", () => {
  it("encodes and decodes timeouts, and rejects an unknown step", () => {
    const t = { height: 9, round: 2, step: Step.Prevote } as const;
    assert.deepEqual(decodeTimeout(encodeTimeout(t)), t);
    assert.throws(() => decodeTimeout(encodeTimeout({ ...t, step: "commit" as typeof t.step })));
  });

  it("replays what was recorded, in order, skipping an unreadable entry with a warning", async () => {
    const wal = new MemoryWal();
    await recordWal(wal, { kind: "timeout", height: 5, round: 0, step: Step.Propose });
    await wal.append(5, { kind: WalKind.Vote, data: new Uint8Array([1, 2, 3]) });
    await recordWal(wal, { kind: "timeout", height: 5, round: 1, step: Step.Precommit });
    await recordWal(wal, { kind: "timeout", height: 6, round: 0, step: Step.Propose });
    const { logger, warnings } = recordingLogger();
    const events = await replayWal(wal, 5, logger);
    assert.deepEqual(events, [
      { kind: "timeout", height: 5, round: 0, step: Step.Propose },
      { kind: "timeout", height: 5, round: 1, step: Step.Precommit },
    ]);
    assert.deepEqual(warnings, ["skipping unreadable WAL entry"]);
  });
});

describe("ConsensusService", () => {
  it("as the only validator, proposes, votes, records and commits height 1, and serves catch-up", async (t) => {
    const fx = await openTestChain(t, {
      genesis: { validators: [{ address: addr(val1), stake: 10n ** 19n }] },
    });
    const wal = new MemoryWal();
    const published = { votes: [] as Uint8Array[], proposals: [] as Uint8Array[] };
    const consensus = new ConsensusService(
      { chainId: CHAIN_ID, timeouts: TIMEOUTS, validatorKey: KEY },
      {
        chain: fx.chain,
        verifier: secp256k1Verifier,
        signState: await SignStateStore.open({ db: fx.db }),
        wal,
        publishVote: (data) => published.votes.push(data),
        publishProposal: (data) => published.proposals.push(data),
        reportEvidence: () => {},
        logger: silentLogger,
      },
    );
    t.after(() => consensus.stop());
    assert.equal(consensus.self, addr(val1));
    await consensus.start();
    await until(() => fx.chain.height >= 1);
    const proposal = decodeProposalMessage(published.proposals[0] as Uint8Array);
    assert.equal(proposal.proposal.height, 1);
    assert.equal(proposal.proposal.proposer, addr(val1));
    const votes = published.votes.map(decodeVote).filter((v) => v.height === 1);
    assert.deepEqual(
      votes.map((v) => v.type),
      [VoteType.Prevote, VoteType.Precommit],
    );
    assert.ok(wal.records.some((r) => r.height === 1 && r.kind === WalKind.Proposal));

    // A lone validator with no commit timeout moves on every few milliseconds, so what is served is read in the
    // same turn as the height it is served at.
    const { height, current, previous } = await until(() => {
      const height = consensus.height;
      const current = consensus.catchUpItems(height);
      return (
        height >= 2 && current.length > 0 && { height, current, previous: consensus.catchUpItems(height - 1) }
      );
    });
    assert.deepEqual(previous, [], "only the current height is served");
    const item = decodeCatchUpItem(current[0] as Uint8Array);
    assert.equal(item.kind === "proposal" ? item.proposal.height : item.vote.height, height);
  });

  it("judges gossip relevant only for the next two heights and the current set's members", async (t) => {
    const fx = await openTestChain(t);
    const consensus = new ConsensusService(
      { chainId: CHAIN_ID, timeouts: TIMEOUTS, validatorKey: null },
      {
        chain: fx.chain,
        verifier: secp256k1Verifier,
        signState: await SignStateStore.open({ db: fx.db }),
        wal: await Wal.open({ db: fx.db }),
        publishVote: () => assert.fail("a full node publishes no votes"),
        publishProposal: () => assert.fail("a full node publishes no proposals"),
        reportEvidence: () => {},
        logger: silentLogger,
      },
    );
    assert.equal(consensus.self, null);
    assert.equal(consensus.relevant(1, addr(val1)), true);
    assert.equal(consensus.relevant(2, addr(val1)), true);
    assert.equal(consensus.relevant(3, addr(val1)), false, "too far ahead");
    assert.equal(consensus.relevant(0, addr(val1)), false, "already decided");
    assert.equal(consensus.relevant(1, `0x${"11".repeat(20)}` as Hex), false, "not a validator");
  });
});
