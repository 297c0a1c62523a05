import { z } from "zod";
import { ConfigError } from "./errors.ts";

const port = z.number().int().min(0).max(65535);

/** A node's own settings (home/config.json), separate from the network-wide genesis. */
export const nodeConfigSchema = z.strictObject({
  /** Libp2p listen multiaddrs; loopback by default so nothing is exposed unless asked for. */
  p2pListen: z.array(z.string().min(1)).default(["/ip4/127.0.0.1/tcp/0"]),
  /** Multiaddrs with /p2p/<peer id> of peers to dial and keep dialling. */
  bootstrap: z.array(z.string().min(1)).default([]),
  rpcHost: z.string().default("127.0.0.1"),
  rpcPort: port.default(8545),
  /** Path of the validator key file, relative to home; null runs a full node that never signs. */
  validatorKeyFile: z.string().nullable().default("validator.key"),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
  /** L1 JSON-RPC URL, needed to check deposit claims (bridge); null disables deposits on this node. */
  l1RpcUrl: z.string().url().nullable().default(null),
});

export type NodeConfig = z.output<typeof nodeConfigSchema>;
export type NodeConfigInput = z.input<typeof nodeConfigSchema>;

/**
 * Merges the config file, then command-line flags, then environment (later wins, DESIGN.md §7) and validates
 * the result, naming each bad field.
 */
export function resolveNodeConfig(...layers: Partial<NodeConfigInput>[]): NodeConfig {
  const merged = Object.assign({}, ...layers.map(dropUndefined));
  const result = nodeConfigSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new ConfigError(`invalid node configuration: ${problems.join("; ")}`);
  }
  return result.data;
}

/** OUTRIGGER_* environment variables as a config layer. */
export function configFromEnv(env: Record<string, string | undefined>): Partial<NodeConfigInput> {
  const layer: Partial<NodeConfigInput> = {};
  if (env.OUTRIGGER_RPC_PORT !== undefined)
    layer.rpcPort = parsePort(env.OUTRIGGER_RPC_PORT, "OUTRIGGER_RPC_PORT");
  if (env.OUTRIGGER_RPC_HOST !== undefined) layer.rpcHost = env.OUTRIGGER_RPC_HOST;
  if (env.OUTRIGGER_LOG_LEVEL !== undefined)
    layer.logLevel = env.OUTRIGGER_LOG_LEVEL as NodeConfig["logLevel"];
  if (env.OUTRIGGER_BOOTSTRAP !== undefined)
    layer.bootstrap = env.OUTRIGGER_BOOTSTRAP.split(",").filter(Boolean);
  if (env.OUTRIGGER_L1_RPC_URL !== undefined) layer.l1RpcUrl = env.OUTRIGGER_L1_RPC_URL;
  return layer;
}

function parsePort(value: string, what: string): number {
  if (!/^[0-9]{1,5}$/.test(value))
    throw new ConfigError(`${what}: expected a port number, got ${JSON.stringify(value)}`);
  return Number(value);
}

function dropUndefined<T extends object>(layer: T): Partial<T> {
  return Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== undefined)) as Partial<T>;
}
