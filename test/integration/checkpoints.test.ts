import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Address, Hex, SignatureHex } from "../../node/crypto/index.ts";
import { blocksRoot, recoverCheckpointSigner } from "../../node/types/index.ts";
import { blockHashAt, Cluster, eventually, rpc } from "../helpers/cluster.ts";

const EPOCH = 5;
const L1 = {
  chainId: "31337",
  checkpointManager: "0x0000000000000000000000000000000000000001" as Address,
  bridge: "0x0000000000000000000000000000000000000002" as Address,
  deploymentBlock: 0,
  confirmations: 0,
};
const DOMAIN = { l1ChainId: BigInt(L1.chainId), checkpointManager: L1.checkpointManager };

interface CheckpointJson {
  sidechainId: string;
  number: number;
  startHeight: number;
  endHeight: number;
  blocksRoot: Hex;
  withdrawalsRoot: Hex;
  nextValidatorSetHash: Hex;
  signers: Address[];
  signatures: { validator: Address; signature: SignatureHex }[];
  l1: { status: string; txHash: Hex | null };
}

interface ValidatorsJson {
  totalPower: string;
  validators: { address: Address; power: string }[];
}

const latestNumber = async (url: string) =>
  (await rpc<CheckpointJson | null>(url, "outrigger_checkpoint", ["latest"]))?.number ?? 0;

describe("checkpoints on a 4-validator cluster with an L1 section", { timeout: 300_000 }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await Cluster.create({ validators: 4, overrides: { epochLength: EPOCH, l1: L1 } });
    // Node 3 stays down at first: it must still serve the checkpoints, learnt from blocks, once it is back.
    await cluster.startAll([0, 1, 2]);
  });
  after(() => cluster?.destroy());

  it("certifies each epoch, includes it in blocks, and every node (also one that was down) serves the same", async () => {
    const first = cluster.nodes[0]?.rpcUrl as string;
    await eventually("checkpoint 3 on node 0", async () => (await latestNumber(first)) >= 3, 60_000);
    await cluster.start(3);
    const urls = cluster.nodes.map((n) => n.rpcUrl);
    await eventually(
      "checkpoint 3 on every node",
      async () => (await Promise.all(urls.map(latestNumber))).every((n) => n >= 3),
      60_000,
    );

    const lists = await Promise.all(
      urls.map((u) => rpc<CheckpointJson[]>(u, "outrigger_checkpoints", [1, 3])),
    );
    const [reference] = lists;
    assert.ok(reference);
    assert.equal(reference.length, 3);
    for (const list of lists) assert.deepEqual(list, reference, "every node serves identical checkpoints");

    for (const [i, c] of reference.entries()) {
      assert.equal(c.number, i + 1);
      assert.equal(c.startHeight, i * EPOCH + 1);
      assert.equal(c.endHeight, (i + 1) * EPOCH);
      assert.equal(c.l1.status, "pending", "no relayer: nothing is on L1");
      const hashes: Hex[] = [];
      for (let h = c.startHeight; h <= c.endHeight; h++) hashes.push((await blockHashAt(first, h)) as Hex);
      assert.equal(c.blocksRoot, blocksRoot(hashes), "blocksRoot covers the epoch's blocks in order");
      assert.equal(c.withdrawalsRoot, `0x${"00".repeat(32)}`, "no withdrawals: the empty root");

      const set = await rpc<ValidatorsJson>(first, "outrigger_validators", [c.endHeight]);
      const power = new Map(set.validators.map((v) => [v.address, BigInt(v.power)]));
      const checkpoint = {
        sidechainId: BigInt(c.sidechainId),
        number: c.number,
        startHeight: c.startHeight,
        endHeight: c.endHeight,
        blocksRoot: c.blocksRoot,
        withdrawalsRoot: c.withdrawalsRoot,
        nextValidatorSetHash: c.nextValidatorSetHash,
      };
      let signed = 0n;
      for (const s of c.signatures) {
        assert.equal(recoverCheckpointSigner(checkpoint, DOMAIN, s.signature), s.validator);
        const p = power.get(s.validator);
        assert.ok(p !== undefined, `${s.validator} is a validator of epoch ${c.number}`);
        signed += p;
      }
      assert.deepEqual(
        c.signers,
        c.signatures.map((s) => s.validator),
      );
      assert.ok(signed * 3n > BigInt(set.totalPower) * 2n, `checkpoint ${c.number} has more than 2/3`);
    }
  });

  it("withdrawalProof explains why it has no proof for an unknown withdrawal", async () => {
    const url = cluster.nodes[0]?.rpcUrl as string;
    // Without a deposit there is no bridged token to withdraw, so only the error path is reachable here.
    await assert.rejects(rpc(url, "outrigger_withdrawalProof", [0]), /withdrawal 0 not found/);
    await assert.rejects(rpc(url, "outrigger_withdrawalProof", ["x"]), /invalid params/);
  });
});
