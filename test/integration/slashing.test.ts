import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Contract } from "ethers";
import { type Address, hashValidatorSet } from "../../node/crypto/index.ts";
import { CHECKPOINT_MANAGER_ABI } from "../../node/types/index.ts";
import { BridgeNet } from "../helpers/bridgeNet.ts";
import { outrigger } from "../helpers/cli.ts";
import { blockHashAt, Cluster, eventually, heightOf, rpc } from "../helpers/cluster.ts";

interface Standing {
  address: Address;
  power: string;
  stake: string;
  jailed: boolean;
  jailedUntil: number;
  slashed: string;
  missedInWindow: number;
}

const validators = async (url: string) =>
  (await rpc<{ validators: Standing[] }>(url, "outrigger_validators", [])).validators;

async function assertOneChain(urls: string[], upTo: number): Promise<void> {
  for (let h = 1; h <= upTo; h++) {
    const hashes = new Set(await Promise.all(urls.map((u) => blockHashAt(u, h))));
    assert.equal(hashes.size, 1, `height ${h} differs across nodes`);
  }
}

describe("misbehaviour is punished on real processes", { timeout: 600_000 }, () => {
  it("two processes on one validator key: the double sign is evidence in a block, the offender is slashed and jailed, the chain goes on, and L1 takes the set without it", async (t) => {
    const net = await BridgeNet.create({ validators: 4, epochLength: 10 });
    const { cluster } = net;
    t.after(() => net.destroy());
    // The same key and genesis in a second home with its own store and peer identity (a careless failover),
    // running from the first height: a twin that first has to catch up may only ever follow, never sign.
    await cluster.addTwin(1);
    await cluster.startAll();
    await net.startRelayer();
    const url = cluster.nodes[0]?.rpcUrl as string;
    const before = await validators(url);
    const offender = (
      await rpc<{ validator: Address }>(cluster.nodes[1]?.rpcUrl as string, "outrigger_status")
    ).validator;
    assert.ok(offender);

    // A deadline against a hang on a loaded machine, not a speed claim: the twins sign apart when v1 proposes.
    await eventually(
      "the offender is out of the set",
      async () => (await validators(url)).every((v) => v.address !== offender),
      300_000,
    );
    const after = await validators(url);
    assert.equal(after.length, 3, "the three honest validators remain");
    for (const v of after) {
      const was = before.find((b) => b.address === v.address);
      assert.equal(v.stake, was?.stake, `${v.address} lost nothing`);
      assert.equal(v.jailed, false);
      assert.equal(v.slashed, "0");
    }

    // Every committed evidence is against the offender; the first one convicted it.
    const head = await heightOf(url);
    const convictions: { validator: Address; height: number }[] = [];
    for (let h = 1; h <= head; h++) {
      const block = await rpc<{ evidence: { validator: Address; height: number }[] }>(
        url,
        "outrigger_evidence",
        [h],
      );
      convictions.push(...block.evidence);
    }
    assert.ok(convictions.length >= 1, "a block carried the evidence");
    assert.ok(
      convictions.every((e) => e.validator === offender),
      "no honest validator was accused",
    );

    await eventually("the chain goes on without it", async () => (await heightOf(url)) >= head + 5);
    const urls = [0, 2, 3].map((i) => cluster.nodes[i]?.rpcUrl as string);
    await assertOneChain(urls, head + 5);
    // Its standing is served with a set it was in: the one of the height it double signed at.
    const then = await rpc<{ validators: Standing[] }>(url, "outrigger_validators", [
      convictions[0]?.height ?? 1,
    ]);
    const standing = then.validators.find((v) => v.address === offender);
    assert.equal(standing?.jailed, true);
    // One punishment covers every double sign of its epoch: 5% of what it had, once.
    const slashed = BigInt(standing?.slashed ?? "0");
    const left = BigInt(standing?.stake ?? "0");
    assert.ok(slashed > 0n);
    assert.equal(slashed * 20n, left + slashed, "5% of its stake");

    // The checkpoint of the epoch it was jailed in hands L1 the set without it, as for any set change.
    const manager = new Contract(net.deployment.checkpointManager, CHECKPOINT_MANAGER_ABI, net.l1Provider);
    const without = hashValidatorSet(
      after
        .map((v) => ({ address: v.address, power: BigInt(v.power) }))
        .sort((a, b) => (a.address < b.address ? -1 : 1)),
    );
    await eventually(
      "L1's CheckpointManager holds the set without the offender",
      async () => (await manager.getFunction("validatorSetHash")()) === without,
    );
  });

  it("a validator offline past the downtime share is jailed and slashed, and after the jail period unjails by transaction", async (t) => {
    const cluster = await Cluster.create({
      validators: 4,
      overrides: {
        epochLength: 10,
        slashing: {
          signedBlocksWindow: 20,
          minSignedPpm: 500_000,
          jailHeights: 90,
          downtimeSlashPpm: 10_000,
        },
      },
    });
    t.after(() => cluster.destroy());
    await cluster.startAll();
    const url = cluster.nodes[0]?.rpcUrl as string;
    const node3 = cluster.nodes[3];
    assert.ok(node3);
    const absent = (await rpc<{ validator: Address }>(node3.rpcUrl, "outrigger_status")).validator;
    assert.ok(absent);
    await eventually("a few blocks", async () => (await heightOf(url)) >= 3);
    await cluster.kill(3);
    await eventually("the absent validator is out of the set", async () =>
      (await validators(url)).every((v) => v.address !== absent),
    );
    // Its standing is still served while it is out of the set: ask the set of a height it was in.
    const record = (await rpc<{ validators: Standing[] }>(url, "outrigger_validators", [2])).validators.find(
      (v) => v.address === absent,
    );
    assert.equal(record?.jailed, true);
    assert.ok(BigInt(record?.slashed ?? "0") > 0n, "downtime costs a slice of the stake");
    for (const v of await validators(url)) assert.equal(v.jailed, false, `${v.address} is not jailed`);

    // Sent through another node: the jailed validator's key is all it takes.
    const early = await outrigger(["unjail", "--rpc", url, "--key-file", join(node3.home, "validator.key")]);
    assert.ok(
      (await heightOf(url)) < (record?.jailedUntil ?? 0),
      "the refusal below happened inside the jail period",
    );
    assert.notEqual(early.code, 0, "an unjail before the jail period is over is refused");
    assert.match(early.stderr + early.stdout, /still jailed until height/);

    await cluster.start(3);
    await eventually(
      "the jail period is over",
      async () => (await heightOf(url)) >= (record?.jailedUntil ?? 0),
    );
    const unjail = await outrigger(["unjail", "--rpc", url, "--key-file", join(node3.home, "validator.key")]);
    assert.equal(unjail.code, 0, unjail.stderr);
    await eventually("back in the set from the next epoch", async () =>
      (await validators(url)).some((v) => v.address === absent && !v.jailed),
    );
  });
});
