import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { buildCheckpointSubmission } from "../../bridge/relayer/checkpointCalldata.ts";
import { L1RevertError, RelayerDataError } from "../../bridge/relayer/errors.ts";
import type {
  CheckpointSubmission,
  ExitResult,
  L1Side,
  L1TxResult,
  QueuedExit,
} from "../../bridge/relayer/l1.ts";
import { RelayerMetrics } from "../../bridge/relayer/metrics.ts";
import { createRelayer, type Relayer } from "../../bridge/relayer/relayer.ts";
import type { SidechainSide } from "../../bridge/relayer/sidechain.ts";
import { SidechainRpcError } from "../../bridge/sidechainRpc.ts";
import {
  type Address,
  type Hex,
  hashValidatorSet,
  hexToBytes,
  keccak256Hex,
  privateKeyToAddress,
} from "../../node/crypto/index.ts";
import {
  type CheckpointDomainParams,
  recoverCheckpointSigner,
  signCheckpoint,
  verifyWithdrawalProof,
  WithdrawalTree,
} from "../../node/types/index.ts";
import type {
  BridgeInfo,
  CheckpointInfo,
  ValidatorsInfo,
  WithdrawalProof,
} from "../../node/types/rpc/index.ts";
import type { Checkpoint, DepositClaim, Withdrawal } from "../../node/types/shapes.ts";

/** outrigger_validators' standing of a validator never jailed or slashed: the relayer reads only the powers. */
const CLEAN_STANDING = { stake: 0n, jailed: false, jailedUntil: 0, slashed: 0n, missedInWindow: 0 };

const hash = (label: string): Hex => keccak256Hex(new TextEncoder().encode(label));
const addr = (label: string): Address => hash(label).slice(0, 42) as Address;

const DOMAIN: CheckpointDomainParams = { l1ChainId: 31337n, checkpointManager: addr("manager") };
const SIDECHAIN_ID = 7447n;
const EPOCH = 10;
const VALIDATORS = [0, 1, 2, 3].map((i) => {
  const privateKey = hash(`relayer-test/validator/${i}`);
  return { privateKey, address: privateKeyToAddress(privateKey), power: 10n };
});
/** The fake chain never changes its set: every checkpoint names the set that signed it. */
const SET_HASH = hashValidatorSet(
  [...VALIDATORS].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1)),
);
const TOKEN = addr("token");
const DAY = 86_400;

/** An L1 in memory: Bridge and CheckpointManager rules that matter to the relayer, and a record of every call. */
class FakeL1 implements L1Side {
  blockNumber = 0;
  confirmations = 0;
  time = 1_700_000_000;
  down = false;
  /** Exits above this amount are queued for a day, as Bridge's limits do. */
  perExitLimit = 10n ** 30n;
  readonly events: { claim: DepositClaim; block: number }[] = [];
  readonly accepted = new Map<number, Checkpoint>();
  lastCheckpoint = 0;
  readonly exitedIds = new Set<bigint>();
  readonly queued = new Map<bigint, QueuedExit>();
  /** Every transaction that made it on chain, in order. */
  readonly txs: { kind: "checkpoint" | "exit" | "release"; key: string }[] = [];
  /** The next set each submitted checkpoint carried (null: unchanged), by checkpoint number. */
  readonly carriedNextSets = new Map<number, { address: Address; power: bigint }[] | null>();
  inFlight = 0;
  maxInFlight = 0;
  /** Runs between a submission being prepared and it reaching the chain (another relayer racing us). */
  beforeSubmit: ((s: CheckpointSubmission) => void) | null = null;
  beforeExit: ((id: bigint) => void) | null = null;
  rejectCheckpoints = false;
  /** Recipients whose payout reverts (a contract that rejects ETH), and a paused bridge. */
  readonly refusingRecipients = new Set<Address>();
  paused = false;
  /** Recipients Bridge refuses for good (the zero address, the bridge itself). */
  readonly invalidRecipients = new Set<Address>();
  /** Queued exits the guardian froze. */
  readonly frozen = new Set<bigint>();
  /** Queued exits the limits have room for again before their release time. */
  readonly earlyReleasable = new Set<bigint>();
  /** How often the relayer asked whether a queued exit is releasable. */
  releasableChecks = 0;
  private txCount = 0;

  deposit(to: Address, amount: bigint): DepositClaim {
    this.blockNumber++;
    const claim: DepositClaim = {
      nonce: BigInt(this.events.length),
      l1Token: TOKEN,
      from: addr("alice"),
      to,
      amount,
      name: "Token",
      symbol: "TKN",
      decimals: 18,
      l1TxHash: hash(`deposit-tx/${this.events.length}`),
    };
    this.events.push({ claim, block: this.blockNumber });
    return claim;
  }

  mine(blocks: number): void {
    this.blockNumber += blocks;
  }

  /** Accepts a checkpoint as if another relayer had submitted it. */
  acceptDirectly(checkpoint: Checkpoint): void {
    assert.equal(checkpoint.number, this.lastCheckpoint + 1);
    this.accepted.set(checkpoint.number, checkpoint);
    this.lastCheckpoint = checkpoint.number;
  }

