import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Address, Hex, SignatureHex } from "../../node/crypto/index.ts";
import { blocksRoot, recoverCheckpointSigner } from "../../node/types/index.ts";
import { blockHashAt, Cluster, eventually, heightOf, rpc } from "../helpers/cluster.ts";

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

/** The sum of a counter's samples whose labels include `label` (e.g. topic="checkpoint-sig"), from /metrics. */
async function counter(url: string, name: string, label: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", url))).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) && line.includes(label))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

/** Checks checkpoint `c`'s signatures against the set of its epoch on `url`: each recovers, 2/3+ of the power. */
async function assertCertified(url: string, c: CheckpointJson): Promise<void> {
  const set = await rpc<ValidatorsJson>(url, "outrigger_validators", [c.endHeight]);
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
  assert.ok(signed * 3n > BigInt(set.totalPower) * 2n, `checkpoint ${c.number} has more than 2/3`);
}

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

      await assertCertified(first, c);
      assert.deepEqual(
        c.signers,
        c.signatures.map((s) => s.validator),
      );
    }
  });

  it("withdrawalProof explains why it has no proof for an unknown withdrawal", async () => {
    const url = cluster.nodes[0]?.rpcUrl as string;
    // Without a deposit there is no bridged token to withdraw, so only the error path is reachable here.
    await assert.rejects(rpc(url, "outrigger_withdrawalProof", [0]), /withdrawal 0 not found/);
    await assert.rejects(rpc(url, "outrigger_withdrawalProof", ["x"]), /invalid params/);
  });
});

describe("a validator restarted in the middle of checkpoint signing", { timeout: 300_000 }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await Cluster.create({ validators: 4, overrides: { epochLength: EPOCH, l1: L1 } });
    // Node 2 stays down: nodes 0, 1 and 3 hold 3 of 4 votes, so every block and every certificate needs node 3.
    await cluster.startAll([0, 1, 3]);
  });
  after(() => cluster?.destroy());

  it("certifies and includes the checkpoint once the validator is back, from re-gossip and requests", async (t) => {
    const url0 = cluster.nodes[0]?.rpcUrl as string;
    const url3 = cluster.nodes[3]?.rpcUrl as string;
    const number = Math.floor(((await heightOf(url3)) + 3) / EPOCH) + 1;
    const endHeight = number * EPOCH;
    await eventually(
      `node 3 at height ${endHeight}`,
      async () => (await heightOf(url3)) >= endHeight,
      60_000,
      10,
    );
    // Killed the moment it committed the epoch's last block: the chain halts (2 of 4 votes) with checkpoint
    // `number` pending on nodes 0 and 1, which sign it and gossip their signatures while node 3 is away.
    await cluster.kill(3);
    const includedAtKill = (await latestNumber(url0)) >= number;
    t.diagnostic(
      `killed node 3 at its height ${endHeight}; checkpoint ${number} included already: ${includedAtKill}`,
    );
    await new Promise((r) => setTimeout(r, 10_000));
    if (!includedAtKill) {
      assert.equal(await latestNumber(url0), number - 1, "no block can carry it while the chain is halted");
      assert.ok(
        (await counter(url0, "outrigger_p2p_regossip_messages_total", 'topic="checkpoint-sig"')) > 0,
        "node 0 gossips its held signature again while the checkpoint waits",
      );
    }

    await cluster.start(3);
    const urls = [0, 1, 3].map((i) => cluster.nodes[i]?.rpcUrl as string);
    await eventually(
      `checkpoint ${number} in a block on nodes 0, 1 and 3`,
      async () => (await Promise.all(urls.map(latestNumber))).every((n) => n >= number),
      120_000,
    );
    const served = await Promise.all(
      urls.map((u) => rpc<CheckpointJson>(u, "outrigger_checkpoint", [number])),
    );
    for (const c of served) assert.deepEqual(c, served[0], "every node serves the same certificate");
    const c = served[0] as CheckpointJson;
    assert.equal(c.number, number);
    assert.equal(c.endHeight, endHeight);
    // Node 3 came back on another RPC port.
    const restarted = urls[2] as string;
    await assertCertified(restarted, c);
    if (!includedAtKill) {
      assert.match(
        await cluster.log(3),
        new RegExp(`"number":${number}[^\\n]*resumed the checkpoint of the last epoch`),
        "node 3 took the checkpoint up again after its restart",
      );
    }
    const fetched = await counter(
      restarted,
      "outrigger_p2p_held_fetched_items_total",
      'kind="checkpoint-signatures"',
    );
    t.diagnostic(`signers ${c.signers.join(",")}; node 3 fetched ${fetched} signatures after its restart`);
  });
});
