import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Cluster, type ClusterNode } from "../../cli/devnet/cluster.ts";
import { devValidatorKey } from "../../genesis/devKeys.ts";
import { genesisHash } from "../../node/config/genesis.ts";
import { privateKeyToAddress } from "../../node/crypto/index.ts";
import { loadOrCreatePeerKey, peerIdOf } from "../../node/p2p/index.ts";
import { BridgeNet } from "../helpers/bridgeNet.ts";
import type { Manifest } from "./manifest.ts";
import { VoteObserver } from "./observer.ts";
import { LinkProxy } from "./proxy.ts";
import { type Member, Topology } from "./topology.ts";

const TOKEN = 10n ** 18n;

/** One process of the scenario, by its manifest name. */
export interface FaultNode {
  name: string;
  /** The genesis validator it signs as (itself, or the one it duplicates). */
  validator: string;
  address: string;
  cluster: ClusterNode;
  peerId: string;
  paused: boolean;
}

function tcpPort(addr: string): number {
  const match = /\/tcp\/(\d+)/.exec(addr);
  if (!match) throw new Error(`no TCP port in ${addr}`);
  return Number(match[1]);
}

/**
 * A Cluster whose nodes reach each other only through a LinkProxy per directed link (node A's dial of node B
 * goes through proxy A>B), plus the runner's vote observer, which reaches each node through a proxy of its own
 * that no fault touches. Every node runs with p2p.dial_only_persistent_peers, so an address learnt through
 * identify cannot bypass the proxies.
 */
export class FaultNet {
  readonly topology: Topology;
  private observer: VoteObserver | null = null;

  private constructor(
    readonly manifest: Manifest,
    readonly cluster: Cluster,
    readonly nodes: FaultNode[],
    private readonly links: Map<string, LinkProxy>,
    private readonly observerLinks: Map<string, LinkProxy>,
    /** The L1, contracts and relayer of a bridge scenario. */
    readonly bridge: BridgeNet | null,
  ) {
    const power = new Map(manifest.validators.map((v) => [v.name, v.power]));
    this.topology = new Topology(
      nodes.map(
        (n): Member => ({ name: n.name, validator: n.validator, power: power.get(n.validator) ?? 0 }),
      ),
    );
  }

  static async create(manifest: Manifest): Promise<FaultNet> {
    const genesisValidators = manifest.validators.filter((v) => v.duplicateOf === undefined);
    // A bridge scenario's genesis is the one its contracts were deployed for (equal powers, the manifest says so).
    const bridge = manifest.bridge
      ? await BridgeNet.create({
          validators: genesisValidators.length,
          epochLength: manifest.epochLength ?? 10,
        })
      : null;
    const cluster =
      bridge?.cluster ??
      (await Cluster.create({
        validators: genesisValidators.length,
        overrides: {
          validators: genesisValidators.map((v, i) => ({
            address: privateKeyToAddress(devValidatorKey(i)),
            stake: (BigInt(v.power) * TOKEN).toString(),
            name: v.name,
          })),
          ...(manifest.epochLength === undefined ? {} : { epochLength: manifest.epochLength }),
        },
      }));
    const links = new Map<string, LinkProxy>();
    const observerLinks = new Map<string, LinkProxy>();
    try {
      const nodes: FaultNode[] = [];
      for (const v of manifest.validators) {
        const original = genesisValidators.findIndex((g) => g.name === (v.duplicateOf ?? v.name));
        const clusterNode =
          v.duplicateOf === undefined ? cluster.nodes[original] : await cluster.addTwin(original);
        if (clusterNode === undefined) throw new Error(`no cluster node for ${v.name}`);
        nodes.push({
          name: v.name,
          validator: v.duplicateOf ?? v.name,
          address: privateKeyToAddress(devValidatorKey(original)).toLowerCase(),
          cluster: clusterNode,
          peerId: peerIdOf(await loadOrCreatePeerKey(clusterNode.home)),
          paused: false,
        });
      }
      for (const a of nodes) {
        observerLinks.set(a.name, await LinkProxy.start());
        for (const b of nodes) if (a !== b) links.set(`${a.name}>${b.name}`, await LinkProxy.start());
      }
      return new FaultNet(manifest, cluster, nodes, links, observerLinks, bridge);
    } catch (err) {
      await Promise.all([...links.values(), ...observerLinks.values()].map((l) => l.stop()));
      await (bridge ?? cluster).destroy();
      throw err;
    }
  }

  node(name: string): FaultNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  running(): FaultNode[] {
    return this.nodes.filter((n) => n.cluster.process !== null);
  }

  /** Running and not paused: the nodes that sign, vote and answer RPC. */
  up(): FaultNode[] {
    return this.running().filter((n) => !n.paused);
  }