  /** Exits a withdrawal as if its recipient had done it. */
  exitDirectly(id: bigint): void {
    this.exitedIds.add(id);
  }

  private check(): void {
    if (this.down) throw new Error("connect ECONNREFUSED 127.0.0.1:8545");
  }

  private async transaction<T>(
    kind: "checkpoint" | "exit" | "release",
    key: string,
    body: () => T,
  ): Promise<T> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await sleep(1);
      const result = body();
      this.txs.push({ kind, key });
      return result;
    } finally {
      this.inFlight--;
    }
  }

  private txHash(): Hex {
    return hash(`l1-tx/${this.txCount++}`);
  }

  async confirmedBlock(): Promise<number | null> {
    this.check();
    const confirmed = this.blockNumber - this.confirmations;
    return confirmed >= 0 ? confirmed : null;
  }

  async nextDepositNonce(blockTag: number): Promise<bigint> {
    this.check();
    return BigInt(this.events.filter((e) => e.block <= blockTag).length);
  }

  async deposits(nonces: readonly bigint[], toBlock: number): Promise<DepositClaim[]> {
    this.check();
    return this.events
      .filter((e) => e.block <= toBlock && nonces.includes(e.claim.nonce))
      .map((e) => e.claim);
  }

  async lastCheckpointNumber(): Promise<number> {
    this.check();
    return this.lastCheckpoint;
  }

  async submitCheckpoint(s: CheckpointSubmission): Promise<L1TxResult> {
    this.check();
    if (this.rejectCheckpoints) throw new L1RevertError("submitCheckpoint reverted", "estimate", "Paused");
    this.beforeSubmit?.(s);
    this.carriedNextSets.set(s.checkpoint.number, s.nextValidators);
    return this.transaction("checkpoint", String(s.checkpoint.number), () => {
      const { checkpoint } = s;
      if (checkpoint.number !== this.lastCheckpoint + 1) {
        throw new L1RevertError("submitCheckpoint reverted", "receipt", "CheckpointNumberGap");
      }
      assert.deepEqual(
        s.validators,
        [...s.validators].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
      );
      const indices = hexToBytes(s.signerIndices);
      const sigs = hexToBytes(s.signatures);
      let signed = 0n;
      for (let i = 0; i < indices.length / 2; i++) {
        const index = ((indices[2 * i] ?? 0) << 8) | (indices[2 * i + 1] ?? 0);
        const signature = `0x${Buffer.from(sigs.subarray(65 * i, 65 * i + 65)).toString("hex")}` as Hex;
        assert.equal(recoverCheckpointSigner(checkpoint, DOMAIN, signature), s.validators[index]);
        signed += s.powers[index] ?? 0n;
      }
      const total = s.powers.reduce((a, b) => a + b, 0n);
      assert.ok(signed * 3n > total * 2n, "not enough signed power");
      this.accepted.set(checkpoint.number, checkpoint);
      this.lastCheckpoint = checkpoint.number;
      return { txHash: this.txHash(), gasUsed: 100_000n + BigInt(indices.length) * 3_000n };
    });
  }

  async exited(id: bigint): Promise<boolean> {
    this.check();
    return this.exitedIds.has(id);
  }

  async queuedExits(id: bigint): Promise<QueuedExit | null> {
    this.check();
    return this.queued.get(id) ?? null;
  }

  async exit(checkpointNumber: number, w: Withdrawal, proof: readonly Hex[]): Promise<ExitResult> {
    this.check();
    this.beforeExit?.(w.id);
    if (this.paused) throw new L1RevertError("exit reverted", "estimate", "EnforcedPause");
    if (this.refusingRecipients.has(w.l1Recipient))
      throw new L1RevertError("exit reverted", "estimate", "FailedCall");
    if (this.invalidRecipients.has(w.l1Recipient))
      throw new L1RevertError("exit reverted", "estimate", "InvalidRecipient");
    return this.transaction("exit", String(w.id), () => {
      if (this.exitedIds.has(w.id)) throw new L1RevertError("exit reverted", "estimate", "AlreadyExited");
      const checkpoint = this.accepted.get(checkpointNumber);
      if (checkpoint === undefined) throw new L1RevertError("exit reverted", "estimate", "UnknownCheckpoint");
      assert.ok(verifyWithdrawalProof(checkpoint.withdrawalsRoot, w, proof), "bad withdrawal proof");
      this.exitedIds.add(w.id);
      let queuedUntil: number | null = null;
      if (w.amount > this.perExitLimit) {
        queuedUntil = this.time + DAY;
        this.queued.set(w.id, {
          token: w.l1Token,
          releaseAt: queuedUntil,
          recipient: w.l1Recipient,
          amount: w.amount,
        });
      }
      return { txHash: this.txHash(), gasUsed: 80_000n, queuedUntil };
    });
  }

  async releaseQueuedExit(id: bigint): Promise<L1TxResult> {
    this.check();
    return this.transaction("release", String(id), () => {
      const queued = this.queued.get(id);
      if (queued === undefined) throw new L1RevertError("release reverted", "estimate", "NotQueued");
      if (this.frozen.has(id)) throw new L1RevertError("release reverted", "estimate", "QueuedExitFrozen");
      if (queued.releaseAt > this.time && !this.earlyReleasable.has(id))
        throw new L1RevertError("release reverted", "estimate", "ExitStillQueued");
      this.queued.delete(id);
      return { txHash: this.txHash(), gasUsed: 50_000n };
    });
  }

  async releasable(id: bigint): Promise<boolean> {
    this.check();
    this.releasableChecks++;
    const queued = this.queued.get(id);
    if (queued === undefined || this.frozen.has(id)) return false;
    return queued.releaseAt <= this.time || this.earlyReleasable.has(id);
  }

  async latestTimestamp(): Promise<number> {
    this.check();
    return this.time;
  }
}

