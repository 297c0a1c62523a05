import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SidechainRpc } from "../../bridge/sidechainRpc.ts";
import type { Deployment } from "../../contracts/deployment.ts";
import { DEVNET_DEFAULTS } from "../../genesis/defaults.ts";
import { DEV_RELAYER_ACCOUNT, devAccountKey } from "../../genesis/devKeys.ts";
import { nativeTokenAddress } from "../../node/app/index.ts";
import { CONFIG_FILE, readConfigFile } from "../../node/config/configFile.ts";
import { parseGenesis } from "../../node/config/genesis.ts";
import { resolveNodeConfig } from "../../node/config/nodeConfig.ts";
import { type Address, privateKeyToAddress } from "../../node/crypto/index.ts";
import { devnetHome } from "./deployDevnet.ts";
import { writeDevnetGenesis } from "./devnetGenesis.ts";
import { checkDepositsOnL1, L1_STATE_FILE, openDevnetL1 } from "./devnetL1.ts";
import { compileContracts } from "./l1.ts";
import { killChildNow, type NodeProcess, spawnNode, stopChild } from "./nodeProcess.ts";
import { stopWithNpmScript } from "./npmScript.ts";
import { checkPortsFree, type PlannedPort } from "./ports.ts";
import { spawnRelayer } from "./relayerProcess.ts";
import { supervise } from "./supervisor.ts";

export interface DevnetFlags {
  dir: string;
  reset: boolean;
  validators: number;
  l1Port: number;
  rpcBasePort: number;
  p2pBasePort: number;
}

const say = (line = "") => process.stdout.write(`${line}\n`);

/** A process the devnet started. */
interface Child {
  stop(): Promise<void>;
  /** SIGKILL, for a second Ctrl-C; absent for the L1, whose launcher still saves its state (a moment). */
  killNow?(): void;
}

/**
 * `outrigger devnet`: a local L1 (anvil) with the contracts deployed, a genesis, the validators and a relayer as
 * child processes. SIGINT or SIGTERM stops them all (a second one kills them at once); if the devnet itself dies,
 * even by SIGKILL, each child sees the pipe it was given close and stops too. The sidechain's data and the L1's
 * state (anvil's state file) survive a restart, which resumes both; --reset starts over. The contracts and the
 * genesis come from the deploy and genesis commands' own code (deployDevnetL1, writeDevnetGenesis), so every
 * devnet start runs the path an operator takes.
 */
