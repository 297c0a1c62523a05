import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { computeAddress, Wallet } from "ethers";
import { DEVNET_DEFAULTS } from "../../genesis/defaults.ts";
import { devAccountKey } from "../../genesis/devKeys.ts";
import { blockHashAt, Cluster, eventually, heightOf, rpc } from "../helpers/cluster.ts";
import { requestCount } from "../hostile/cases.ts";
import { buildCorpus } from "../hostile/corpus.ts";
import { formatTable, runCorpus, summarize } from "../hostile/driver.ts";
import { CLAIM } from "../hostile/params.ts";
import { UNFUNDED_KEY } from "../hostile/txCases.ts";

/**
 * Over 1,000 malformed and hostile RPC requests spread over a running 4-validator cluster: every one gets the answer
 * it is owed, and afterwards every node still commits, the nodes agree, and no account or view moved.
 */
const NODES = 4;
const VALID_TXS = 3;

interface Snapshot {
  accounts: Record<string, { balance: string; nonce: string; pendingNonce: string }>;
  validators: unknown;
  deposit: unknown;
  bridge: string;
  evidenceHeld: unknown;
}

/** What the corpus must not move, as one node reports it. */
async function snapshot(url: string, addresses: readonly string[]): Promise<Snapshot> {
  const accounts: Snapshot["accounts"] = {};
  for (const address of addresses) {
    accounts[address] = {
      balance: await rpc<string>(url, "eth_getBalance", [address, "latest"]),
      nonce: await rpc<string>(url, "eth_getTransactionCount", [address, "latest"]),
      pendingNonce: await rpc<string>(url, "eth_getTransactionCount", [address, "pending"]),
    };
  }
  const set = await rpc<{ validators: Record<string, unknown>[] }>(url, "outrigger_validators", []);
  // missedInWindow moves with every block; the rest only with a transaction or a punishment.
  const validators = set.validators.map(({ address, power, stake, jailed, slashed }) => ({
    address,
    power,
    stake,
    jailed,
    slashed,
  }));
  const bridge = await rpc<unknown>(url, "outrigger_bridgeInfo", []).then(
    (info) => JSON.stringify(info),
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  return {
    accounts,
    validators,
    deposit: await rpc<unknown>(url, "outrigger_deposit", [CLAIM.nonce]),
    bridge,
    evidenceHeld: await rpc<unknown>(url, "outrigger_evidence", []),
  };
}

describe("a 4-validator cluster under over 1,000 hostile RPC requests", { timeout: 300_000 }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await Cluster.create({ validators: NODES });
    await cluster.startAll();
  });
  after(() => cluster?.destroy());

  it("answers each as expected, keeps committing, and no node's state moves", async () => {
    const urls = cluster.nodes.map((n) => n.rpcUrl);
    const first = urls[0] as string;
    await eventually("the chain is running", async () => (await heightOf(first)) >= 2);

    // A few valid transfers first, so the corpus has committed transactions to replay and a nonce to go under.
    const senderKey = devAccountKey(0);
    const sender = new Wallet(senderKey);
    const baseFee = BigInt(await rpc<string>(first, "eth_gasPrice"));
    const startNonce = Number(
      await rpc<string>(first, "eth_getTransactionCount", [sender.address, "latest"]),
    );
    const raws: string[] = [];
    for (let i = 0; i < VALID_TXS; i++) {
      raws.push(
        await sender.signTransaction({
          type: 2,
          chainId: DEVNET_DEFAULTS.chainId,
          to: computeAddress(devAccountKey(1)),
          value: 1_000n + BigInt(i),
          nonce: startNonce + i,
          gasLimit: 21_000n,
          maxFeePerGas: 2n * baseFee,
          maxPriorityFeePerGas: 0n,
        }),
      );
    }
    const hashes: string[] = [];
    for (const [i, raw] of raws.entries())
      hashes.push(await rpc<string>(urls[i % NODES] as string, "eth_sendRawTransaction", [raw]));
    const committedAt = await eventually("the valid transfers committed on every node", async () => {
      const heights: number[] = [];
      for (const url of urls) {
        for (const hash of hashes) {
          const receipt = await rpc<{ blockNumber: string; status: string } | null>(
            url,
            "eth_getTransactionReceipt",
            [hash],
          );
          if (receipt === null) return undefined;
          assert.equal(receipt.status, "0x1");
          heights.push(Number(receipt.blockNumber));
        }
      }
      return Math.max(...heights);
    });

    const watched = [
      ...Array.from({ length: 4 }, (_, i) => computeAddress(devAccountKey(i))),
      ...cluster.layout.nodes.map((n) => n.address),
      computeAddress(UNFUNDED_KEY),
      "0x000000000000000000000000000000000000dEaD",
      CLAIM.from,
      CLAIM.to,
    ];
    await eventually("every node past the transfers", async () =>
      (await Promise.all(urls.map(heightOf))).every((h) => h >= committedAt),
    );
    const before = await Promise.all(urls.map((url) => snapshot(url, watched)));
    for (const s of before.slice(1)) assert.deepEqual(s, before[0], "the nodes agree before the corpus");

    // Block 0's base fee is the floor: a fee cap under it is underpriced however the base fee moves meanwhile.
    const genesis = await rpc<{ baseFeePerGas: string }>(first, "eth_getBlockByNumber", ["0x0", false]);
    const cases = buildCorpus({
      chainId: DEVNET_DEFAULTS.chainId,
      baseFee: BigInt(genesis.baseFeePerGas),
      replay: raws,
      funded: { key: senderKey, nonce: startNonce + VALID_TXS },
      slowLorisSockets: 50,
      // Slow headers are cut at 10 s and slow bodies at 30 s (RPC_DEFAULTS), by a check every 2 s; then slack.
      slowLorisCloseWithinMs: 45_000,
    });
    const requests = cases.reduce((n, c) => n + requestCount(c), 0);
    assert.ok(requests >= 1_000, `${requests} requests`);
    const outcomes = await runCorpus(cases, { urls, concurrency: 8, answerTimeoutMs: 30_000 });
    const summary = summarize(outcomes);
    process.stdout.write(`${requests} hostile requests in ${cases.length} cases\n`);
    for (const line of formatTable(summary).split("\n")) process.stdout.write(`${line}\n`);
    assert.deepEqual(
      outcomes
        .filter((o) => o.unexpected !== null)
        .map((o) => `[${o.family}] ${o.name} (${o.url}): ${o.unexpected}`),
      [],
      "every case got its expected answer",
    );

    // Every node still commits: a few blocks past where each stood.
    const heightsAfter = await Promise.all(urls.map(heightOf));
    await eventually("every node commits 3 more blocks", async () =>
      (await Promise.all(urls.map(heightOf))).every((h, i) => h >= (heightsAfter[i] as number) + 3),
    );
    const common = Math.min(...(await Promise.all(urls.map(heightOf))));
    const hashesAt = await Promise.all(urls.map((url) => blockHashAt(url, common)));
    assert.equal(new Set(hashesAt).size, 1, `block ${common}: ${hashesAt.join(" ")}`);
    assert.ok(hashesAt[0]);

    const afterwards = await Promise.all(urls.map((url) => snapshot(url, watched)));
    for (const [i, s] of afterwards.entries())
      assert.deepEqual(s, before[0], `node ${i}'s state is unchanged`);

    // No method failed inside any node (what a -32603 would have logged).
    for (let i = 0; i < NODES; i++) {
      const failures = (await cluster.log(i)).split("\n").filter((l) => l.includes("rpc method failed"));
      assert.deepEqual(failures, [], `node ${i} logged no failed method`);
    }
  });
});