interface SidechainWithdrawal {
  withdrawal: Withdrawal;
  /** The certified checkpoint that covers it, or null while there is none. */
  checkpointNumber: number | null;
}

/** A sidechain node in memory: claims are checked against the fake L1, and minted when a "block" is made. */
class FakeSidechain implements SidechainSide {
  down = false;
  nextDepositNonce = 0n;
  readonly pending = new Map<bigint, DepositClaim>();
  /** Every claim handed over, in order. */
  readonly claims: bigint[] = [];
  /** Nonces the node refuses (once each), as a node that does not see the L1 confirmation yet would. */
  readonly refuseOnce = new Set<bigint>();
  readonly checkpoints: CheckpointInfo[] = [];
  readonly withdrawals: SidechainWithdrawal[] = [];
  readonly proofRequests: bigint[] = [];
  /** Powers of VALIDATORS from each height on (height 1: all at 10); a later entry is a set change. */
  readonly powersFrom = new Map<number, bigint[]>([[1, [10n, 10n, 10n, 10n]]]);
  /** Heights whose validator set was asked for, in order. */
  readonly validatorRequests: number[] = [];

  constructor(private readonly l1: FakeL1) {}

  /** The set at `height`, ascending, as a checkpoint's hash commits to it. */
  setAt(height: number): { address: Address; power: bigint }[] {
    let powers: bigint[] = [];
    for (const [from, p] of [...this.powersFrom.entries()].sort((a, b) => a[0] - b[0]))
      if (from <= height) powers = p;
    return VALIDATORS.map((v, i) => ({ address: v.address, power: powers[i] ?? 0n })).sort((a, b) =>
      BigInt(a.address) < BigInt(b.address) ? -1 : 1,
    );
  }

  private check(): void {
    if (this.down) throw new SidechainRpcError("outrigger_status at http://127.0.0.1:8645: fetch failed");
  }

  /** Mints pending claims in nonce order, as the next block would. */
  produceBlock(): void {
    while (this.pending.has(this.nextDepositNonce)) {
      this.pending.delete(this.nextDepositNonce);
      this.nextDepositNonce++;
    }
  }

  withdraw(amount: bigint): Withdrawal {
    const withdrawal: Withdrawal = {
      id: BigInt(this.withdrawals.length),
      l1Token: TOKEN,
      l1Recipient: addr(`recipient/${this.withdrawals.length}`),
      amount,
    };
    this.withdrawals.push({ withdrawal, checkpointNumber: null });
    return withdrawal;
  }

  /** Certifies the next checkpoint; it covers every withdrawal not covered yet. */
  certifyCheckpoint(): Checkpoint {
    const number = this.checkpoints.length + 1;
    const covered = this.withdrawals.filter((w) => w.checkpointNumber === null);
    for (const w of covered) w.checkpointNumber = number;
    const checkpoint: Checkpoint = {
      sidechainId: SIDECHAIN_ID,
      number,
      startHeight: (number - 1) * EPOCH + 1,
      endHeight: number * EPOCH,
      blocksRoot: hash(`blocks/${number}`),
      withdrawalsRoot: new WithdrawalTree(covered.map((w) => w.withdrawal)).root,
      nextValidatorSetHash: hashValidatorSet(this.setAt(number * EPOCH + 1)),
    };
    this.checkpoints.push({
      checkpoint,
      signatures: VALIDATORS.map((v) => ({
        validator: v.address,
        signature: signCheckpoint(checkpoint, DOMAIN, v.privateKey),
      })),
      l1: { status: "pending", txHash: null },
    });
    return checkpoint;
  }

  async bridgeInfo(): Promise<BridgeInfo> {
    this.check();
    return {
      l1ChainId: 31337n,
      checkpointManager: DOMAIN.checkpointManager,
      bridge: addr("bridge"),
      deploymentBlock: 0,
      confirmations: this.l1.confirmations,
      systemContracts: { bridge: addr("l2-bridge"), staking: addr("l2-staking") },
      nextDepositNonce: this.nextDepositNonce,
      nextWithdrawalId: BigInt(this.withdrawals.length),
      tokens: [],
    };
  }

  async submitDepositClaim(claim: DepositClaim): Promise<{ nonce: bigint; status: "minted" | "pending" }> {
    this.check();
    this.claims.push(claim.nonce);
    if (this.refuseOnce.delete(claim.nonce)) {
      throw new SidechainRpcError("outrigger_submitDepositClaim: deposit not confirmed on L1", -32000);
    }
    if (claim.nonce < this.nextDepositNonce) return { nonce: claim.nonce, status: "minted" };
    const onL1 = this.l1.events[Number(claim.nonce)];
    assert.deepEqual(claim, onL1?.claim, "claim differs from the L1 event");
    this.pending.set(claim.nonce, claim);
    return { nonce: claim.nonce, status: "pending" };
  }

