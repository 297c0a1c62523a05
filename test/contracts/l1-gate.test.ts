import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Address } from "../../node/crypto/index.ts";
import { ClaimPool, createDepositConfirmer, DepositIntake } from "../../node/deposits/index.ts";
import { DEFAULT_L1_GATE, type L1Link, openL1Link } from "../../node/l1/index.ts";
import { NodeMetrics } from "../../node/observability/metrics.ts";
import { ethClaim } from "../helpers/deposits.ts";
import { provider } from "./support/chain.ts";
import { addressOf, deployFixture, type Fixture, send } from "./support/fixture.ts";
import { serveHardhatOverHttp } from "./support/httpL1.ts";
import { makeValidators } from "./support/keys.ts";

/**
 * The node's L1 gate against the real Bridge on hardhat's EVM, served over HTTP as a node's L1 would be: what a
 * flood of deposit claims costs there, counted by the node's own metric.
 */

const ONE = 10n ** 18n;
const L2_RECIPIENT: Address = `0x${"a2".repeat(20)}`;
const waitForNewHead = () => new Promise((resolve) => setTimeout(resolve, DEFAULT_L1_GATE.headTtlMs + 50));

describe("L1 gate on the real Bridge (hardhat EVM over HTTP)", () => {
  let server: Awaited<ReturnType<typeof serveHardhatOverHttp>>;
  let f: Fixture;
  let link: L1Link;
  const metrics = new NodeMetrics();

  before(async () => {
    f = await deployFixture(makeValidators(3));
    // The Bridge exists at the confirmed block (latest - 1) only once a block follows its deployment.
    await provider.send("evm_mine", []);
    server = await serveHardhatOverHttp();
    link = await openL1Link(
      server.url,
      {
        chainId: f.deployment.l1ChainId,
        bridge: f.deployment.bridge,
        checkpointManager: f.deployment.checkpointManager,
        confirmations: 1,
        deploymentBlock: f.deployment.deploymentBlock,
      },
      { onRequest: (call) => metrics.l1Requests.inc({ call }), onBusy: () => metrics.l1Busy.inc() },
    );
  });

  after(async () => {
    link?.reader.close();
    await server?.close();
  });

  async function requests(): Promise<Record<string, number>> {
    const byCall: Record<string, number> = {};
    for (const v of (await metrics.l1Requests.get()).values) byCall[String(v.labels.call)] = v.value;
    return byCall;
  }

  it("1,000 identical forged claims cost one depositHash request per L1 block, and a true one confirms after", async () => {
    const intake = new DepositIntake({
      pool: new ClaimPool(() => 0n),
      confirmer: createDepositConfirmer(link.reader),
      publish: () => {},
    });
    const real = { ...ethClaim(0n, ONE, L2_RECIPIENT), from: await addressOf(f.user) };
    const forged = { ...real, amount: 1_000n * ONE };
    const flood = () => Promise.all(Array.from({ length: 1_000 }, () => intake.submit(forged)));

    for (const r of await flood())
      assert.deepEqual(r, { ok: false, message: "deposit 0 is not on L1 or not final there yet" });
    for (let i = 0; i < 100; i++) assert.equal((await intake.submit(forged)).ok, false);
    const first = await requests();
    assert.equal(first.depositHash, 1, "1,100 claims in one L1 block: one eth_call");
    assert.equal(first.blockNumber, 1);

    // The deposit's block is latest; one confirmation more makes it final.
    await send(f.bridge, "depositETH", L2_RECIPIENT, { value: ONE });
    await waitForNewHead();
    assert.deepEqual(await intake.submit(real), {
      ok: false,
      message: "deposit 0 is not on L1 or not final there yet",
    });
    await provider.send("evm_mine", []);
    await waitForNewHead();
    for (const r of await flood())
      assert.deepEqual(r, { ok: false, message: "deposit claim 0 does not match L1" });
    assert.deepEqual(await intake.submit(real), { ok: true, status: "pending" });
    const last = await requests();
    assert.equal(last.depositHash, 3, "one eth_call per L1 block the claims were checked at");
    assert.equal(last.blockNumber, 3);
    assert.equal((await metrics.l1Busy.get()).values[0]?.value ?? 0, 0);
  });
});
