import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CONFIG_FILE, renderConfigFile } from "../node/config/configFile.ts";
import { type Genesis, type GenesisJson, parseGenesis } from "../node/config/genesis.ts";
import type { NodeConfigInput } from "../node/config/nodeConfig.ts";
import { type Hex, privateKeyToAddress } from "../node/crypto/index.ts";
import { loadOrCreatePeerKey, peerIdOf } from "../node/p2p/peerKey.ts";
import { DEVNET_DEFAULTS } from "./defaults.ts";
import { devValidatorKey } from "./devKeys.ts";
import { DEVNET_PARAMS, genesisFileText, networkGenesisJson } from "./networkGenesis.ts";
import { writeValidatorKey } from "./validatorKey.ts";

export interface NetworkOptions {
  dir: string;
  validators: number;
  chainId?: bigint;
  /** Validator keys; devnet keys (deterministic, well known) when absent. */
  validatorKeys?: Hex[];
  /** Encrypts validator keys into keystores; null writes plain hex keys (devnet only). */
  keyPassword?: string | null;
  /**
   * Node i listens for p2p on p2pPorts[i] and serves RPC on rpcPorts[i], every node bootstrapping from the others.
   * Without ports each node binds free ones when it starts (port 0) and learns its peers from whoever starts it
   * (OUTRIGGER_P2P_PERSISTENT_PEERS): no port is picked ahead and then found taken.
   */
  ports?: { p2p?: number[]; rpc?: number[] };
  l1?: GenesisJson["l1"];
  /** The L1 JSON-RPC URL each node confirms deposits and follows checkpoints with. */
  l1RpcUrl?: string;
  genesisTime?: number;
  /** Overrides of genesis fields (timeouts, epoch length...) */
  overrides?: Partial<GenesisJson>;
  /**
   * A genesis already written to dir/genesis.json (by the genesis command, as the devnet does): the homes get a
   * copy of it instead of one built here, so chainId, l1, genesisTime and overrides must not be given with it.
   */
  genesis?: Genesis;
}

export interface NetworkLayout {
  genesis: Genesis;
  /** rpcUrl and p2pAddr are null where the node picks its ports when it starts. */
  nodes: { home: string; address: Hex; peerId: string; rpcUrl: string | null; p2pAddr: string | null }[];
}

/**
 * Writes one home folder per validator (genesis, config, validator key, peer key); with fixed ports every node
 * bootstraps from all the others, so a network starts with no further setup.
 */
export async function createNetwork(opts: NetworkOptions): Promise<NetworkLayout> {
  const keys = opts.validatorKeys ?? Array.from({ length: opts.validators }, (_, i) => devValidatorKey(i));
  if (keys.length !== opts.validators)
    throw new Error(`expected ${opts.validators} validator keys, got ${keys.length}`);
  const { ports } = opts;
  if ((ports?.p2p ?? keys).length < opts.validators || (ports?.rpc ?? keys).length < opts.validators) {
    throw new Error("one p2p and one RPC port per validator are needed");
  }
  const genesis = opts.genesis ?? parseGenesis(devGenesisJson(keys, opts));
  if (opts.genesis) checkGenesisKeys(opts, keys);
  const nodes = [];
  for (const [i, key] of keys.entries()) {
    const home = join(opts.dir, `node${i}`);
    await mkdir(home, { recursive: true });
    const peerId = peerIdOf(await loadOrCreatePeerKey(home));
    const p2pAddr = ports?.p2p ? `/ip4/127.0.0.1/tcp/${ports.p2p[i]}/p2p/${peerId}` : null;
    await writeValidatorKey(join(home, "validator.key"), key, opts.keyPassword ?? null);
    nodes.push({
      home,
      address: privateKeyToAddress(key),
      peerId,
      p2pAddr,
      rpcUrl: ports?.rpc ? `http://127.0.0.1:${ports.rpc[i]}` : null,
    });
  }
  const genesisText = genesisFileText(genesis);
  if (!opts.genesis) await writeFile(join(opts.dir, "genesis.json"), genesisText);
  for (const [i, node] of nodes.entries()) {
    const config: NodeConfigInput = {
      p2pListen: [`/ip4/127.0.0.1/tcp/${ports?.p2p?.[i] ?? 0}`],
      persistentPeers: nodes.flatMap((n, j) => (j !== i && n.p2pAddr !== null ? [n.p2pAddr] : [])),
      rpcHost: "127.0.0.1",
      rpcPort: ports?.rpc?.[i] ?? 0,
      validatorKeyFile: "validator.key",
      ...(opts.l1RpcUrl ? { l1RpcUrl: opts.l1RpcUrl } : {}),
    };
    await writeFile(join(node.home, "genesis.json"), genesisText);
    await writeFile(join(node.home, CONFIG_FILE), renderConfigFile(config));
  }
  return { genesis, nodes };
}

/** A devnet-style genesis for these keys: the dev accounts funded, the devnet's parameters unless overridden. */
function devGenesisJson(keys: Hex[], opts: NetworkOptions): GenesisJson {
  const json = networkGenesisJson({
    chainId: opts.chainId ?? DEVNET_DEFAULTS.chainId,
    genesisTime: opts.genesisTime ?? Date.now(),
    validators: keys.map((k, i) => ({
      address: privateKeyToAddress(k),
      stake: DEVNET_DEFAULTS.validatorStake,
      name: `validator-${i}`,
    })),
    l1: opts.l1 ?? null,
    dev: true,
    params: DEVNET_PARAMS,
  });
  return { ...json, ...opts.overrides };
}

/** A given genesis must be the one for these keys, in their order: a node with a key outside it never signs. */
function checkGenesisKeys(opts: NetworkOptions, keys: Hex[]): void {
  const given = ["chainId", "l1", "genesisTime", "overrides"].filter(
    (k) => opts[k as keyof NetworkOptions] !== undefined,
  );
  if (given.length > 0) throw new Error(`a given genesis leaves no room for ${given.join(", ")}`);
  const inGenesis = opts.genesis?.validators.map((v) => v.address.toLowerCase()) ?? [];
  const ours = keys.map((k) => privateKeyToAddress(k).toLowerCase());
  if (inGenesis.join() !== ours.join())
    throw new Error(`the genesis lists validators ${inGenesis.join(", ")}, the keys are ${ours.join(", ")}`);
}