  async checkpoint(number: number | "latest"): Promise<CheckpointInfo | null> {
    this.check();
    const n = number === "latest" ? this.checkpoints.length : number;
    return this.checkpoints[n - 1] ?? null;
  }

  async validators(height: number): Promise<ValidatorsInfo | null> {
    this.check();
    this.validatorRequests.push(height);
    // Served in reverse address order on purpose: the relayer must sort the set itself.
    const validators = this.setAt(height)
      .reverse()
      .map((v) => ({ ...v, ...CLEAN_STANDING }));
    const totalPower = validators.reduce((sum, v) => sum + v.power, 0n);
    return { height, epoch: Math.floor((height - 1) / EPOCH), totalPower, validators };
  }

  async withdrawalProof(id: bigint): Promise<WithdrawalProof> {
    this.check();
    this.proofRequests.push(id);
    const entry = this.withdrawals[Number(id)];
    if (entry === undefined) throw new SidechainRpcError(`withdrawal ${id} not found`, -32000);
    if (entry.checkpointNumber === null) {
      throw new SidechainRpcError(`withdrawal ${id} is not yet checkpointed`, -32000);
    }
    const number = entry.checkpointNumber;
    const tree = new WithdrawalTree(
      this.withdrawals.filter((w) => w.checkpointNumber === number).map((w) => w.withdrawal),
    );
    return { checkpointNumber: number, withdrawal: entry.withdrawal, proof: tree.proof(id), root: tree.root };
  }
}

function setup() {
  const l1 = new FakeL1();
  const sidechain = new FakeSidechain(l1);
  return { l1, sidechain };
}

const silent = pino({ level: "silent" });

function relayerOver(
  { l1, sidechain }: { l1: FakeL1; sidechain: FakeSidechain },
  opts: { exit?: boolean; intervalMs?: number; logger?: typeof silent; exitRetryMs?: number } = {},
): Relayer {
  return createRelayer(
    {
      domain: DOMAIN,
      exit: opts.exit ?? false,
      intervalMs: opts.intervalMs ?? 5,
      exitRetryMs: opts.exitRetryMs,
    },
    { l1, sidechain, logger: opts.logger ?? silent, metrics: new RelayerMetrics() },
  );
}

async function metric(relayer: Relayer, name: string, labels: Record<string, string> = {}): Promise<number> {
  const json = await relayer.metrics.registry.getMetricsAsJSON();
  const found = json.find((m) => m.name === name);
  const value = found?.values.find((v) =>
    Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l),
  );
  return value?.value ?? 0;
}

