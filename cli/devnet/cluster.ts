import type { ChildProcess } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetwork, type NetworkLayout } from "../../genesis/network.ts";
import { CONFIG_FILE } from "../../node/config/configFile.ts";
import type { GenesisJson } from "../../node/config/genesis.ts";
import {
  killChild,
  killChildNow,
  type NodeProcess,
  type ReadyLine,
  spawnNode,
  stopChild,
} from "./nodeProcess.ts";

/** Fast consensus for tests: ~3 blocks a second on a quiet machine, still correct when it is busy. */
export const FAST_TIMEOUTS: GenesisJson["timeouts"] = {
  proposeMs: 1000,
  proposeDeltaMs: 500,
  prevoteMs: 300,
  prevoteDeltaMs: 200,
  precommitMs: 300,
  precommitDeltaMs: 200,
  commitMs: 200,
};

/**
 * One validator of a Cluster. Its RPC and p2p ports are bound by the node itself when it starts (port 0) and
 * read back from its readiness line, so no port is picked ahead and then found taken by someone else.
 */
export class ClusterNode {
  /** The current run once it has reported ready. */
  process: NodeProcess | null = null;
  /** The current run's process from the moment it is spawned, so stop() also reaches a node still starting. */
  child: ChildProcess | null = null;
  private ready: ReadyLine | null = null;

  constructor(
    readonly index: number,
    readonly home: string,
  ) {}

  /** The RPC URL of the node's current (or last) run. */
  get rpcUrl(): string {
    if (this.ready === null)
      throw new Error(`node ${this.index} has not started yet: its RPC port is bound at start`);
    return this.ready.rpc;
  }

  /** The WebSocket RPC URL of the node's current (or last) run. */
  get wsUrl(): string {
    if (this.ready === null)
      throw new Error(`node ${this.index} has not started yet: its RPC port is bound at start`);
    return this.ready.ws;
  }

  /** Where peers reach it (multiaddrs with /p2p/<id>); empty until it has started. */
  get p2pAddrs(): string[] {
    return this.process === null ? [] : (this.ready?.p2p ?? []);
  }

  started(process: NodeProcess): void {
    this.process = process;
    this.ready = process.ready;
  }

  /** Stops the current run, started or still starting (SIGKILL with `kill`, as in a crash). */
  async stop(how: { kill: boolean } = { kill: false }): Promise<void> {
    const child = this.child;
    if (child) await (how.kill ? killChild(child) : stopChild(child));
    this.process = null;
    this.child = null;
  }
}

/** How one run of a node is started; a fault test routes its peers through proxies and sets fault hooks. */
export interface StartOverrides {
  /** The peers it dials (default: every running node's address). */
  persistentPeers?: string[];
  /** More environment for this run (OUTRIGGER_* settings, fault hooks). */
  env?: NodeJS.ProcessEnv;
}

/**
 * A network of real node processes on 127.0.0.1 (tests, benches); every process it starts is stopped by stop().
 * The nodes stay in the starter's process group, so a Ctrl-C on the terminal or a kill of the group reaches them,
 * and each stops by itself when the starter dies (the stdin lifeline of spawnOutrigger), SIGKILL included.
 */
export class Cluster {
  readonly nodes: ClusterNode[];
  private constructor(
    readonly dir: string,
    readonly layout: NetworkLayout,
    /** How long a node may take to report ready; spawnNode's default when undefined. */
    private readonly startTimeoutMs: number | undefined,
  ) {
    this.nodes = layout.nodes.map((n, index) => new ClusterNode(index, n.home));
  }

  static async create(opts: {
    validators: number;
    overrides?: Partial<GenesisJson>;
    l1RpcUrl?: string;
    dir?: string;
    startTimeoutMs?: number;
  }): Promise<Cluster> {
    const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), "outrigger-cluster-")));
    const layout = await createNetwork({
      dir,
      validators: opts.validators,
      overrides: { timeouts: FAST_TIMEOUTS, ...opts.overrides },
      ...(opts.l1RpcUrl ? { l1RpcUrl: opts.l1RpcUrl } : {}),
    });
    return new Cluster(dir, layout, opts.startTimeoutMs);
  }

  /** Where the running nodes are reached, for a node that joins them. */
  bootstrapAddrs(): string[] {
    return this.nodes.flatMap((n) => n.p2pAddrs.slice(0, 1));
  }

  /**
   * Starts node i, bootstrapping from every running node, and resolves once it reports ready. Of any two nodes
   * the one started later dials the earlier, so a cluster started node by node is fully connected, and a
   * restarted node reconnects to everyone.
   */
  async start(i: number, overrides: StartOverrides = {}): Promise<void> {
    const node = this.nodes[i];
    if (!node) throw new Error(`no node ${i}`);
    if (node.process) throw new Error(`node ${i} is already running`);
    if (node.child) throw new Error(`node ${i} is already starting`);
    const env = {
      OUTRIGGER_LOG_LEVEL: "info",
      OUTRIGGER_P2P_PERSISTENT_PEERS: (overrides.persistentPeers ?? this.bootstrapAddrs()).join(","),
      ...overrides.env,
    };
    let child: ChildProcess | null = null;
    try {
      node.started(
        await spawnNode(node.home, {
          env,
          onSpawn: (c) => {
            child = c;
            node.child = c;
          },
          ...(this.startTimeoutMs === undefined ? {} : { startTimeoutMs: this.startTimeoutMs }),
        }),
      );
    } catch (err) {
      // A failed start leaves nothing running (spawnOutrigger killed it), unless a stop() already moved on.
      if (child !== null && node.child === child) node.child = null;
      throw err;
    }
  }

  /**
   * A further node with node i's validator key in a home of its own (its own peer key, data and RPC port): two
   * processes signing as one validator, as an operator who starts a backup next to a live node does.
   */
  async addTwin(i: number): Promise<ClusterNode> {
    const original = this.nodes[i];
    if (!original) throw new Error(`no node ${i}`);
    const index = this.nodes.length;
    const home = join(this.dir, `node${index}-twin-of-${i}`);
    await mkdir(home, { recursive: true });
    for (const file of ["genesis.json", CONFIG_FILE, "validator.key"])
      await copyFile(join(original.home, file), join(home, file));
    const node = new ClusterNode(index, home);
    this.nodes.push(node);
    return node;
  }

  /** One after another: each node needs the addresses of those before it. */
  async startAll(indices = this.nodes.map((n) => n.index)): Promise<void> {
    for (const i of indices) await this.start(i);
  }

  /** SIGKILL: no shutdown code runs, as in a crash of the process. */
  async kill(i: number): Promise<void> {
    await this.nodes[i]?.stop({ kill: true });
  }

  /** Every node started, also one still starting (its start() then rejects). */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }

  /**
   * For a process 'exit' handler, where nothing asynchronous runs any more: SIGKILL every node still running, so
   * none outlives the process that started it.
   */
  killAllNow(): void {
    for (const n of this.nodes) if (n.child) killChildNow(n.child);
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  log(i: number): Promise<string> {
    return readFile(join(this.nodes[i]?.home ?? "", "node.log"), "utf8").catch(() => "");
  }
}
