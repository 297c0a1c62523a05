import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkpointNumberOfHeight,
  type DepositFacts,
  depositProgress,
  type Stage,
  type WithdrawalFacts,
  withdrawalProgress,
} from "../../bridge/client/stages.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";

const A = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const H = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;
const ETH = { l1Token: A(0), l2Token: A(0xe7), symbol: "ETH", decimals: 18 };

function depositFacts(over: Partial<DepositFacts> = {}): DepositFacts {
  return {
    nonce: 4n,
    l1TxHash: H(1),
    l1Block: 100,
    token: ETH,
    from: A(1),
    to: A(2),
    amount: 10n ** 18n,
    l1Head: 100,
    l1ConfirmedBlock: 97,
    confirmations: 3,
    sidechain: null,
    ...over,
  };
}

function withdrawalFacts(over: Partial<WithdrawalFacts> = {}): WithdrawalFacts {
  return {
    id: 7n,
    l2TxHash: H(2),
    height: 45,
    token: ETH,
    from: A(3),
    recipient: A(4),
    amount: 5n,
    sidechainHead: 50,
    epochLength: 20,
    certifiedCheckpoint: null,
    checkpointL1: null,
    l1LastCheckpoint: 2,
    exit: { exited: false, releaseAt: null, txHash: null },
    l1Time: 1_000n,
    ...over,
  };
}

const states = (stages: Stage[]) => stages.map((s) => s.state).join(" ");
const byKey = (stages: Stage[], key: string) => {
  const s = stages.find((x) => x.key === key);
  assert.ok(s, `stage ${key}`);
  return s;
};

describe("deposit stages", () => {
  it("waits for confirmations and counts them", () => {
    const p = depositProgress(depositFacts({ l1Head: 101 }));
    assert.equal(p.phase, "confirming");
    assert.equal(p.done, false);
    assert.equal(states(p.stages), "done current todo");
    assert.equal(byKey(p.stages, "confirmed").note, "1/3");
    assert.equal(byKey(p.stages, "confirmed").detail, "waiting for 3 confirmations");
    assert.equal(byKey(p.stages, "minted").detail, null);
    assert.equal(p.height, null);
  });

  it("with zero confirmations waits for L1 finality, also when L1 has no finalized block", () => {
    const waiting = depositProgress(depositFacts({ confirmations: 0, l1ConfirmedBlock: 99 }));
    assert.equal(waiting.phase, "confirming");
    assert.equal(byKey(waiting.stages, "confirmed").detail, "waiting for L1 finality");
    assert.equal(byKey(waiting.stages, "confirmed").note, "L1 finalized up to block 99");
    const none = depositProgress(depositFacts({ confirmations: 0, l1ConfirmedBlock: -1 }));
    assert.equal(byKey(none.stages, "confirmed").note, "L1 reports no finalized block yet");
    const final = depositProgress(depositFacts({ confirmations: 0, l1ConfirmedBlock: 100 }));
    assert.equal(final.phase, "minting");
    assert.equal(byKey(final.stages, "confirmed").detail, "finalized");
  });

  it("once confirmed, waits for the relayer's claim, then for a block", () => {
    const noClaim = depositProgress(depositFacts({ l1Head: 103, l1ConfirmedBlock: 100 }));
    assert.equal(noClaim.phase, "minting");
    assert.equal(states(noClaim.stages), "done done current");
    assert.equal(byKey(noClaim.stages, "minted").detail, "waiting for the relayer's claim");
    const claimed = depositProgress(
      depositFacts({ l1ConfirmedBlock: 100, sidechain: { status: "pending", height: null } }),
    );
    assert.equal(claimed.phase, "minting");
    assert.equal(byKey(claimed.stages, "minted").detail, "claim received, waiting for a block");
  });

  it("a claim the node holds before our L1 sees the confirmations still shows as received", () => {
    const p = depositProgress(depositFacts({ sidechain: { status: "pending", height: null } }));
    assert.equal(p.phase, "confirming");
    assert.equal(states(p.stages), "done current todo");
    assert.equal(byKey(p.stages, "minted").detail, "claim received, waiting for a block");
  });

  it("minted: every stage done, whatever this client's L1 node says about confirmations", () => {
    const p = depositProgress(
      depositFacts({ l1ConfirmedBlock: 0, sidechain: { status: "minted", height: 31 } }),
    );
    assert.equal(p.phase, "minted");
    assert.equal(p.done, true);
    assert.equal(p.height, 31);
    assert.equal(states(p.stages), "done done done");
    assert.equal(byKey(p.stages, "minted").detail, "height 31");
    assert.equal(byKey(p.stages, "deposited").detail, `block 100, tx ${H(1)}`);
  });
});