/** Log lines as objects, for checking what an operator sees. */
function capturingLogger(): { logger: typeof silent; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

describe("relayer: deposits", () => {
  it("claims deposits in nonce order, only up to the confirmed L1 nonce", async () => {
    const { l1, sidechain } = setup();
    l1.confirmations = 2;
    for (let i = 0; i < 5; i++) l1.deposit(addr(`bob/${i}`), BigInt(i + 1));
    const relayer = relayerOver({ l1, sidechain });

    await relayer.tick();
    // Deposits are in blocks 1..5, latest is 5, two confirmations: blocks up to 3 count.
    assert.deepEqual(sidechain.claims, [0n, 1n, 2n]);
    assert.equal(await metric(relayer, "outrigger_relayer_pending_deposits"), 3);

    l1.mine(2);
    sidechain.produceBlock();
    sidechain.claims.length = 0;
    await relayer.tick();
    assert.deepEqual(sidechain.claims, [3n, 4n]);
    sidechain.produceBlock();
    assert.equal(sidechain.nextDepositNonce, 5n);
    assert.equal(await metric(relayer, "outrigger_relayer_deposits_submitted_total"), 5);
  });

  it("after a restart resubmits nothing already minted and picks up what is left", async () => {
    const { l1, sidechain } = setup();
    for (let i = 0; i < 3; i++) l1.deposit(addr("bob"), 1n);
    await relayerOver({ l1, sidechain }).tick();
    sidechain.produceBlock();
    // The first relayer "crashes"; meanwhile more deposits arrive.
    for (let i = 0; i < 2; i++) l1.deposit(addr("carol"), 2n);
    sidechain.claims.length = 0;

    const restarted = relayerOver({ l1, sidechain });
    await restarted.tick();
    assert.deepEqual(sidechain.claims, [3n, 4n]);
    sidechain.produceBlock();
    assert.equal(sidechain.nextDepositNonce, 5n);
  });

  it("retries a claim the node refuses next tick, and sends no later nonce before it", async () => {
    const { l1, sidechain } = setup();
    for (let i = 0; i < 3; i++) l1.deposit(addr("bob"), 1n);
    sidechain.refuseOnce.add(1n);
    const relayer = relayerOver({ l1, sidechain });

    await relayer.tick();
    assert.deepEqual(sidechain.claims, [0n, 1n]);
    assert.equal(await metric(relayer, "outrigger_relayer_errors_total", { task: "deposits" }), 1);

    await relayer.tick();
    assert.deepEqual(sidechain.claims, [0n, 1n, 0n, 1n, 2n]);
    sidechain.produceBlock();
    assert.equal(sidechain.nextDepositNonce, 3n);
    // Handing a pending claim over again is not a new submission.
    assert.equal(await metric(relayer, "outrigger_relayer_deposits_submitted_total"), 3);
  });

  it("hands over at most one batch per tick", async () => {
    const { l1, sidechain } = setup();
    for (let i = 0; i < 70; i++) l1.deposit(addr("bob"), 1n);
    const relayer = relayerOver({ l1, sidechain });
    await relayer.tick();
    assert.equal(sidechain.claims.length, 64);
    sidechain.produceBlock();
    await relayer.tick();
    assert.deepEqual(sidechain.claims.slice(64), [64n, 65n, 66n, 67n, 68n, 69n]);
  });
});

describe("relayer: checkpoints", () => {
  it("submits checkpoints strictly in order, one at a time, none twice", async () => {
    const { l1, sidechain } = setup();
    for (let i = 0; i < 3; i++) sidechain.certifyCheckpoint();
    const relayer = relayerOver({ l1, sidechain });

    await relayer.tick();
    await relayer.tick();
    await relayerOver({ l1, sidechain }).tick();
    assert.deepEqual(
      l1.txs.map((t) => t.key),
      ["1", "2", "3"],
    );
    assert.equal(l1.maxInFlight, 1);
    assert.equal(await metric(relayer, "outrigger_relayer_checkpoints_submitted_total"), 3);
    assert.equal(await metric(relayer, "outrigger_relayer_pending_checkpoints"), 0);
    assert.ok((await metric(relayer, "outrigger_relayer_checkpoint_gas")) > 0);

    sidechain.certifyCheckpoint();
    await relayer.tick();
    assert.deepEqual(
      l1.txs.map((t) => t.key),
      ["1", "2", "3", "4"],
    );
  });

  it("on a handover sends the set of the height after the checkpoint, and only then", async () => {
    const { l1, sidechain } = setup();
    // Checkpoint 2 (heights 11..20) hands over to new powers from height 21.
    sidechain.powersFrom.set(2 * EPOCH + 1, [10n, 20n, 30n, 40n]);
    for (let i = 0; i < 3; i++) sidechain.certifyCheckpoint();
    await relayerOver({ l1, sidechain }).tick();
    assert.deepEqual(
      l1.txs.map((t) => t.key),
      ["1", "2", "3"],
    );
    assert.equal(l1.carriedNextSets.get(1), null);
    assert.deepEqual(l1.carriedNextSets.get(2), sidechain.setAt(2 * EPOCH + 1));
    assert.equal(l1.carriedNextSets.get(3), null);
    assert.ok(
      sidechain.validatorRequests.includes(2 * EPOCH + 1),
      "the next set was fetched at endHeight + 1",
    );
  });

  it("never overlaps ticks, even when tick() is called while the loop runs", async () => {
    const { l1, sidechain } = setup();
    for (let i = 0; i < 5; i++) sidechain.certifyCheckpoint();
    const relayer = relayerOver({ l1, sidechain }, { intervalMs: 1 });
    relayer.start();
    await Promise.all([relayer.tick(), relayer.tick(), relayer.tick()]);
    await relayer.stop();
    assert.equal(l1.maxInFlight, 1);
    assert.deepEqual(
      l1.txs.map((t) => t.key),
      ["1", "2", "3", "4", "5"],
    );
  });

  it("moves on when another relayer submitted between our read and our submission", async () => {
    const { l1, sidechain } = setup();
    for (let i = 0; i < 3; i++) sidechain.certifyCheckpoint();
    // Another relayer gets checkpoint 1 in first, while ours is on its way.
    l1.beforeSubmit = (s) => {
      l1.beforeSubmit = null;
      l1.acceptDirectly(s.checkpoint);
    };
    const relayer = relayerOver({ l1, sidechain });
    await relayer.tick();
    assert.deepEqual(
      l1.txs.map((t) => t.key),
      ["2", "3"],
    );
    assert.equal(l1.lastCheckpoint, 3);
    assert.equal(await metric(relayer, "outrigger_relayer_errors_total", { task: "checkpoints" }), 0);
  });

  it("skips past several checkpoints another relayer submitted meanwhile", async () => {
    const { l1, sidechain } = setup();
    for (let i = 0; i < 4; i++) sidechain.certifyCheckpoint();
    l1.beforeSubmit = () => {
      l1.beforeSubmit = null;
      for (const info of sidechain.checkpoints.slice(0, 2)) l1.acceptDirectly(info.checkpoint);
    };
    await relayerOver({ l1, sidechain }).tick();
    assert.deepEqual(
      l1.txs.map((t) => t.key),
      ["3", "4"],
    );
  });

  it("counts a revert L1 has no excuse for as an error and retries next tick", async () => {
    const { l1, sidechain } = setup();
    sidechain.certifyCheckpoint();
    l1.rejectCheckpoints = true;
    const relayer = relayerOver({ l1, sidechain });
    await relayer.tick();
    assert.equal(await metric(relayer, "outrigger_relayer_errors_total", { task: "checkpoints" }), 1);
    assert.equal(await metric(relayer, "outrigger_relayer_pending_checkpoints"), 1);
    l1.rejectCheckpoints = false;
    await relayer.tick();
    assert.equal(l1.lastCheckpoint, 1);
  });

  it("logs one line per submitted checkpoint and claim, with number, nonce, tx hash and gas", async () => {
    const { l1, sidechain } = setup();
    l1.deposit(addr("bob"), 5n);
    sidechain.certifyCheckpoint();
    const { logger, lines } = capturingLogger();
    await relayerOver({ l1, sidechain }, { logger }).tick();
    const checkpoint = lines.find((l) => l.msg === "checkpoint submitted");
    assert.equal(checkpoint?.number, 1);
    assert.match(String(checkpoint?.txHash), /^0x[0-9a-f]{64}$/);
    assert.match(String(checkpoint?.gas), /^[0-9]+$/);
    const claim = lines.find((l) => l.msg === "deposit claim submitted");
    assert.equal(claim?.nonce, "0");
    assert.equal(claim?.l1TxHash, l1.events[0]?.claim.l1TxHash);
  });
});

describe("relayer: checkpoint calldata", () => {
  const info = () => {
    const sidechain = new FakeSidechain(new FakeL1());
    sidechain.certifyCheckpoint();
    const first = sidechain.checkpoints[0];
    assert.ok(first);
    return first;
  };
  const set = (powers: bigint[]): ValidatorsInfo => ({
    height: 1,
    epoch: 0,
    totalPower: powers.reduce((a, b) => a + b, 0n),
    validators: VALIDATORS.map((v, i) => ({
      address: v.address,
      power: powers[i] ?? 0n,
      ...CLEAN_STANDING,
    })).reverse(),
  });

  it("sorts the set and uses only as many signatures as 2/3+ needs, heaviest first", () => {
    const s = buildCheckpointSubmission(info(), set([10n, 10n, 10n, 10n]), DOMAIN);
    assert.deepEqual(
      s.validators,
      [...s.validators].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
    );
    assert.equal(hexToBytes(s.signerIndices).length, 2 * 3);

    // Signed by a set the checkpoint then hands over from: it carries the set it names.
    const heavy = buildCheckpointSubmission(
      info(),
      set([100n, 1n, 1n, 1n]),
      DOMAIN,
      set([10n, 10n, 10n, 10n]),
    );
    assert.equal(hexToBytes(heavy.signerIndices).length, 2);
    const heavyIndex = heavy.validators.indexOf(VALIDATORS[0]?.address ?? "0x");
    assert.equal(Number.parseInt(heavy.signerIndices.slice(2), 16), heavyIndex);
  });

  it("carries the next set, sorted, only when the checkpoint changes the set, and only the one it names", () => {
    const same = buildCheckpointSubmission(info(), set([10n, 10n, 10n, 10n]), DOMAIN, set([1n, 2n, 3n, 4n]));
    assert.equal(same.nextValidators, null, "an unchanged set needs no next set");

    const handover = buildCheckpointSubmission(
      info(),
      set([1n, 2n, 3n, 4n]),
      DOMAIN,
      set([10n, 10n, 10n, 10n]),
    );
    assert.deepEqual(
      handover.nextValidators,
      [...VALIDATORS]
        .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1))
        .map((v) => ({ address: v.address, power: 10n })),
    );
    assert.equal(hashValidatorSet(handover.nextValidators ?? []), SET_HASH);

    assert.throws(() => buildCheckpointSubmission(info(), set([1n, 2n, 3n, 4n]), DOMAIN), RelayerDataError);
    assert.throws(
      () => buildCheckpointSubmission(info(), set([1n, 2n, 3n, 4n]), DOMAIN, set([10n, 10n, 10n, 11n])),
      RelayerDataError,
    );
  });

  it("drops invalid signatures and refuses a checkpoint without 2/3+ valid power", () => {
    const bad = info();
    const forged = signCheckpoint(bad.checkpoint, DOMAIN, hash("not a validator"));
    bad.signatures = bad.signatures.map((s, i) => (i < 1 ? { ...s, signature: forged } : s));
    const ok = buildCheckpointSubmission(bad, set([10n, 10n, 10n, 10n]), DOMAIN);
    assert.equal(hexToBytes(ok.signerIndices).length, 6);

    bad.signatures = bad.signatures.map((s, i) => (i < 2 ? { ...s, signature: forged } : s));
    assert.throws(() => buildCheckpointSubmission(bad, set([10n, 10n, 10n, 10n]), DOMAIN), RelayerDataError);
  });
});

