import "../node/util/polyfill.ts";
import { Contract, parseEther } from "ethers";
import { DEVNET_DEFAULTS } from "../genesis/defaults.ts";
import { CHECKPOINT_MANAGER_ABI } from "../node/types/index.ts";
import { BridgeNet } from "../test/helpers/bridgeNet.ts";
import { eventually } from "../test/helpers/cluster.ts";
import { formatTable } from "./lib/table.ts";

/**
 * Bridge latency on devnet settings (DESIGN.md §8): from the L1 deposit's receipt to the mint on the sidechain,
 * and from the withdrawal's sidechain receipt to its checkpoint on L1 and to the paid exit; gas per checkpoint
 * submission as the relayer paid it. The floor for a withdrawal is the rest of its epoch (20 blocks of ~1 s).
 */

const DEPOSITS = 5;
const WITHDRAWALS = 3;

function stats(ms: number[]): { n: number; meanMs: number; minMs: number; maxMs: number } {
  return {
    n: ms.length,
    meanMs: Math.round(ms.reduce((a, b) => a + b, 0) / ms.length),
    minMs: Math.round(Math.min(...ms)),
    maxMs: Math.round(Math.max(...ms)),
  };
}

const net = await BridgeNet.create({
  validators: 4,
  epochLength: DEVNET_DEFAULTS.epochLength,
  overrides: { timeouts: { ...DEVNET_DEFAULTS.timeouts } },
});
try {
  await net.cluster.startAll();
  await net.startRelayer();
  const client = net.client(1);
  const pollMs = 50;
  const depositMs: number[] = [];
  for (let i = 0; i < DEPOSITS; i++) {
    const token =
      i % 2 === 0 ? { kind: "eth" as const } : { kind: "address" as const, address: net.testToken };
    const deposit = await client.deposit({ token, amount: parseEther("1") });
    const start = performance.now();
    await eventually(
      `deposit ${deposit.nonce} minted`,
      async () => (await net.sidechain.deposit(deposit.nonce))?.status === "minted",
      60_000,
      pollMs,
    );
    depositMs.push(performance.now() - start);
  }

  const manager = new Contract(net.deployment.checkpointManager, CHECKPOINT_MANAGER_ABI, net.l1Provider);
  const toL1Ms: number[] = [];
  const exitedMs: number[] = [];
  for (let i = 0; i < WITHDRAWALS; i++) {
    const withdrawal = await client.withdraw({ token: { kind: "eth" }, amount: parseEther("0.1") });
    const start = performance.now();
    const proof = await eventually(
      `withdrawal ${withdrawal.id} certified`,
      async () => net.sidechain.withdrawalProof(withdrawal.id).catch(() => undefined),
      120_000,
      pollMs,
    );
    await eventually(
      `checkpoint ${proof.checkpointNumber} on L1`,
      async () => Number(await manager.getFunction("lastCheckpointNumber")()) >= proof.checkpointNumber,
      120_000,
      pollMs,
    );
    toL1Ms.push(performance.now() - start);
    await client.exit(withdrawal.id);
    exitedMs.push(performance.now() - start);
  }
  client.close();

  const gas: number[] = [];
  for (const log of await manager.queryFilter("CheckpointSubmitted", net.deployment.deploymentBlock)) {
    const receipt = await net.l1Provider.getTransactionReceipt(log.transactionHash);
    if (receipt) gas.push(Number(receipt.gasUsed));
  }
  const result = {
    settings: {
      validators: 4,
      epochLength: DEVNET_DEFAULTS.epochLength,
      commitMs: DEVNET_DEFAULTS.timeouts.commitMs,
    },
    depositToMint: stats(depositMs),
    withdrawalToCheckpointOnL1: stats(toL1Ms),
    withdrawalToExitPaid: stats(exitedMs),
    checkpointGas: {
      n: gas.length,
      mean: Math.round(gas.reduce((a, b) => a + b, 0) / gas.length),
      min: Math.min(...gas),
      max: Math.max(...gas),
    },
  };
  console.log(JSON.stringify(result, null, 2));
  console.log();
  console.log(
    formatTable(
      ["measure (devnet settings, 4 validators)", "n", "mean", "min", "max"],
      [
        [
          "deposit: L1 receipt -> minted (ms)",
          result.depositToMint.n,
          result.depositToMint.meanMs,
          result.depositToMint.minMs,
          result.depositToMint.maxMs,
        ],
        [
          "withdrawal -> checkpoint on L1 (ms)",
          result.withdrawalToCheckpointOnL1.n,
          result.withdrawalToCheckpointOnL1.meanMs,
          result.withdrawalToCheckpointOnL1.minMs,
          result.withdrawalToCheckpointOnL1.maxMs,
        ],
        [
          "withdrawal -> exit paid (ms)",
          result.withdrawalToExitPaid.n,
          result.withdrawalToExitPaid.meanMs,
          result.withdrawalToExitPaid.minMs,
          result.withdrawalToExitPaid.maxMs,
        ],
        [
          "gas per checkpoint submission",
          result.checkpointGas.n,
          result.checkpointGas.mean,
          result.checkpointGas.min,
          result.checkpointGas.max,
        ],
      ],
    ),
  );
} finally {
  await net.destroy();
}