  async startObserver(): Promise<VoteObserver> {
    const { genesis } = this.cluster.layout;
    this.observer = await VoteObserver.start({
      chainId: genesis.chainId,
      genesisHash: genesisHash(genesis),
      peers: this.nodes.map(
        (n) => `/ip4/127.0.0.1/tcp/${this.observerLinks.get(n.name)?.port}/p2p/${n.peerId}`,
      ),
    });
    return this.observer;
  }

  private link(from: string, to: string): LinkProxy {
    const link = this.links.get(`${from}>${to}`);
    if (!link) throw new Error(`no link ${from}>${to}`);
    return link;
  }

  async start(name: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
    const node = this.node(name);
    const peers = this.manifest.proxied
      ? this.nodes
          .filter((n) => n !== node)
          .map((n) => `/ip4/127.0.0.1/tcp/${this.link(node.name, n.name).port}/p2p/${n.peerId}`)
      : undefined;
    await this.cluster.start(node.cluster.index, {
      ...(peers === undefined ? {} : { persistentPeers: peers }),
      env: {
        OUTRIGGER_TEST_FAULTS: "1",
        ...(this.manifest.proxied ? { OUTRIGGER_P2P_DIAL_ONLY_PERSISTENT_PEERS: "true" } : {}),
        ...env,
      },
    });
    node.paused = false;
    const target = { host: "127.0.0.1", port: tcpPort(node.cluster.p2pAddrs[0] ?? "") };
    this.observerLinks.get(name)?.setTarget(target);
    for (const n of this.nodes) if (n !== node) this.link(n.name, name).setTarget(target);
  }

  /** Forgets where a stopped node was, so dials to it are refused as a dial to a dead port is. */
  private unroute(name: string): void {
    this.observerLinks.get(name)?.setTarget(null);
    for (const n of this.nodes) if (n.name !== name) this.link(n.name, name).setTarget(null);
  }

  async stop(name: string, how: { kill: boolean }): Promise<void> {
    const node = this.node(name);
    if (node.paused) this.signal(node, "SIGCONT");
    node.paused = false;
    await node.cluster.stop(how);
    this.unroute(name);
  }

  /** A node whose process ended by itself (a crash hook) is marked stopped. */
  async reap(name: string): Promise<void> {
    const node = this.node(name);
    await node.cluster.stop({ kill: true });
    this.unroute(name);
  }

  pause(name: string): void {
    const node = this.node(name);
    this.signal(node, "SIGSTOP");
    node.paused = true;
  }

  resume(name: string): void {
    const node = this.node(name);
    this.signal(node, "SIGCONT");
    node.paused = false;
  }

  private signal(node: FaultNode, signal: NodeJS.Signals): void {
    const pid = node.cluster.child?.pid;
    if (pid === undefined) throw new Error(`${node.name} is not running`);
    process.kill(pid, signal);
  }

  async wipeData(name: string): Promise<void> {
    await rm(join(this.node(name).cluster.home, "data"), { recursive: true, force: true });
  }

  /** Applies the topology to the proxies: each direction of each link passes or drops. */
  applyTopology(): void {
    for (const a of this.nodes)
      for (const b of this.nodes) {
        if (a === b) continue;
        this.link(a.name, b.name).reshape({
          forward: this.topology.passes(a.name, b.name),
          backward: this.topology.passes(b.name, a.name),
        });
      }
  }

  /** Delay, jitter and loss on every link to or from these nodes; zeros restore a clean link. */
  shape(names: readonly string[], shape: { delayMs: number; jitterMs: number; loss: number }): void {
    for (const [key, link] of this.links) {
      const [from = "", to = ""] = key.split(">");
      if (names.includes(from) || names.includes(to)) link.reshape(shape);
    }
  }

  clearShapes(): void {
    for (const link of this.links.values()) link.reshape({ delayMs: 0, jitterMs: 0, loss: 0 });
  }

  /** For a process 'exit' handler: SIGKILL whatever still runs. */
  killAllNow(): void {
    for (const n of this.nodes) {
      const pid = n.cluster.child?.pid;
      if (n.paused && pid !== undefined) {
        try {
          process.kill(pid, "SIGCONT");
        } catch {}
      }
    }
    this.cluster.killAllNow();
    this.bridge?.relayer?.child.kill("SIGKILL");
  }

  /** Stops every process it started (paused ones are continued first, so they can exit), proxies and observer. */
  async destroy(opts: { keepFiles: boolean }): Promise<void> {
    for (const n of this.nodes)
      if (n.paused) {
        try {
          this.signal(n, "SIGCONT");
        } catch {}
        n.paused = false;
      }
    await this.observer?.stop().catch(() => undefined);
    await this.bridge?.relayer?.stop();
    await this.cluster.stop();
    await this.bridge?.l1.stop();
    this.bridge?.l1Provider.destroy();
    await Promise.all([...this.links.values(), ...this.observerLinks.values()].map((l) => l.stop()));
    if (!opts.keepFiles) await rm(this.bridge?.dir ?? this.cluster.dir, { recursive: true, force: true });
  }
}