describe("relayer: failures", () => {
  it("keeps looping through a node and an L1 outage, counting errors, and catches up after", async () => {
    const { l1, sidechain } = setup();
    l1.deposit(addr("bob"), 1n);
    sidechain.certifyCheckpoint();
    sidechain.down = true;
    const relayer = relayerOver({ l1, sidechain }, { intervalMs: 1 });
    relayer.start();
    await until(
      async () => (await metric(relayer, "outrigger_relayer_errors_total", { task: "deposits" })) >= 3,
    );
    sidechain.down = false;
    l1.down = true;
    const before = await metric(relayer, "outrigger_relayer_errors_total", { task: "checkpoints" });
    await until(
      async () =>
        (await metric(relayer, "outrigger_relayer_errors_total", { task: "checkpoints" })) >= before + 3,
    );
    l1.down = false;
    await until(async () => l1.lastCheckpoint === 1 && sidechain.pending.has(0n));
    await relayer.stop();
    assert.deepEqual(
      l1.txs.map((t) => t.key),
      ["1"],
    );
  });

  it("stop() ends the loop: no tick runs after it", async () => {
    const { l1, sidechain } = setup();
    const relayer = relayerOver({ l1, sidechain }, { intervalMs: 1 });
    relayer.start();
    await sleep(10);
    await relayer.stop();
    const claims = sidechain.claims.length;
    l1.deposit(addr("bob"), 1n);
    await sleep(20);
    assert.equal(sidechain.claims.length, claims);
  });
});