export async function runDevnet(flags: DevnetFlags): Promise<void> {
  const dir = resolve(flags.dir);
  const homes = Array.from({ length: flags.validators }, (_, i) => devnetHome(dir, i));
  const sidechainExists = !flags.reset && existsSync(join(dir, "genesis.json"));
  // Before anything is written, started or deployed: a busy port is one line and nothing to clean up.
  await checkPortsFree(await plannedPorts(flags, homes, sidechainExists));
  if (flags.reset) await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });

  const children: Child[] = [];
  let l1Child: Child | null = null;
  let stopping = false;
  let stopped: Promise<void> | null = null;
  // One stop for everyone who asks (a signal, an error it causes in a start under way): all wait for the same.
  const stopAll = (): Promise<void> => {
    stopping = true;
    stopped ??= (async () => {
      // The L1 last: its final state then holds whatever the relayer sent it.
      await Promise.all(children.map((c) => c.stop()));
      await l1Child?.stop();
    })();
    return stopped;
  };
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) {
      say("\nstopping the devnet... (again to kill it at once)");
      void stopAll().then(() => process.exit(0));
      return;
    }
    say("killing the validators and the relayer");
    for (const c of children) c.killNow?.();
    process.exit(1);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  stopWithNpmScript(process.env, onSignal);
  // Kept from the moment each is spawned, so a stop also reaches one still starting.
  const onSpawn = (c: ChildProcess) => {
    const started: Child = { stop: () => stopChild(c), killNow: () => killChildNow(c) };
    // Spawned after a stop began (it was in its await): the stop already looked at the list.
    if (stopping) void started.stop();
    else children.push(started);
  };
  try {
    say("compiling the L1 contracts (offline)...");
    await compileContracts();
    if (stopping) return;
    const { l1, devnet, resumed } = await openDevnetL1(dir, {
      port: flags.l1Port,
      validators: flags.validators,
      sidechainExists,
      p2pBasePort: flags.p2pBasePort,
    });
    l1Child = l1;
    if (stopping) return void (await l1.stop());
    const { deployment, testToken } = devnet;
    say(
      resumed
        ? `L1 (anvil) running at ${l1.url}, resumed from ${join(dir, L1_STATE_FILE)}`
        : `L1 (anvil) running at ${l1.url}, its state kept in ${join(dir, L1_STATE_FILE)}`,
    );
    say(
      `${resumed ? "contracts found" : "contracts deployed"}: CheckpointManager ${deployment.checkpointManager}, Bridge ${deployment.bridge}`,
    );

    if (resumed) {
      const genesis = parseGenesis(JSON.parse(await readFile(join(dir, "genesis.json"), "utf8")));
      if (genesis.l1?.bridge !== deployment.bridge || genesis.validators.length !== flags.validators) {
        throw new Error(
          `${dir} holds a devnet with other settings (${genesis.validators.length} validators); start over with --reset`,
        );
      }
      say(`resuming the sidechain in ${dir} (use --reset to start from genesis)`);
    } else {
      // Base port 0: each node binds free ports when it starts, and the summary prints them.
      const range = (base: number) =>
        base === 0 ? undefined : Array.from({ length: flags.validators }, (_, i) => base + i);
      await writeDevnetGenesis(dir, {
        validators: flags.validators,
        ports: { p2p: range(flags.p2pBasePort), rpc: range(flags.rpcBasePort) },
        l1RpcUrl: l1.url,
      });
      say(`genesis written to ${dir}`);
    }

    // One after another, each dialling those already up at the addresses they reported (their ports may have
    // been bound at start), so every pair is connected by the later one.
    const nodes: NodeProcess[] = [];
    // A restarted node dials every other at the address it reported last.
    const startNode = async (i: number) => {
      const bootstrap = nodes.flatMap((n, j) => (j === i ? [] : n.ready.p2p.slice(0, 1))).join(",");
      // A resumed node follows the L1 at the URL it has now (port 0 binds another one each run).
      const env = { OUTRIGGER_P2P_PERSISTENT_PEERS: bootstrap, OUTRIGGER_L1_RPC_URL: l1.url };
      const node = await spawnNode(homes[i] as string, { env, onSpawn });
      nodes[i] = node;
      return node;
    };
    for (const i of homes.keys()) {
      const node = await startNode(i);
      if (stopping) return;
      supervise(`validator ${i}`, node, { start: () => startNode(i), stopping: () => stopping, say });
    }
    const rpcUrl = nodes[0]?.ready.rpc ?? "";
    if (resumed) {
      const { nextDepositNonce } = await new SidechainRpc(rpcUrl).bridgeInfo();
      await checkDepositsOnL1(l1.url, deployment.bridge, nextDepositNonce);
    }
    const relayerKey = join(dir, "relayer.key");
    await writeFile(relayerKey, `${devAccountKey(DEV_RELAYER_ACCOUNT)}\n`, { mode: 0o600 });
    const startRelayer = () =>
      spawnRelayer(
        { rpcUrl, l1RpcUrl: l1.url, keyFile: relayerKey },
        { logFile: join(dir, "relayer.log"), onSpawn },
      );
    const relayer = await startRelayer();
    if (stopping) return;
    supervise("the relayer", relayer, { start: startRelayer, stopping: () => stopping, say });
    printSummary({ l1Url: l1.url, nodes, dir, deployment, testToken });
    await followHeight(rpcUrl, () => stopping);
  } catch (err) {
    // A start cut short by a signal's stop is no error of its own: the signal's handler finishes the exit.
    const bySignal = stopping;
    if (!bySignal && (children.length > 0 || l1Child !== null)) say("stopping the devnet after an error...");
    await stopAll();
    if (!bySignal) throw err;
  }
}

/** Every port the devnet will bind, with the flag that changes it; a resumed sidechain keeps its nodes' ports. */
async function plannedPorts(
  flags: DevnetFlags,
  homes: readonly string[],
  sidechainExists: boolean,
): Promise<PlannedPort[]> {
  const ports: PlannedPort[] = [
    { port: flags.l1Port, what: "the L1", remedy: "choose another with --l1-port" },
  ];
  for (const [i, home] of homes.entries()) {
    if (sidechainExists) {
      const config = await readNodePorts(join(home, CONFIG_FILE));
      const remedy = `it is set in ${join(home, CONFIG_FILE)}; free it, or start over with --reset and other base ports`;
      ports.push({ port: config.rpc, what: `validator ${i}'s RPC`, remedy });
      for (const p2p of config.p2p) ports.push({ port: p2p, what: `validator ${i}'s p2p`, remedy });
    } else {
      const base = (b: number) => (b === 0 ? 0 : b + i);
      ports.push(
        {
          port: base(flags.rpcBasePort),
          what: `validator ${i}'s RPC`,
          remedy: "choose other ports with --rpc-base-port",
        },
        {
          port: base(flags.p2pBasePort),
          what: `validator ${i}'s p2p`,
          remedy: "choose other ports with --p2p-base-port",
        },
      );
    }
  }
  return ports;
}

/** The ports in a devnet node's config.toml; a file that cannot be read is for the node to report. */
async function readNodePorts(file: string): Promise<{ rpc: number; p2p: number[] }> {
  try {
    const config = resolveNodeConfig([await readConfigFile(file)]);
    const p2p = config.p2pListen.flatMap((a) => {
      const m = /\/tcp\/([0-9]+)/.exec(a);
      return m?.[1] ? [Number(m[1])] : [];
    });
    return { rpc: config.rpcPort, p2p };
  } catch {
    return { rpc: 0, p2p: [] };
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
