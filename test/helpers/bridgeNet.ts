import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, JsonRpcProvider } from "ethers";
import { createBridgeClient } from "../../bridge/client/index.ts";
import { SidechainRpc } from "../../bridge/sidechainRpc.ts";
import { deployDevnetL1 } from "../../cli/devnet/deployDevnet.ts";
import { type LocalL1, startLocalL1 } from "../../cli/devnet/l1.ts";
import type { OutriggerProcess } from "../../cli/devnet/nodeProcess.ts";
import { spawnRelayer } from "../../cli/devnet/relayerProcess.ts";
import type { Deployment } from "../../contracts/deployment.ts";
import { DEV_RELAYER_ACCOUNT, devAccountKey } from "../../genesis/devKeys.ts";
import type { GenesisJson } from "../../node/config/genesis.ts";
import type { Address } from "../../node/crypto/index.ts";
import { L1_BRIDGE_ABI, L1_ERC20_ABI } from "../../node/types/index.ts";
import { Cluster } from "./cluster.ts";

const _TOKEN = 10n ** 18n;

/**
 * The bridge end to end on real processes: an anvil L1 with the contracts and a test ERC20, a validator cluster
 * that follows it, and a relayer that can be killed and restarted. destroy() stops every process it started.
 */
export class BridgeNet {
  relayer: OutriggerProcess<unknown> | null = null;
  readonly l1Provider: JsonRpcProvider;

  private constructor(
    readonly dir: string,
    readonly l1: LocalL1,
    readonly deployment: Deployment,
    readonly testToken: Address,
    readonly cluster: Cluster,
    private readonly relayerKeyFile: string,
  ) {
    this.l1Provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  }

  /** Node 0's RPC; known once the cluster has started (each node binds its port when it starts). */
  get sidechain(): SidechainRpc {
    return new SidechainRpc(this.rpcUrl);
  }

  static async create(opts: {
    validators: number;
    epochLength: number;
    overrides?: Partial<GenesisJson>;
  }): Promise<BridgeNet> {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-bridge-"));
    const l1 = await startLocalL1(0, join(dir, "l1.log"));
    try {
      // The cluster's homes get their peer keys here, for the validators file the deploy command reads.
      const { deployment, testToken, genesisL1 } = await deployDevnetL1(l1.url, {
        dir: join(dir, "cluster"),
        validators: opts.validators,
      });
      const cluster = await Cluster.create({
        validators: opts.validators,
        dir: join(dir, "cluster"),
        l1RpcUrl: l1.url,
        overrides: {
          ...opts.overrides,
          epochLength: opts.epochLength,
          l1: genesisL1,
        },
      });
      const keyFile = join(dir, "relayer.key");
      await writeFile(keyFile, `${devAccountKey(DEV_RELAYER_ACCOUNT)}\n`, { mode: 0o600 });
      return new BridgeNet(dir, l1, deployment, testToken, cluster, keyFile);
    } catch (err) {
      await l1.stop();
      throw err;
    }
  }

  get rpcUrl(): string {
    return this.cluster.nodes[0]?.rpcUrl ?? "";
  }

  async startRelayer(): Promise<void> {
    if (this.relayer) throw new Error("the relayer is already running");
    this.relayer = await spawnRelayer(
      { rpcUrl: this.rpcUrl, l1RpcUrl: this.l1.url, keyFile: this.relayerKeyFile, intervalMs: 200 },
      { logFile: join(this.dir, "relayer.log") },
    );
  }

  /** SIGKILL, as in a crash: the relayer gets no chance to finish anything. */
  async killRelayer(): Promise<void> {
    await this.relayer?.kill();
    this.relayer = null;
  }

  /** A bridge client for dev account i (funded with ETH and the test token on L1, native tokens on the sidechain). */
  client(account: number) {
    return createBridgeClient({
      rpcUrl: this.rpcUrl,
      l1RpcUrl: this.l1.url,
      privateKey: devAccountKey(account),
      pollingIntervalMs: 200,
    });
  }

  /** What the L1 Bridge holds of a token (ETH for the zero address). */
  async lockedOnL1(l1Token: Address): Promise<bigint> {
    if (l1Token === `0x${"00".repeat(20)}`) return this.l1Provider.getBalance(this.deployment.bridge);
    return (await new Contract(l1Token, L1_ERC20_ABI, this.l1Provider).getFunction("balanceOf")(
      this.deployment.bridge,
    )) as bigint;
  }

  async exitedOnL1(id: bigint): Promise<boolean> {
    const bridge = new Contract(this.deployment.bridge, L1_BRIDGE_ABI, this.l1Provider);
    return (await bridge.getFunction("exited")(id)) as boolean;
  }

  async l1Balance(token: Address, holder: Address): Promise<bigint> {
    if (token === `0x${"00".repeat(20)}`) return this.l1Provider.getBalance(holder);
    return (await new Contract(token, L1_ERC20_ABI, this.l1Provider).getFunction("balanceOf")(
      holder,
    )) as bigint;
  }

  async destroy(): Promise<void> {
    this.l1Provider.destroy();
    await this.relayer?.stop();
    await this.cluster.stop();
    await this.l1.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