describe("relayer: exits", () => {
  it("exits checkpointed withdrawals, stops at the first one not checkpointed, never exits one twice", async () => {
    const { l1, sidechain } = setup();
    sidechain.withdraw(1n);
    sidechain.withdraw(2n);
    sidechain.certifyCheckpoint();
    sidechain.withdraw(3n);
    sidechain.certifyCheckpoint();
    sidechain.withdraw(4n);
    sidechain.withdraw(5n);
    const relayer = relayerOver({ l1, sidechain }, { exit: true });

    await relayer.tick();
    assert.deepEqual(
      l1.txs.filter((t) => t.kind === "exit").map((t) => t.key),
      ["0", "1", "2"],
    );
    // Withdrawal 3 has no checkpoint yet, so 4 is not even looked at.
    assert.deepEqual(sidechain.proofRequests, [0n, 1n, 2n, 3n]);
    assert.equal(await metric(relayer, "outrigger_relayer_pending_exits"), 2);

    await relayer.tick();
    await relayerOver({ l1, sidechain }, { exit: true }).tick();
    assert.equal(l1.txs.filter((t) => t.kind === "exit").length, 3);

    sidechain.certifyCheckpoint();
    await relayer.tick();
    assert.deepEqual(
      l1.txs.filter((t) => t.kind === "exit").map((t) => t.key),
      ["0", "1", "2", "3", "4"],
    );
    assert.equal(await metric(relayer, "outrigger_relayer_exits_total"), 5);
    assert.equal(await metric(relayer, "outrigger_relayer_pending_exits"), 0);
  });

  it("waits for the checkpoint to be on L1, not just certified on the sidechain", async () => {
    const { l1, sidechain } = setup();
    sidechain.withdraw(1n);
    sidechain.certifyCheckpoint();
    l1.rejectCheckpoints = true;
    const relayer = relayerOver({ l1, sidechain }, { exit: true });
    await relayer.tick();
    assert.equal(l1.txs.length, 0);
    // Not even attempted: an exit against a checkpoint L1 lacks would only revert.
    assert.equal(await metric(relayer, "outrigger_relayer_errors_total", { task: "exits" }), 0);
    assert.deepEqual(sidechain.proofRequests, [0n]);
    l1.rejectCheckpoints = false;
    await relayer.tick();
    assert.deepEqual(
      l1.txs.map((t) => `${t.kind}:${t.key}`),
      ["checkpoint:1", "exit:0"],
    );
  });

  it("leaves alone what the recipient exited, also when they got there between our check and our call", async () => {
    const { l1, sidechain } = setup();
    for (let i = 0; i < 3; i++) sidechain.withdraw(1n);
    sidechain.certifyCheckpoint();
    l1.exitDirectly(0n);
    l1.beforeExit = (id) => {
      if (id === 1n) l1.exitDirectly(1n);
    };
    const relayer = relayerOver({ l1, sidechain }, { exit: true });
    await relayer.tick();
    assert.deepEqual(
      l1.txs.filter((t) => t.kind === "exit").map((t) => t.key),
      ["2"],
    );
    assert.equal(await metric(relayer, "outrigger_relayer_errors_total", { task: "exits" }), 0);
  });

  it("sets aside a withdrawal whose exit L1 refuses, exits the ones after it, and retries it later", async () => {
    const { l1, sidechain } = setup();
    const refused = sidechain.withdraw(1n);
    sidechain.withdraw(2n);
    sidechain.withdraw(3n);
    sidechain.certifyCheckpoint();
    l1.refusingRecipients.add(refused.l1Recipient);
    const patient = relayerOver({ l1, sidechain }, { exit: true });
    await patient.tick();
    await patient.tick();
    assert.deepEqual(
      l1.txs.filter((t) => t.kind === "exit").map((t) => t.key),
      ["1", "2"],
    );
    // Not retried before its back-off has passed.
    assert.equal(await metric(patient, "outrigger_relayer_errors_total", { task: "exits" }), 1);
    assert.equal(await metric(patient, "outrigger_relayer_pending_exits"), 1);

    const eager = relayerOver({ l1, sidechain }, { exit: true, exitRetryMs: 0 });
    await eager.tick();
    await eager.tick();
    assert.equal(await metric(eager, "outrigger_relayer_errors_total", { task: "exits" }), 2);
    l1.refusingRecipients.clear();
    await eager.tick();
    await eager.tick();
    assert.deepEqual(
      l1.txs.filter((t) => t.kind === "exit").map((t) => t.key),
      ["1", "2", "0"],
    );
    assert.equal(await metric(eager, "outrigger_relayer_pending_exits"), 0);
  });

  it("treats a paused bridge as a failed tick, not as withdrawals to set aside", async () => {
    const { l1, sidechain } = setup();
    for (let i = 0; i < 3; i++) sidechain.withdraw(1n);
    sidechain.certifyCheckpoint();
    l1.paused = true;
    const relayer = relayerOver({ l1, sidechain }, { exit: true });
    await relayer.tick();
    assert.equal(await metric(relayer, "outrigger_relayer_errors_total", { task: "exits" }), 1);
    l1.paused = false;
    await relayer.tick();
    assert.deepEqual(
      l1.txs.filter((t) => t.kind === "exit").map((t) => t.key),
      ["0", "1", "2"],
    );
  });

  it("does not retry an exit whose recipient L1 can never pay, and exits the ones after it", async () => {
    const { l1, sidechain } = setup();
    const invalid = sidechain.withdraw(1n);
    sidechain.withdraw(2n);
    sidechain.certifyCheckpoint();
    l1.invalidRecipients.add(invalid.l1Recipient);
    const relayer = relayerOver({ l1, sidechain }, { exit: true, exitRetryMs: 0 });
    await relayer.tick();
    await relayer.tick();
    await relayer.tick();
    assert.deepEqual(
      l1.txs.filter((t) => t.kind === "exit").map((t) => t.key),
      ["1"],
    );
    assert.equal(await metric(relayer, "outrigger_relayer_errors_total", { task: "exits" }), 1);
    assert.equal(await metric(relayer, "outrigger_relayer_pending_exits"), 0);
  });

  it("keeps a frozen queued exit without failing the tick, and releases it once unfrozen", async () => {
    const { l1, sidechain } = setup();
    l1.perExitLimit = 100n;
    sidechain.withdraw(1_000n);
    sidechain.withdraw(1n);
    sidechain.certifyCheckpoint();
    const relayer = relayerOver({ l1, sidechain }, { exit: true });
    await relayer.tick();
    l1.frozen.add(0n);
    l1.time += DAY;
    await relayer.tick();
    await relayer.tick();
    assert.equal(await metric(relayer, "outrigger_relayer_errors_total", { task: "exits" }), 0);
    assert.equal(l1.queued.size, 1);
    assert.equal(await metric(relayer, "outrigger_relayer_pending_exits"), 1);

    l1.frozen.clear();
    await relayer.tick();
    assert.equal(l1.queued.size, 1, "not looked at again before the recheck time");
    l1.time += 3_600;
    await relayer.tick();
    assert.equal(l1.queued.size, 0);
    assert.deepEqual(
      l1.txs.filter((t) => t.kind === "release").map((t) => t.key),
      ["0"],
    );
  });

  it("releases a queued exit early once L1 says the limits have room for it, checking at most once a minute", async () => {
    const { l1, sidechain } = setup();
    l1.perExitLimit = 100n;
    sidechain.withdraw(1_000n);
    sidechain.withdraw(2_000n);
    sidechain.certifyCheckpoint();
    const relayer = relayerOver({ l1, sidechain }, { exit: true });
    await relayer.tick();
    assert.equal(l1.queued.size, 2);
    l1.time += 10;
    await relayer.tick();
    const checks = l1.releasableChecks;
    assert.ok(checks >= 2, "both queued exits were looked at");
    l1.earlyReleasable.add(1n);
    await relayer.tick();
    assert.equal(l1.releasableChecks, checks, "not looked at again within the minute");
    l1.time += 60;
    await relayer.tick();
    assert.deepEqual(
      l1.txs.filter((t) => t.kind === "release").map((t) => t.key),
      ["1"],
    );
    assert.deepEqual([...l1.queued.keys()], [0n]);
    assert.equal(await metric(relayer, "outrigger_relayer_pending_exits"), 1);
  });

  it("releases queued exits once L1's clock passes their release time, also after a restart", async () => {
    const { l1, sidechain } = setup();
    l1.perExitLimit = 100n;
    sidechain.withdraw(1_000n);
    sidechain.withdraw(1n);
    sidechain.certifyCheckpoint();
    await relayerOver({ l1, sidechain }, { exit: true }).tick();
    assert.equal(l1.queued.size, 1);
    assert.ok(l1.exitedIds.has(1n));

    // A new relayer learns of the queued exit from L1 and releases it when due, once.
    const restarted = relayerOver({ l1, sidechain }, { exit: true });
    await restarted.tick();
    assert.equal(await metric(restarted, "outrigger_relayer_pending_exits"), 1);
    l1.time += DAY;
    await restarted.tick();
    await restarted.tick();
    assert.equal(l1.queued.size, 0);
    assert.deepEqual(
      l1.txs.filter((t) => t.kind === "release").map((t) => t.key),
      ["0"],
    );
    assert.equal(await metric(restarted, "outrigger_relayer_pending_exits"), 0);
  });
});

async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await sleep(2);
  }
}
