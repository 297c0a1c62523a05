import { multiaddr } from "@multiformats/multiaddr";
import { z } from "zod";
import { parseBootstrap } from "../p2p/bootstrap.ts";
import { RPC_DEFAULTS } from "../rpc/defaults.ts";
import { errorMessage } from "../util/errors.ts";
import { CONFIG_KEYS, type ConfigKey, type ConfigValueKind, tomlName } from "./configKeys.ts";
import { ConfigError } from "./errors.ts";

const port = z.number().int().min(0).max(65535);
const count = z.number().int().min(0);

/** A multiaddr, checked with the parser the network uses, so a typo is refused here rather than at start. */
const listenAddr = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    try {
      multiaddr(text);
    } catch {
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(text)} is not a multiaddr` });
    }
  });

/** A peer's multiaddr with its /p2p/<peer id>, checked as the network will parse it. */
const peerAddr = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    try {
      parseBootstrap([text]);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: errorMessage(err) });
    }
  });

/** A node's own settings (home/config.toml, configKeys.ts), separate from the network-wide genesis. */
export const nodeConfigSchema = z.strictObject({
  /** The database folder; relative to the home folder unless absolute. */
  dataDir: z.string().min(1).default("data"),
  /** Libp2p listen multiaddrs; loopback by default so nothing is exposed unless asked for. */
  p2pListen: z.array(listenAddr).default(["/ip4/127.0.0.1/tcp/0"]),
  /** Multiaddrs with /p2p/<peer id> of peers to dial and keep dialling. */
  persistentPeers: z.array(peerAddr).default([]),
  /** Dial only the persistentPeers addresses, none learnt from peers (fault tests proxy every link). */
  p2pDialOnlyPersistentPeers: z.boolean().default(false),
  rpcHost: z.string().min(1).default("127.0.0.1"),
  rpcPort: port.default(8545),
  // Any origin by default: wallets and dapps call from pages anywhere, and no RPC call relies on cookies.
  rpcCorsOrigins: z.array(z.string().min(1)).default(["*"]),
  rpcRateLimitPerSecond: count.max(1_000_000).default(RPC_DEFAULTS.ratePerSecond),
  rpcRateLimitBurst: count.min(1).max(1_000_000).default(RPC_DEFAULTS.rateBurst),
  rpcExemptLoopback: z.boolean().default(RPC_DEFAULTS.exemptLoopback),
  rpcMaxConnections: count.min(1).max(1_000_000).default(RPC_DEFAULTS.maxConnections),
  rpcMaxConnectionsPerClient: count.min(1).max(1_000_000).default(RPC_DEFAULTS.maxConnectionsPerClient),
  rpcRequestTimeoutSeconds: count
    .min(1)
    .max(600)
    .default(RPC_DEFAULTS.requestTimeoutMs / 1000),
  rpcMaxConcurrentCalls: count.min(1).max(64).default(RPC_DEFAULTS.maxConcurrentCalls),
  rpcMaxLogBlockRange: count.min(1).max(1_000_000).default(RPC_DEFAULTS.maxLogBlockRange),
  rpcMaxLogResults: count.min(1).max(1_000_000).default(RPC_DEFAULTS.maxLogResults),
  /** Path of the validator key file, relative to home; null runs a full node that never signs. */
  validatorKeyFile: z.string().min(1).nullable().default("validator.key"),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
  /** Seconds without a new height before the node says it is stalled (a log line and a metric). */
  stallAlarmSeconds: z.number().int().min(1).max(86_400).default(60),
  /** L1 JSON-RPC URL, needed to check deposit claims (bridge); null disables deposits on this node. */
  l1RpcUrl: z
    .url({ protocol: /^(https?|wss?)$/, error: "expected an http(s):// or ws(s):// URL" })
    .nullable()
    .default(null),
  metricsHost: z.string().min(1).default("127.0.0.1"),
  /** A separate Prometheus endpoint; null serves /metrics on the RPC port only. */
  metricsPort: port.nullable().default(null),
});

export type NodeConfig = z.output<typeof nodeConfigSchema>;
export type NodeConfigInput = z.input<typeof nodeConfigSchema>;

/** Values from one source, with the name errors give that source (a file path, "environment", "flags"). */
export interface ConfigLayer {
  source: string;
  values: Partial<NodeConfigInput>;
}

/**
 * Merges the layers, later winning (config file, then OUTRIGGER_* environment, then flags: DESIGN.md §7). Each
 * value is checked in its own layer first, so an error names the source and the key the operator must fix.
 */
export function resolveNodeConfig(layers: readonly ConfigLayer[]): NodeConfig {
  const problems: string[] = [];
  for (const layer of layers) {
    for (const [field, value] of Object.entries(layer.values)) {
      const key = CONFIG_KEYS.find((k) => k.field === field);
      const schema = nodeConfigSchema.shape[field as keyof NodeConfigInput];
      if (key === undefined || schema === undefined) {
        problems.push(`${layer.source}: unknown setting ${field}`);
        continue;
      }
      const result = schema.safeParse(value);
      if (!result.success)
        problems.push(`${layer.source}: ${nameIn(layer.source, key)}: ${result.error.issues[0]?.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid node configuration: ${problems.join("; ")}`);
  return nodeConfigSchema.parse(Object.assign({}, ...layers.map((l) => dropUndefined(l.values))));
}

export const ENV_SOURCE = "environment";
export const FLAGS_SOURCE = "flags";

function nameIn(source: string, key: ConfigKey): string {
  if (source === ENV_SOURCE) return key.env;
  if (source === FLAGS_SOURCE) return key.flag;
  return tomlName(key);
}

/** OUTRIGGER_* environment variables as a config layer; other variables are not the config's business. */
export function configFromEnv(env: Record<string, string | undefined>): ConfigLayer {
  const values: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const text = env[key.env];
    if (text !== undefined) values[key.field] = fromText(text, key.kind, key.env);
  }
  return { source: ENV_SOURCE, values: values as Partial<NodeConfigInput> };
}

/** Command-line flags (by config field, as text) as a config layer. */
export function configFromFlags(flags: Partial<Record<keyof NodeConfigInput, string>>): ConfigLayer {
  const values: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const text = flags[key.field];
    if (text !== undefined) values[key.field] = fromText(text, key.kind, key.flag);
  }
  return { source: FLAGS_SOURCE, values: values as Partial<NodeConfigInput> };
}

/** A value written as text: lists comma-separated, "" for unset where a setting may be unset. */
export function fromText(text: string, kind: ConfigValueKind, name: string): unknown {
  switch (kind) {
    case "string":
      return text;
    case "optional-string":
      return text === "" ? null : text;
    case "list":
      return text
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    case "optional-port":
      if (text === "") return null;
      return parsePort(text, name);
    case "port":
      return parsePort(text, name);
    case "seconds":
    case "count":
      if (!/^[0-9]{1,9}$/.test(text))
        throw new ConfigError(
          `invalid node configuration: ${name}: expected a whole number${kind === "seconds" ? " of seconds" : ""}, got ${JSON.stringify(text)}`,
        );
      return Number(text);
    case "boolean":
      if (text !== "true" && text !== "false")
        throw new ConfigError(
          `invalid node configuration: ${name}: expected true or false, got ${JSON.stringify(text)}`,
        );
      return text === "true";
  }
}

function parsePort(value: string, name: string): number {
  if (!/^[0-9]{1,5}$/.test(value))
    throw new ConfigError(
      `invalid node configuration: ${name}: expected a port number, got ${JSON.stringify(value)}`,
    );
  return Number(value);
}

function dropUndefined<T extends object>(layer: T): Partial<T> {
  return Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== undefined)) as Partial<T>;
}
