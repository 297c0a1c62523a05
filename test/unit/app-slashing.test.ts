import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Wallet } from "ethers";
import {
  AppError,
  type AppGenesis,
  type Application,
  type BlockContext,
  COMMUNITY_POOL_ADDRESS,
  createApplication,
  DEFAULT_EVIDENCE_MAX_AGE_HEIGHTS,
  DEFAULT_SLASHING_PARAMS,
  type ExecutionResult,
  KEY_PREFIX,
  openApplication,
  STAKING_ADDRESS,
  stakingInterface,
  validateAppGenesis,
} from "../../node/app/index.ts";
import { MAX_WINDOW_BUCKETS, maxMissed, missedInWindow, withMiss } from "../../node/app/signingWindow.ts";
import { EMPTY_SIGNING_INFO, type SigningInfo } from "../../node/app/state.ts";
import { TABLE_CODECS } from "../../node/app/stateCodec.ts";
import { parseGenesis } from "../../node/config/genesis.ts";
import { type Address, encodeRlpItem, type Hex } from "../../node/crypto/index.ts";
import { addr, ETHER, PROPOSER, signTx, testGenesis, val1, val2 } from "../helpers/appFixture.ts";
import { MemoryStateStore } from "../helpers/memoryStateStore.ts";

const V1 = addr(val1);
const V2 = addr(val2);
const data = (fn: string, args: unknown[] = []) => stakingInterface.encodeFunctionData(fn, args) as Hex;

type Extras = Pick<BlockContext, "lastCommitVotes" | "misbehaviour">;

function ctxOf(app: Application, extras: Extras = {}): BlockContext {
  return { height: app.height() + 1, time: 1_700_000_000_000 + app.height(), proposer: PROPOSER, ...extras };
}

/** Executes and commits the next block with its lastCommit votes and misbehaviour. */
async function run(app: Application, extras: Extras = {}, txs: Uint8Array[] = []): Promise<ExecutionResult> {
  const result = await app.executeBlock(ctxOf(app, extras), txs);
  app.commit(result);
  return result;
}

/** Every validator of the set signed, except `missing`. */
function votes(app: Application, missing: Address[] = []): Extras {
  if (app.height() === 0) return {};
  return {
    lastCommitVotes: app
      .validatorSet()
      .map((v) => ({ address: v.address, signed: !missing.includes(v.address) })),
  };
}

async function runUntilHeight(app: Application, height: number, missing: Address[] = []): Promise<void> {
  while (app.height() < height) await run(app, votes(app, missing));
}

function slashingApp(overrides: Partial<AppGenesis> = {}): Application {
  return createApplication(testGenesis(overrides), null);
}

/** A staking transaction with the sender's committed nonce plus `later` (its earlier ones in the same block). */
async function stakingTx(
  app: Application,
  w: Wallet,
  fn: string,
  args: unknown[] = [],
  later = 0,
): Promise<Uint8Array> {
  const nonce = Number(app.nonce(addr(w))) + later;
  return signTx(w, { to: STAKING_ADDRESS, data: data(fn, args), nonce });
}

const signingWrites = (r: ExecutionResult) =>
  r.stateWrites.filter(([key]) => key[0] === KEY_PREFIX.signingInfo);

function isInvalidBlock(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof AppError, `expected AppError, got ${String(err)}`);
    assert.equal(err.code, "invalid-block", err.message);
    assert.match(err.message, pattern);
    return true;
  };
}

