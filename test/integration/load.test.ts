import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Wallet } from "ethers";
import { DEVNET_DEFAULTS } from "../../genesis/defaults.ts";
import { Cluster, eventually, heightOf, rpc } from "../helpers/cluster.ts";

/**
 * A bounded flood on four real validator processes: 2,000 transfers from 200 senders, each sender's nonces spread
 * over the four nodes, so a block can take a sender's next transaction only if the node that received it passed it
 * on. No timing is asserted: the conditions are waited for, with generous overall deadlines.
 */
const SENDERS = 200;
const TXS_PER_SENDER = 10;
const NODES = 4;
const IN_FLIGHT = 32;

interface Sent {
  hash: string;
  node: number;
  sender: number;
  nonce: number;
}

interface TxStatusJson {
  status: "committed" | "pending" | "queued" | "dropped";
  reason?: string;
  message?: string;
}

const senders = Array.from(
  { length: SENDERS },
  (_, i) => new Wallet(`0x${(0x7000_0000 + i).toString(16).padStart(64, "0")}`),
);

/** eth_sendRawTransaction through fetch; a refusal or a failed request counts as not accepted, and why. */
async function send(url: string, raw: string): Promise<{ hash: string } | { refused: string }> {
  try {
    return { hash: await rpc<string>(url, "eth_sendRawTransaction", [raw]) };
  } catch (err) {
    return { refused: err instanceof Error ? err.message : String(err) };
  }
}

describe("a 4-validator cluster under a bounded transaction flood", { timeout: 900_000 }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await Cluster.create({
      validators: NODES,
      overrides: {
        alloc: senders.map((w) => ({
          address: w.address.toLowerCase() as `0x${string}`,
          balance: (10n ** 20n).toString(),
        })),
      },
    });
    await cluster.startAll();
  });
  after(() => cluster?.destroy());

  it("commits every accepted transaction or says why not, keeps committing and answering, and mempools converge", async () => {
    const urls = cluster.nodes.map((n) => n.rpcUrl);
    await eventually("the chain is running", async () => (await heightOf(urls[0] as string)) >= 2);

    const signed: { raw: string; node: number; sender: number; nonce: number }[] = [];
    for (let nonce = 0; nonce < TXS_PER_SENDER; nonce++) {
      for (const [sender, wallet] of senders.entries()) {
        const raw = await wallet.signTransaction({
          type: 2,
          chainId: DEVNET_DEFAULTS.chainId,
          to: senders[(sender + 1) % SENDERS]?.address,
          value: 1n,
          nonce,
          gasLimit: 21_000n,
          maxFeePerGas: 2n * DEVNET_DEFAULTS.minGasPrice,
          maxPriorityFeePerGas: 0n,
        });
        signed.push({ raw, node: (sender + nonce) % NODES, sender, nonce });
      }
    }

    // While the flood runs: the head height and whether RPC answers, polled on the node that gets the most work.
    const heights: number[] = [];
    let answered = 0;
    let flooding = true;
    const startHeight = await heightOf(urls[0] as string);
    const watcher = (async () => {
      while (flooding) {
        try {
          heights.push(await heightOf(urls[1] as string));
          answered++;
        } catch {
          // An unanswered poll is not a failure by itself; the assertions below need some answers.
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    const sent: Sent[] = [];
    const refusals = new Map<string, number>();
    let refused = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < signed.length) {
          const item = signed[next++];
          if (item === undefined) break;
          const outcome = await send(urls[item.node] as string, item.raw);
          if ("refused" in outcome) {
            refused++;
            refusals.set(outcome.refused, (refusals.get(outcome.refused) ?? 0) + 1);
          } else sent.push({ hash: outcome.hash, node: item.node, sender: item.sender, nonce: item.nonce });
        }
      }),
    );
    const acceptedAll = sent.length;
    // A refused nonce (an RPC error under load) leaves its sender's later ones waiting for it: queued is their
    // visible state, and the right one.
    const firstRefused = new Map<number, number>();
    for (const item of signed)
      if (!sent.some((s) => s.sender === item.sender && s.nonce === item.nonce))
        firstRefused.set(item.sender, Math.min(firstRefused.get(item.sender) ?? item.nonce, item.nonce));
    const blocked = (tx: Sent) => tx.nonce > (firstRefused.get(tx.sender) ?? Number.POSITIVE_INFINITY);
    assert.ok(acceptedAll > 0, "the nodes accepted transactions");

    // Every accepted transaction ends committed, or dropped with a reason the node that accepted it reports.
    const settled = new Map<string, TxStatusJson>();
    await eventually(
      "every accepted transaction committed or dropped with a reason",
      async () => {
        for (const tx of sent) {
          if (settled.has(tx.hash)) continue;
          const status = await rpc<TxStatusJson | null>(urls[tx.node] as string, "outrigger_txStatus", [
            tx.hash,
          ]);
          const final = status?.status === "committed" || status?.status === "dropped";
          if (status && (final || (status.status === "queued" && blocked(tx)))) settled.set(tx.hash, status);
        }
        return settled.size === sent.length;
      },
      600_000,
      2_000,
    );
    flooding = false;
    await watcher;

    const dropped = [...settled.values()].filter((s) => s.status === "dropped");
    for (const d of dropped)
      assert.ok(d.reason && d.message, `a dropped transaction has a reason: ${JSON.stringify(d)}`);
    // No pool was near its limits and every sender was funded: nothing should have been dropped at all.
    assert.equal(dropped.length, 0, `dropped: ${JSON.stringify(dropped.slice(0, 5))}`);

    // The chain kept committing while transactions were outstanding, and RPC answered during the flood.
    assert.ok(answered > 0, "eth_blockNumber was answered during the flood");
    assert.ok(
      Math.max(...heights) > startHeight,
      `heights during the flood: ${heights.slice(0, 20).join(",")}`,
    );

    // Mempools converged: for every node, some transaction sent only to it was included by another proposer.
    const head = await heightOf(urls[0] as string);
    const includedBy = new Map<string, string>();
    for (let h = 1; h <= head; h++) {
      const block = await rpc<{ miner: string; transactions: string[] } | null>(
        urls[0] as string,
        "eth_getBlockByNumber",
        [`0x${h.toString(16)}`, false],
      );
      for (const hash of block?.transactions ?? []) includedBy.set(hash, block?.miner.toLowerCase() ?? "");
    }
    for (const [i, node] of cluster.layout.nodes.entries()) {
      const own = node.address.toLowerCase();
      const byOthers = sent.filter((tx) => tx.node === i && (includedBy.get(tx.hash) ?? own) !== own);
      assert.ok(byOthers.length > 0, `transactions sent to node ${i} were included by other proposers`);
    }
    const committed = sent.filter((tx) => includedBy.has(tx.hash)).length;
    process.stdout.write(
      `# flood: ${signed.length} sent, ${acceptedAll} accepted, ${refused} refused, ${committed} committed, ` +
        `heights ${startHeight}..${head}, ${answered} RPC polls answered during the flood; ` +
        `refusals: ${JSON.stringify([...refusals])}\n`,
    );
    assert.equal(committed, sent.filter((tx) => !blocked(tx)).length);
  });
});