describe("withdrawal stages", () => {
  it("the checkpoint of a height is its epoch", () => {
    assert.equal(checkpointNumberOfHeight(1, 20), 1);
    assert.equal(checkpointNumberOfHeight(20, 20), 1);
    assert.equal(checkpointNumberOfHeight(21, 20), 2);
    assert.equal(checkpointNumberOfHeight(0, 20), 1);
  });

  it("before its epoch ends: waiting for the epoch end, with the head as progress", () => {
    const p = withdrawalProgress(withdrawalFacts({ sidechainHead: 50 }));
    assert.equal(p.phase, "checkpointing");
    assert.equal(p.checkpointNumber, 3);
    assert.equal(states(p.stages), "done current todo todo");
    const c = byKey(p.stages, "checkpointed");
    assert.equal(c.label, "in checkpoint 3");
    assert.equal(c.detail, "waiting for the epoch to end at height 60");
    assert.equal(c.note, "sidechain at height 50");
    assert.equal(p.checkpointCertified, false);
  });

  it("after the epoch ends without a certificate: waiting for signatures", () => {
    const p = withdrawalProgress(withdrawalFacts({ sidechainHead: 60 }));
    assert.equal(p.phase, "checkpointing");
    assert.equal(byKey(p.stages, "checkpointed").detail, "waiting for the validators' signatures");
  });

  it("certified but not submitted: waiting for the relayer", () => {
    const p = withdrawalProgress(
      withdrawalFacts({
        sidechainHead: 70,
        certifiedCheckpoint: 3,
        checkpointL1: { status: "pending", txHash: null },
      }),
    );
    assert.equal(p.phase, "submitting");
    assert.equal(states(p.stages), "done done current todo");
    assert.equal(byKey(p.stages, "onL1").detail, "waiting for the relayer to submit it");
    assert.equal(byKey(p.stages, "onL1").note, "L1 is at checkpoint 2");
  });

  it("certified before the node has recorded any L1 status: still waiting for the relayer", () => {
    const p = withdrawalProgress(withdrawalFacts({ certifiedCheckpoint: 3, checkpointL1: null }));
    assert.equal(p.phase, "submitting");
    assert.equal(byKey(p.stages, "onL1").detail, "waiting for the relayer to submit it");
  });

  it("submitted (or reported confirmed) while L1 has not accepted it: waiting for L1", () => {
    for (const status of ["submitted", "confirmed"] as const) {
      const p = withdrawalProgress(
        withdrawalFacts({ certifiedCheckpoint: 3, checkpointL1: { status, txHash: H(9) } }),
      );
      assert.equal(p.phase, "submitting");
      assert.equal(byKey(p.stages, "onL1").detail, `submitted in tx ${H(9)}, waiting for L1 to accept it`);
      assert.equal(p.checkpointL1TxHash, H(9));
    }
  });

  it("checkpoint on L1: exitable", () => {
    const p = withdrawalProgress(
      withdrawalFacts({
        certifiedCheckpoint: 3,
        checkpointL1: { status: "confirmed", txHash: H(9) },
        l1LastCheckpoint: 3,
      }),
    );
    assert.equal(p.phase, "exitable");
    assert.equal(p.done, false);
    assert.equal(states(p.stages), "done done done current");
    assert.equal(byKey(p.stages, "onL1").detail, `tx ${H(9)}`);
    assert.equal(byKey(p.stages, "exited").detail, "ready to exit");
  });

  it("L1 ahead of a lagging node: a checkpoint on L1 counts as certified", () => {
    const p = withdrawalProgress(withdrawalFacts({ l1LastCheckpoint: 5 }));
    assert.equal(p.phase, "exitable");
    assert.equal(p.checkpointCertified, true);
    assert.equal(byKey(p.stages, "onL1").detail, "accepted");
  });

  it("the proof's checkpoint number wins over the epoch arithmetic", () => {
    const p = withdrawalProgress(withdrawalFacts({ certifiedCheckpoint: 4, l1LastCheckpoint: 3 }));
    assert.equal(p.checkpointNumber, 4);
    assert.equal(p.phase, "submitting");
  });

  it("paid: complete, with the exit transaction", () => {
    const p = withdrawalProgress(
      withdrawalFacts({
        certifiedCheckpoint: 3,
        l1LastCheckpoint: 3,
        exit: { exited: true, releaseAt: null, txHash: H(10) },
      }),
    );
    assert.equal(p.phase, "exited");
    assert.equal(p.done, true);
    assert.equal(states(p.stages), "done done done done");
    assert.equal(byKey(p.stages, "exited").detail, `paid to ${A(4)}, tx ${H(10)}`);
    assert.equal(p.exitTxHash, H(10));
  });

  it("queued: until its release time, then releasable by anyone", () => {
    const queued = (l1Time: bigint) =>
      withdrawalProgress(
        withdrawalFacts({
          l1LastCheckpoint: 3,
          exit: { exited: true, releaseAt: 2_000n, txHash: H(11) },
          l1Time,
        }),
      );
    const waiting = queued(1_999n);
    assert.equal(waiting.phase, "queued");
    assert.equal(waiting.done, false);
    assert.equal(waiting.releaseAt, 2_000n);
    assert.equal(states(waiting.stages), "done done done current");
    assert.equal(
      byKey(waiting.stages, "exited").detail,
      "queued by the exit limits until 1970-01-01T00:33:20.000Z",
    );
    const due = queued(2_000n);
    assert.match(byKey(due.stages, "exited").detail ?? "", /releasable since 1970-01-01T00:33:20\.000Z/);
  });

  it("frozen and cancelled: neither done nor releasable, and saying who decides", () => {
    const frozen = withdrawalProgress(
      withdrawalFacts({
        l1LastCheckpoint: 3,
        exit: { exited: true, releaseAt: 2_000n, txHash: H(11), frozen: true, cancelled: false },
        l1Time: 3_000n,
      }),
    );
    assert.equal(frozen.phase, "frozen");
    assert.equal(frozen.done, false);
    assert.equal(states(frozen.stages), "done done done current");
    assert.match(byKey(frozen.stages, "exited").detail ?? "", /frozen by the L1 Bridge's guardian/);
    const cancelled = withdrawalProgress(
      withdrawalFacts({
        l1LastCheckpoint: 3,
        exit: { exited: true, releaseAt: null, txHash: H(11), frozen: false, cancelled: true },
      }),
    );
    assert.equal(cancelled.phase, "cancelled");
    assert.equal(cancelled.done, false);
    assert.equal(states(cancelled.stages), "done done done current");
    assert.match(byKey(cancelled.stages, "exited").detail ?? "", /cancelled by the L1 Bridge's admin/);
    assert.equal(cancelled.releaseAt, null);
  });

  it("an exit proves everything before it, even when this client's L1 view lags", () => {
    const p = withdrawalProgress(
      withdrawalFacts({ l1LastCheckpoint: 0, exit: { exited: true, releaseAt: null, txHash: null } }),
    );
    assert.equal(p.phase, "exited");
    assert.equal(states(p.stages), "done done done done");
    assert.equal(byKey(p.stages, "exited").detail, `paid to ${A(4)}`);
  });

  it("over every combination of facts: stages advance in order, at most one is current, done means exited", () => {
    const pattern = /^(done )*(current )?(todo )*$/;
    for (const head of [44, 60, 80])
      for (const certified of [null, 3])
        for (const l1 of [
          null,
          { status: "pending" as const, txHash: null },
          { status: "submitted" as const, txHash: H(9) },
        ])
          for (const l1Last of [0, 2, 3, 4])
            for (const exit of [
              { exited: false, releaseAt: null, txHash: null },
              { exited: true, releaseAt: null, txHash: H(10) },
              { exited: true, releaseAt: 5_000n, txHash: H(11) },
              { exited: true, releaseAt: 5_000n, txHash: H(11), frozen: true },
              { exited: true, releaseAt: null, txHash: H(11), cancelled: true },
            ]) {
              const p = withdrawalProgress(
                withdrawalFacts({
                  sidechainHead: head,
                  certifiedCheckpoint: certified,
                  checkpointL1: certified === null ? null : l1,
                  l1LastCheckpoint: l1Last,
                  exit,
                }),
              );
              assert.match(
                `${states(p.stages)} `,
                pattern,
                JSON.stringify({ head, certified, l1Last, exit }, (_, v) =>
                  typeof v === "bigint" ? `${v}` : v,
                ),
              );
              assert.equal(p.done, p.phase === "exited");
              assert.equal(
                p.done,
                p.stages.every((s) => s.state === "done"),
              );
            }
  });
});
