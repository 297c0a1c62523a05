import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SidechainRpc } from "../../bridge/sidechainRpc.ts";
import type { Deployment } from "../../contracts/deployment.ts";
import { DEVNET_DEFAULTS } from "../../genesis/defaults.ts";
import { DEV_RELAYER_ACCOUNT, devAccountKey } from "../../genesis/devKeys.ts";
import { createNetwork } from "../../genesis/network.ts";
import { nativeTokenAddress } from "../../node/app/index.ts";
import { parseGenesis } from "../../node/config/genesis.ts";
import { type Address, privateKeyToAddress } from "../../node/crypto/index.ts";
import { deployDevnetL1 } from "./deployDevnet.ts";
import { compileContracts, startLocalL1 } from "./l1.ts";
import { type NodeProcess, spawnNode } from "./nodeProcess.ts";
import { spawnRelayer } from "./relayerProcess.ts";

export interface DevnetFlags {
  dir: string;
  reset: boolean;
  validators: number;
  l1Port: number;
  rpcBasePort: number;
  p2pBasePort: number;
}

const say = (line = "") => process.stdout.write(`${line}\n`);

/**
 * `outrigger devnet`: a local L1 with the contracts deployed, a genesis, and the validators as child processes,
 * all stopped on Ctrl-C or SIGTERM. The sidechain's data survives a restart unless --reset; the L1 (hardhat)
 * keeps no state, and redeploys to the same addresses because its accounts and nonces are deterministic.
 */
export async function runDevnet(flags: DevnetFlags): Promise<void> {
  const dir = resolve(flags.dir);
  if (flags.reset) await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const children: { stop(): Promise<void> }[] = [];
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    say("\nstopping the devnet...");
    await Promise.all(children.map((c) => c.stop()));
  };
  const onSignal = () => void stopAll().then(() => process.exit(0));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    say("compiling the L1 contracts (offline)...");
    await compileContracts();
    const l1 = await startLocalL1(flags.l1Port, join(dir, "l1.log"));
    children.push(l1);
    say(`L1 (hardhat) running at ${l1.url}`);

    const { deployment, testToken, genesisL1 } = await deployDevnetL1(l1.url, {
      validators: flags.validators,
      outFile: join(dir, "deployment.json"),
    });
    say(`contracts deployed: CheckpointManager ${deployment.checkpointManager}, Bridge ${deployment.bridge}`);

    const homes = Array.from({ length: flags.validators }, (_, i) => join(dir, `node${i}`));
    let resumed = false;
    if (existsSync(join(dir, "genesis.json"))) {
      const genesis = parseGenesis(JSON.parse(await readFile(join(dir, "genesis.json"), "utf8")));
      if (genesis.l1?.bridge !== deployment.bridge || genesis.validators.length !== flags.validators) {
        throw new Error(`${dir} holds a devnet with other settings; start over with --reset`);
      }
      say(`resuming the sidechain in ${dir} (use --reset to start from genesis)`);
      resumed = true;
    } else {
      // Base port 0: each node binds free ports when it starts, and the summary prints them.
      const range = (base: number) =>
        base === 0 ? undefined : Array.from({ length: flags.validators }, (_, i) => base + i);
      await createNetwork({
        dir,
        validators: flags.validators,
        ports: { p2p: range(flags.p2pBasePort), rpc: range(flags.rpcBasePort) },
        l1: genesisL1,
        l1RpcUrl: l1.url,
      });
      say(`genesis written to ${dir}`);
    }

    // One after another, each dialling those already up at the addresses they reported (their ports may have
    // been bound at start), so every pair is connected by the later one.
    const nodes: NodeProcess[] = [];
    for (const home of homes) {
      const bootstrap = nodes.flatMap((n) => n.ready.p2p.slice(0, 1)).join(",");
      const node = await spawnNode(home, { env: { OUTRIGGER_P2P_PERSISTENT_PEERS: bootstrap } });
      nodes.push(node);
      children.push(node);
    }
    if (resumed) await refuseForgottenDeposits(nodes[0]?.ready.rpc ?? "");
    const relayerKey = join(dir, "relayer.key");
    await writeFile(relayerKey, `${devAccountKey(DEV_RELAYER_ACCOUNT)}\n`, { mode: 0o600 });
    const relayer = await spawnRelayer(
      { rpcUrl: nodes[0]?.ready.rpc ?? "", l1RpcUrl: l1.url, keyFile: relayerKey },
      { logFile: join(dir, "relayer.log") },
    );
    children.push(relayer);
    printSummary({ l1Url: l1.url, nodes, dir, deployment, testToken });
    await followHeight(nodes[0]?.ready.rpc ?? "", () => stopping);
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * The devnet's L1 starts empty on every run while the sidechain resumes: a sidechain that already minted deposits
 * would take the new L1's deposit nonces for ones it has seen, so it cannot go on with it.
 */
async function refuseForgottenDeposits(rpcUrl: string): Promise<void> {
  const { nextDepositNonce } = await new SidechainRpc(rpcUrl).bridgeInfo();
  if (nextDepositNonce > 0n) {
    throw new Error(
      `the sidechain in this folder minted ${nextDepositNonce} deposits of an L1 that no longer exists (the devnet L1 keeps no state); start over with --reset`,
    );
  }
}

interface Summary {
  l1Url: string;
  nodes: NodeProcess[];
  dir: string;
  deployment: Deployment;
  testToken: Address;
}

function printSummary({ l1Url, nodes, dir, deployment, testToken }: Summary): void {
  const { testToken: tst, devToken } = DEVNET_DEFAULTS;
  say();
  say("Outrigger devnet is running. Ctrl-C stops everything.");
  say();
  say(`  L1 RPC (chain id ${deployment.l1ChainId}):         ${l1Url}`);
  for (const [i, n] of nodes.entries())
    say(`  validator ${i} RPC (chain id ${DEVNET_DEFAULTS.chainId}):  ${n.ready.rpc}   ws ${n.ready.ws}`);
  say(`  L1 Bridge:                       ${deployment.bridge}`);
  say(`  L1 CheckpointManager:            ${deployment.checkpointManager}`);
  say(`  L1 test ERC20 (${tst.symbol}):            ${testToken}`);
  say(`  DEV token (ERC20 on the sidechain): ${nativeTokenAddress(devToken.symbol)}`);
  say(`  relayer:                         deposits and checkpoints, log in ${join(dir, "relayer.log")}`);
  say(`  data and logs:                   ${dir}`);
  say();
  say(
    `Funded dev accounts (10,000 native tokens on the sidechain; 10,000 ETH and ${tst.amount / 10n ** BigInt(tst.decimals)} ${tst.symbol} on the L1; devnet keys, never use them for real):`,
  );
  for (let i = 0; i < DEVNET_DEFAULTS.devAccounts; i++) {
    const key = devAccountKey(i);
    say(`  ${privateKeyToAddress(key)}  ${key}`);
  }
  say();
}

/** A readable pulse on the terminal: the height and the block rate every few seconds. */
async function followHeight(rpcUrl: string, stopped: () => boolean): Promise<void> {
  let last: { height: number; at: number } | null = null;
  while (!stopped()) {
    try {
      const res = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
      });
      const height = Number.parseInt(((await res.json()) as { result: string }).result, 16);
      const now = Date.now();
      if (last && height > last.height) {
        const rate = ((height - last.height) / ((now - last.at) / 1000)).toFixed(2);
        say(`height ${height}  (${rate} blocks/s)`);
      }
      last = { height, at: now };
    } catch {
      if (!stopped()) say("validator 0 is not answering");
    }
    await new Promise((r) => setTimeout(r, 5_000));
  }
}