describe("app: slashing parameters at genesis", () => {
  it("defaults apply when the genesis leaves them out", () => {
    const params = validateAppGenesis(testGenesis());
    assert.deepEqual(params.slashing, {
      doubleSignSlashPpm: 50_000,
      downtimeSlashPpm: 100,
      signedBlocksWindow: 10_000,
      minSignedPpm: 50_000,
      jailHeights: 600,
    });
    assert.deepEqual(params.slashing, DEFAULT_SLASHING_PARAMS);
    assert.equal(params.evidenceMaxAgeHeights, 100_000);
    assert.equal(params.evidenceMaxAgeHeights, DEFAULT_EVIDENCE_MAX_AGE_HEIGHTS);
    const partial = validateAppGenesis(testGenesis({ slashing: { jailHeights: 7 } }));
    assert.deepEqual(partial.slashing, { ...DEFAULT_SLASHING_PARAMS, jailHeights: 7 });
  });

  it("refuses values out of range with the field's name", () => {
    const invalid = (g: Partial<AppGenesis>, pattern: RegExp) =>
      assert.throws(
        () => validateAppGenesis(testGenesis(g)),
        (err: unknown) =>
          err instanceof AppError && err.code === "invalid-genesis" && pattern.test(err.message),
      );
    invalid(
      { slashing: { doubleSignSlashPpm: 1_000_001 } },
      /slashing\.doubleSignSlashPpm must be an integer in 0\.\.1000000/,
    );
    invalid({ slashing: { downtimeSlashPpm: -1 } }, /slashing\.downtimeSlashPpm/);
    invalid({ slashing: { minSignedPpm: 0.5 } }, /slashing\.minSignedPpm/);
    invalid(
      { slashing: { signedBlocksWindow: 0 } },
      /slashing\.signedBlocksWindow must be an integer in 1\.\./,
    );
    invalid({ slashing: { jailHeights: -1 } }, /slashing\.jailHeights/);
    invalid({ evidenceMaxAgeHeights: 0 }, /evidenceMaxAgeHeights must be an integer >= 1/);
  });

  it("the genesis file takes them optionally and checks them with their JSON path", () => {
    const file = {
      chainId: "7",
      genesisTime: 0,
      epochLength: 4,
      unbondingEpochs: 1,
      minGasPrice: "1",
      maxClockDriftMs: 1000,
      timeouts: {
        proposeMs: 1,
        proposeDeltaMs: 0,
        prevoteMs: 1,
        prevoteDeltaMs: 0,
        precommitMs: 1,
        precommitDeltaMs: 0,
        commitMs: 0,
      },
      validators: [{ address: V1, stake: ETHER.toString() }],
      alloc: [],
      nativeTokens: [],
      l1: null,
    };
    assert.equal(parseGenesis(file).slashing, undefined);
    const set = parseGenesis({ ...file, slashing: { signedBlocksWindow: 10 }, evidenceMaxAgeHeights: 5 });
    assert.deepEqual([set.slashing, set.evidenceMaxAgeHeights], [{ signedBlocksWindow: 10 }, 5]);
    assert.throws(
      () => parseGenesis({ ...file, slashing: { doubleSignSlashPpm: 2_000_000 } }),
      /slashing\.doubleSignSlashPpm/,
    );
    assert.throws(
      () => parseGenesis({ ...file, slashing: { signedBlocksWindow: 0 } }),
      /slashing\.signedBlocksWindow/,
    );
    assert.throws(() => parseGenesis({ ...file, slashing: { burn: 1 } }), /slashing/);
    assert.throws(() => parseGenesis({ ...file, evidenceMaxAgeHeights: 0 }), /evidenceMaxAgeHeights/);
  });
});

