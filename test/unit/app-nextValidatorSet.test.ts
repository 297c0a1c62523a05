import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Wallet } from "ethers";
import { STAKING_ADDRESS, stakingInterface } from "../../node/app/index.ts";
import { Revert } from "../../node/app/revert.ts";
import { MAX_TOTAL_POWER } from "../../node/app/stakeUnits.ts";
import { applyEpochEnd, stake } from "../../node/app/staking.ts";
import { LedgerState } from "../../node/app/state.ts";
import { type Address, type Hex, hashValidatorSet } from "../../node/crypto/index.ts";
import { alice, bob, carol, ETHER, runBlock, signTx, testApp, val1, val2 } from "../helpers/appFixture.ts";

/**
 * The set an epoch hands over to is what L1's CheckpointManager will have to certify with: it must never be
 * empty, hold a zero-power member or an address twice, or total more than the consensus power cap, or L1 would
 * refuse the handover and the bridge would stop.
 */

function assertSignable(set: readonly { address: Address; power: bigint }[], what: string): void {
  assert.ok(set.length > 0, `${what}: empty`);
  let total = 0n;
  for (const [i, v] of set.entries()) {
    assert.ok(v.power > 0n, `${what}: ${v.address} has no power`);
    if (i > 0)
      assert.ok(BigInt(set[i - 1]?.address ?? "0x0") < BigInt(v.address), `${what}: unsorted at ${i}`);
    total += v.power;
  }
  assert.ok(total <= MAX_TOTAL_POWER, `${what}: total ${total} above the cap`);
  assert.doesNotThrow(() => hashValidatorSet(set), `${what}: not packable`);
}

/** A small deterministic generator, so a failure replays exactly. */
function prng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
}

describe("app: the next validator set is always one L1 can certify", () => {
  it("stays non-empty, sorted without repeats, without zero power and under the cap through random staking", async () => {
    const app = testApp();
    const wallets: Wallet[] = [alice, bob, carol, val1, val2];
    const nonces = new Map<string, number>();
    const random = prng(7);
    for (let block = 1; block <= 40; block++) {
      const txs: Uint8Array[] = [];
      for (const w of wallets) {
        if (random() < 0.5) continue;
        const fn = random() < 0.5 ? "stake" : "unstake";
        // Amounts around whole tokens, some leaving a fraction or everything: the edges power = stake / 1e18 has.
        const amount = BigInt(Math.floor(random() * 12)) * ETHER + (random() < 0.3 ? ETHER / 2n : 0n);
        const nonce = nonces.get(w.address) ?? 0;
        nonces.set(w.address, nonce + 1);
        const data = stakingInterface.encodeFunctionData(fn, [amount]) as Hex;
        txs.push(await signTx(w, { to: STAKING_ADDRESS, data, nonce }));
      }
      await runBlock(app, txs);
      assertSignable(app.validatorSet(), `after block ${block}`);
    }
  });

  it("refuses a stake that would take the total power above the cap", () => {
    const state = new LedgerState();
    const [a, b] = [
      "0x00000000000000000000000000000000000000a1",
      "0x00000000000000000000000000000000000000b2",
    ] as [Address, Address];
    state.setStake(a, MAX_TOTAL_POWER * ETHER);
    state.addBalance(b, 10n * ETHER);
    assert.throws(() => stake(state, b, ETHER), Revert);
    assert.equal(state.stake(b), 0n);

    state.setStake(a, (MAX_TOTAL_POWER - 1n) * ETHER);
    stake(state, b, ETHER);
    const updates = applyEpochEnd(state);
    assertSignable(
      updates.filter((u) => u.power > 0n),
      "at the cap",
    );
  });
});