describe("app: double-sign punishment (epochLength 4, unbondingEpochs 1)", () => {
  it("slashes exactly doubleSignSlashPpm of the stake into the community pool, the supply unchanged", async () => {
    const stake = 10n * ETHER + 7n;
    const app = slashingApp({
      validators: [
        { address: V1, stake },
        { address: V2, stake: 10n * ETHER },
      ],
      slashing: { doubleSignSlashPpm: 123_457 },
    });
    const supply = await app.nativeSupply();
    const locked = app.balance(STAKING_ADDRESS);
    await run(app);
    await run(app, { ...votes(app), misbehaviour: [{ validator: V1, height: 1 }] });
    const cut = (stake * 123_457n) / 1_000_000n;
    assert.equal(app.stakeOf(V1), stake - cut);
    assert.equal(app.balance(STAKING_ADDRESS), locked - cut, "the staking contract no longer holds it");
    assert.equal(app.balance(COMMUNITY_POOL_ADDRESS), cut);
    assert.equal(await app.nativeSupply(), supply);
    assert.deepEqual(app.signingInfo(V1), {
      jailed: true,
      jailedUntil: 2 + 600,
      slashed: cut,
      missedInWindow: 0,
      punishedThrough: 4,
    });
    assert.equal(app.stakeOf(V2), 10n * ETHER, "the other validator is untouched");
  });

  it("slashes only the unbonding that started at or after the infraction's epoch", async () => {
    const app = slashingApp();
    const supply = await app.nativeSupply();
    await run(app, {}, [await stakingTx(app, val1, "unstake", [2n * ETHER])]); // epoch 1: releases in epoch 3
    await runUntilHeight(app, 4);
    await run(app, votes(app), [await stakingTx(app, val1, "unstake", [3n * ETHER])]); // height 5, epoch 2: release 4
    await runUntilHeight(app, 6);
    // A double sign at height 6 (epoch 2): the epoch-1 unstake predates it and keeps its whole amount.
    await run(app, { ...votes(app), misbehaviour: [{ validator: V1, height: 6 }] });
    const taken = (5n * ETHER) / 20n + (3n * ETHER) / 20n;
    assert.equal(app.stakeOf(V1), 5n * ETHER - (5n * ETHER) / 20n);
    assert.deepEqual(app.unbondingOf(V1), {
      pending: 2n * ETHER + 3n * ETHER - (3n * ETHER) / 20n,
      withdrawable: 0n,
    });
    assert.equal(app.signingInfo(V1).slashed, taken);
    assert.equal(app.balance(COMMUNITY_POOL_ADDRESS), taken);
    assert.equal(await app.nativeSupply(), supply);
  });

  it("a double sign in an earlier epoch slashes both unbonding entries", async () => {
    const app = slashingApp();
    await run(app, {}, [await stakingTx(app, val1, "unstake", [2n * ETHER])]);
    await runUntilHeight(app, 4);
    await run(app, votes(app), [await stakingTx(app, val1, "unstake", [3n * ETHER])]);
    await run(app, { ...votes(app), misbehaviour: [{ validator: V1, height: 1 }] });
    assert.deepEqual(app.unbondingOf(V1), {
      pending: 2n * ETHER - (2n * ETHER) / 20n + 3n * ETHER - (3n * ETHER) / 20n,
      withdrawable: 0n,
    });
  });

  it("the jailed validator leaves at the epoch's end, not before, and unjails after its jail period", async () => {
    const app = slashingApp({ slashing: { jailHeights: 5 } });
    await run(app);
    const r2 = await run(app, { ...votes(app), misbehaviour: [{ validator: V1, height: 1 }] });
    assert.equal(r2.validatorUpdates, null);
    assert.equal(app.validatorSet().length, 2, "still in the set inside the epoch");
    await run(app, votes(app));
    assert.equal(app.validatorSet().length, 2);
    const r4 = await run(app, votes(app));
    assert.deepEqual(r4.validatorUpdates, [{ address: V1, power: 0n }]);
    assert.deepEqual(app.validatorSet(), [{ address: V2, power: 10n }]);

    // Jailed at height 2 for 5 heights: unjail is refused in blocks up to 6, accepted from 7.
    await run(app, votes(app));
    const early = await run(app, votes(app), [await stakingTx(app, val1, "unjail")]);
    assert.equal(app.height(), 6);
    assert.equal(early.receipts[0]?.status, 0);
    assert.match(early.txResults[0]?.error ?? "", /still jailed until height 7/);
    const notJailed = await run(app, votes(app), [
      await stakingTx(app, val1, "unjail"),
      await stakingTx(app, val2, "unjail"),
    ]);
    assert.equal(app.height(), 7);
    assert.deepEqual(
      notJailed.receipts.map((r) => r.status),
      [1, 0],
    );
    assert.match(notJailed.txResults[1]?.error ?? "", /not jailed/);
    const log = stakingInterface.parseLog(
      notJailed.receipts[0]?.logs[0] as { topics: string[]; data: string },
    );
    assert.deepEqual([log?.name, log?.args.validator.toLowerCase()], ["Unjailed", V1]);
    assert.equal(app.signingInfo(V1).jailed, false);
    assert.equal(app.validatorSet().length, 1, "back only at the epoch's end");
    const r8 = await run(app, votes(app));
    assert.deepEqual(r8.validatorUpdates, [{ address: V1, power: 9n }]);
  });

  it("unjail is refused while the stake is below the minimum", async () => {
    const app = slashingApp({
      validators: [
        { address: V1, stake: ETHER },
        { address: V2, stake: 10n * ETHER },
      ],
      slashing: { jailHeights: 0 },
    });
    await run(app);
    await run(app, { ...votes(app), misbehaviour: [{ validator: V1, height: 1 }] });
    const r = await run(app, votes(app), [await stakingTx(app, val1, "unjail")]);
    assert.equal(r.receipts[0]?.status, 0);
    assert.match(r.txResults[0]?.error ?? "", /stake below the minimum/);
    const topped = await run(app, votes(app), [
      await stakingTx(app, val1, "stake", [ETHER]),
      await stakingTx(app, val1, "unjail", [], 1),
    ]);
    assert.deepEqual(
      topped.receipts.map((x) => x.status),
      [1, 1],
    );
  });

  it("signingInfo answers through eth_call", async () => {
    const app = slashingApp();
    await run(app);
    await run(app, { ...votes(app), misbehaviour: [{ validator: V1, height: 1 }] });
    const out = await app.call({ to: STAKING_ADDRESS, data: data("signingInfo", [V1]) });
    const [jailed, jailedUntil, slashed, missed] = stakingInterface.decodeFunctionResult("signingInfo", out);
    assert.deepEqual([jailed, jailedUntil, slashed, missed], [true, 602n, ETHER / 2n, 0n]);
  });

  it("never jails the last validator that would stay in the set; the slash still applies", async () => {
    const single = slashingApp({ validators: [{ address: V1, stake: 10n * ETHER }] });
    await run(single);
    await run(single, { ...votes(single), misbehaviour: [{ validator: V1, height: 1 }] });
    assert.equal(single.signingInfo(V1).jailed, false);
    assert.equal(single.stakeOf(V1), 10n * ETHER - ETHER / 2n);
    await runUntilHeight(single, 4);
    assert.deepEqual(single.validatorSet(), [{ address: V1, power: 9n }]);

    // With the other validator jailed, the remaining one is the last.
    const pair = slashingApp();
    await run(pair);
    await run(pair, { ...votes(pair), misbehaviour: [{ validator: V2, height: 1 }] });
    await run(pair, { ...votes(pair), misbehaviour: [{ validator: V1, height: 2 }] });
    assert.deepEqual([pair.signingInfo(V2).jailed, pair.signingInfo(V1).jailed], [true, false]);
    assert.equal(pair.signingInfo(V1).slashed, ETHER / 2n);
    await runUntilHeight(pair, 4);
    assert.deepEqual(pair.validatorSet(), [{ address: V1, power: 9n }]);
  });

  it("with the other validator jailed, the last one cannot unstake everything", async () => {
    const app = slashingApp();
    await run(app);
    await run(app, { ...votes(app), misbehaviour: [{ validator: V2, height: 1 }] });
    const r = await run(app, votes(app), [await stakingTx(app, val1, "unstake", [10n * ETHER])]);
    assert.equal(r.receipts[0]?.status, 0);
    assert.match(r.txResults[0]?.error ?? "", /last validator/);
  });
});

describe("app: evidenceProblem and invalid misbehaviour", () => {
  it("names evidence too old, not earlier than the block, or already punished", async () => {
    const app = slashingApp({ evidenceMaxAgeHeights: 3 });
    await runUntilHeight(app, 4);
    assert.equal(app.evidenceProblem(V1, 2, 5), null);
    assert.match(app.evidenceProblem(V1, 1, 5) ?? "", /too old for block 5 \(max age 3 heights\)/);
    assert.match(app.evidenceProblem(V1, 5, 5) ?? "", /not an earlier height/);
    assert.match(app.evidenceProblem(V1, 0, 5) ?? "", /not a block height/);

    await run(app, { ...votes(app), misbehaviour: [{ validator: V1, height: 3 }] });
    // Punished in block 5 of epoch 2 (heights 5-8): every double sign up to 8 is covered.
    assert.equal(app.signingInfo(V1).punishedThrough, 8);
    assert.match(app.evidenceProblem(V1, 4, 6) ?? "", /already punished for double signs up to height 8/);
    assert.equal(app.evidenceProblem(V2, 4, 6), null);
    await runUntilHeight(app, 9);
    assert.match(app.evidenceProblem(V1, 8, 10) ?? "", /already punished/);
    assert.equal(app.evidenceProblem(V1, 9, 10), null);
  });

  it("a block with misbehaviour the app refuses, or one listed twice, is invalid (execute and build)", async () => {
    const app = slashingApp({ evidenceMaxAgeHeights: 2 });
    await runUntilHeight(app, 4);
    await assert.rejects(
      app.executeBlock(ctxOf(app, { misbehaviour: [{ validator: V1, height: 1 }] }), []),
      isInvalidBlock(/invalid block 5: misbehaviour 0: .*too old/),
    );
    await assert.rejects(
      app.buildBlock(ctxOf(app, { misbehaviour: [{ validator: V1, height: 1 }] }), []),
      isInvalidBlock(/too old/),
    );
    await assert.rejects(
      app.executeBlock(
        ctxOf(app, {
          misbehaviour: [
            { validator: V1, height: 3 },
            { validator: V1, height: 4 },
          ],
        }),
        [],
      ),
      isInvalidBlock(/misbehaviour 1: validator .* is punished twice in this block/),
    );
    await assert.rejects(
      app.executeBlock(
        ctxOf(app, {
          lastCommitVotes: [
            { address: V1, signed: true },
            { address: V1, signed: false },
          ],
        }),
        [],
      ),
      isInvalidBlock(/appears twice in the last commit's votes/),
    );
    assert.equal(app.height(), 4, "nothing committed");
    const built = await app.buildBlock(ctxOf(app, { misbehaviour: [{ validator: V1, height: 3 }] }), []);
    app.commit(built.result);
    assert.equal(app.signingInfo(V1).jailed, true);
    await assert.rejects(
      app.executeBlock(ctxOf(app, { misbehaviour: [{ validator: V1, height: 4 }] }), []),
      isInvalidBlock(/already punished/),
    );
  });
});

describe("app: downtime (window 10, minSigned 50%: the 6th miss in the window jails)", () => {
  const downtime = {
    signedBlocksWindow: 10,
    minSignedPpm: 500_000,
    downtimeSlashPpm: 10_000,
    jailHeights: 3,
  };

  it("allows window - ceil(window * minSigned) misses", () => {
    assert.equal(maxMissed(10, 500_000), 5);
    assert.equal(maxMissed(10_000, 50_000), 9_500);
    assert.equal(maxMissed(3, 500_000), 1);
    assert.equal(maxMissed(7, 0), 7);
    assert.equal(maxMissed(7, 1_000_000), 0);
  });

  it("jails exactly when the misses exceed the allowance; signing writes nothing", async () => {
    const app = slashingApp({ slashing: downtime, epochLength: 100 });
    const supply = await app.nativeSupply();
    await run(app);
    const signed = await run(app, votes(app));
    assert.deepEqual(signingWrites(signed), [], "a block everyone signed writes no signing info");
    for (let i = 1; i <= 5; i++) {
      const r = await run(app, votes(app, [V1]));
      assert.equal(signingWrites(r).length, 1, "a miss writes one record");
      assert.ok((signingWrites(r)[0]?.[1]?.length ?? 0) < 1024);
      assert.equal(app.signingInfo(V1).missedInWindow, i);
      assert.equal(app.signingInfo(V1).jailed, false);
    }
    assert.equal(app.stakeOf(V1), 10n * ETHER);
    const jailing = await run(app, votes(app, [V1]));
    const jailedAt = app.height();
    assert.deepEqual(app.signingInfo(V1), {
      jailed: true,
      jailedUntil: jailedAt + 3,
      slashed: ETHER / 10n,
      missedInWindow: 0,
      punishedThrough: 0,
    });
    assert.equal(app.stakeOf(V1), 10n * ETHER - ETHER / 10n);
    assert.equal(app.balance(COMMUNITY_POOL_ADDRESS), ETHER / 10n);
    assert.equal(await app.nativeSupply(), supply);
    assert.equal(signingWrites(jailing).length, 1);

    // Jailed, its misses are not counted and write nothing.
    for (let i = 0; i < 8; i++) {
      const r = await run(app, votes(app, [V1]));
      assert.deepEqual(signingWrites(r), []);
    }
    assert.equal(app.signingInfo(V1).missedInWindow, 0);
    assert.equal(app.stakeOf(V1), 10n * ETHER - ETHER / 10n, "no second slash while jailed");
  });

  it("counts a sliding window: misses older than the window drop out", async () => {
    const app = slashingApp({ slashing: downtime, epochLength: 100 });
    await run(app);
    for (let i = 0; i < 5; i++) await run(app, votes(app, [V1])); // misses at heights 1-5
    for (let i = 0; i < 5; i++) await run(app, votes(app)); // signed 6-10
    assert.equal(app.signingInfo(V1).missedInWindow, 5, "window 1-10");
    await run(app, votes(app, [V1])); // height 11 missed: the window is 2-11, with 4 + 1 misses
    assert.equal(app.signingInfo(V1).missedInWindow, 5);
    assert.equal(app.signingInfo(V1).jailed, false);
    await run(app, votes(app, [V1])); // height 12: window 3-12 has 3 + 2
    assert.equal(app.signingInfo(V1).missedInWindow, 5);
    assert.equal(app.signingInfo(V1).jailed, false);
    for (let i = 0; i < 3; i++) await run(app, votes(app, [V1])); // 13-15: window 6-15 has 0 + 5
    assert.equal(app.signingInfo(V1).jailed, false);
    await run(app, votes(app, [V1])); // 16: the 6th miss in 7-16
    assert.equal(app.signingInfo(V1).jailed, true);
  });

  it("a large window counts in at most 100 buckets, its record bounded", () => {
    const window = 10_000_000;
    let info: SigningInfo = EMPTY_SIGNING_INFO;
    // A miss at the end of every bucket (100,000 heights each) for two windows, plus full buckets.
    for (let b = 0; b < 2 * MAX_WINDOW_BUCKETS; b++) info = withMiss(info, (b + 1) * 100_000, window);
    assert.ok(info.missedBuckets.length <= MAX_WINDOW_BUCKETS);
    assert.equal(missedInWindow(info, 200 * 100_000, window), 100);
    info = { ...info, missedBuckets: info.missedBuckets.map(() => 100_000), slashed: 10n ** 30n };
    const bytes = encodeRlpItem(TABLE_CODECS.signingInfos.encode(info));
    assert.ok(bytes.length < 1024, `${bytes.length} bytes`);
    // Exact for a window of at most 100 heights: one bucket per height.
    let small: SigningInfo = EMPTY_SIGNING_INFO;
    for (const h of [1, 2, 50, 100]) small = withMiss(small, h, 100);
    assert.equal(missedInWindow(small, 100, 100), 4);
    assert.equal(missedInWindow(small, 101, 100), 3);
    assert.equal(missedInWindow(small, 150, 100), 1);
  });
});

describe("app: slashing state in the store", () => {
  it("memory and stored apps reach the same appHashes and signing infos, which survive a restart", async () => {
    const genesis = testGenesis({
      slashing: { signedBlocksWindow: 10, minSignedPpm: 500_000, jailHeights: 2 },
    });
    const memory = createApplication(genesis, null);
    const store = new MemoryStateStore();
    const stored = await openApplication(genesis, store, { cacheEntries: 2 });
    store.apply(stored.snapshotWrites());
    const plan: Extras[] = [
      {},
      {
        lastCommitVotes: [
          { address: V1, signed: false },
          { address: V2, signed: true },
        ],
      },
      {
        lastCommitVotes: [
          { address: V1, signed: true },
          { address: V2, signed: false },
        ],
        misbehaviour: [{ validator: V1, height: 1 }],
      },
      ...Array.from({ length: 8 }, () => ({
        lastCommitVotes: [
          { address: V1, signed: false },
          { address: V2, signed: false },
        ],
      })),
    ];
    for (const extras of plan) {
      const a = await memory.executeBlock(ctxOf(memory, extras), []);
      memory.commit(a);
      const b = await stored.executeBlock(ctxOf(stored, extras), []);
      store.apply(b.stateWrites);
      stored.commit(b);
      assert.equal(b.appHash, a.appHash, `height ${a.height}`);
    }
    assert.deepEqual(stored.signingInfo(V1), memory.signingInfo(V1));
    assert.deepEqual(stored.signingInfo(V2), memory.signingInfo(V2));
    assert.equal(memory.signingInfo(V1).jailed, true);
    // V2, the last validator not jailed, missed heights 2-10: slashed at its 6th miss (height 7), never jailed.
    assert.deepEqual(
      [memory.signingInfo(V2).jailed, memory.signingInfo(V2).missedInWindow, memory.signingInfo(V2).slashed],
      [false, 3, ETHER / 1000n],
    );
    const reopened = await openApplication(genesis, store);
    assert.deepEqual(reopened.signingInfo(V1), memory.signingInfo(V1));
    assert.deepEqual(reopened.signingInfo(V2), memory.signingInfo(V2));
    assert.equal(await reopened.nativeSupply(), await memory.nativeSupply());
  });
});
