import type { NodeConfigInput } from "./nodeConfig.ts";

/** How a value written as text (environment, flag) becomes a config value. */
export type ConfigValueKind =
  | "string"
  | "optional-string"
  | "list"
  | "port"
  | "optional-port"
  | "seconds"
  | "count"
  | "boolean";

/**
 * One setting of config.toml, declared once: its place in the file, the environment variable and the flag that
 * override it, and the comment `outrigger init` writes above it. Names follow the file (section.key) so an
 * error about a bad value names what the operator can find and edit.
 */
export interface ConfigKey {
  field: keyof NodeConfigInput;
  section: "node" | "p2p" | "rpc" | "l1" | "metrics";
  key: string;
  env: string;
  flag: string;
  kind: ConfigValueKind;
  /** Written as comment lines above the key by `outrigger init`. */
  help: string;
  /** Written commented out by `outrigger init` when the default is to leave it unset. */
  example?: string;
}

export const CONFIG_KEYS: readonly ConfigKey[] = [
  {
    field: "dataDir",
    section: "node",
    key: "data_dir",
    env: "OUTRIGGER_DATA_DIR",
    flag: "--data-dir",
    kind: "string",
    help: "The chain database (blocks, state, consensus WAL, sign state); relative paths are under the home folder.",
  },
  {
    field: "validatorKeyFile",
    section: "node",
    key: "validator_key_file",
    env: "OUTRIGGER_VALIDATOR_KEY_FILE",
    flag: "--validator-key-file",
    kind: "optional-string",
    help: 'The validator key (keystore from `outrigger keys new`); "" runs a full node that never signs.',
  },
  {
    field: "logLevel",
    section: "node",
    key: "log_level",
    env: "OUTRIGGER_LOG_LEVEL",
    flag: "--log-level",
    kind: "string",
    help: "trace | debug | info | warn | error",
  },
  {
    field: "stallAlarmSeconds",
    section: "node",
    key: "stall_alarm_s",
    env: "OUTRIGGER_STALL_ALARM_S",
    flag: "--stall-alarm-s",
    kind: "seconds",
    help: "Seconds without a new block after which the node logs a warning and sets outrigger_chain_stalled to 1.",
  },
  {
    field: "p2pListen",
    section: "p2p",
    key: "listen",
    env: "OUTRIGGER_P2P_LISTEN",
    flag: "--p2p-listen",
    kind: "list",
    help: "Multiaddrs to listen on for peers; loopback unless changed (use /ip4/0.0.0.0/tcp/26656 on a server).",
  },
  {
    field: "persistentPeers",
    section: "p2p",
    key: "persistent_peers",
    env: "OUTRIGGER_P2P_PERSISTENT_PEERS",
    flag: "--persistent-peers",
    kind: "list",
    help: "Peers to dial and keep dialling, as multiaddrs ending in /p2p/<peer id> (`outrigger keys show`).",
  },
  {
    field: "p2pDialOnlyPersistentPeers",
    section: "p2p",
    key: "dial_only_persistent_peers",
    env: "OUTRIGGER_P2P_DIAL_ONLY_PERSISTENT_PEERS",
    flag: "--dial-only-persistent-peers",
    kind: "boolean",
    help: "true: dial only the persistent_peers addresses, never one a peer announced (tests whose links run through proxies).",
  },
  {
    field: "rpcHost",
    section: "rpc",
    key: "host",
    env: "OUTRIGGER_RPC_HOST",
    flag: "--rpc-host",
    kind: "string",
    help: "Address the JSON-RPC (HTTP and WebSocket) server binds; 0.0.0.0 serves every interface.",
  },
  {
    field: "rpcPort",
    section: "rpc",
    key: "port",
    env: "OUTRIGGER_RPC_PORT",
    flag: "--rpc-port",
    kind: "port",
    help: "JSON-RPC port; 0 binds a free one (the node prints it when ready).",
  },
  {
    field: "rpcCorsOrigins",
    section: "rpc",
    key: "cors_origins",
    env: "OUTRIGGER_RPC_CORS_ORIGINS",
    flag: "--rpc-cors-origins",
    kind: "list",
    help: 'Origins browsers may call the RPC from: ["*"] for any, [] for none, or exact origins.',
  },
  {
    field: "rpcRateLimitPerSecond",
    section: "rpc",
    key: "rate_limit_per_s",
    env: "OUTRIGGER_RPC_RATE_LIMIT_PER_S",
    flag: "--rpc-rate-limit-per-s",
    kind: "count",
    help: "Requests per second one client (IP address, IPv6 /64) may sustain; beyond it, -32005 and HTTP 429. 0: no limit.",
  },
  {
    field: "rpcRateLimitBurst",
    section: "rpc",
    key: "rate_limit_burst",
    env: "OUTRIGGER_RPC_RATE_LIMIT_BURST",
    flag: "--rpc-rate-limit-burst",
    kind: "count",
    help: "Requests a rested client may send at once (a batch counts each of its requests).",
  },
  {
    field: "rpcExemptLoopback",
    section: "rpc",
    key: "exempt_loopback",
    env: "OUTRIGGER_RPC_EXEMPT_LOOPBACK",
    flag: "--rpc-exempt-loopback",
    kind: "boolean",
    help: "true: clients on 127.0.0.0/8 and ::1 skip the per-client limits (set false behind a local reverse proxy).",
  },
  {
    field: "rpcMaxConnections",
    section: "rpc",
    key: "max_connections",
    env: "OUTRIGGER_RPC_MAX_CONNECTIONS",
    flag: "--rpc-max-connections",
    kind: "count",
    help: "Open HTTP and WebSocket connections the server holds at most; more are closed at once.",
  },
  {
    field: "rpcMaxConnectionsPerClient",
    section: "rpc",
    key: "max_connections_per_client",
    env: "OUTRIGGER_RPC_MAX_CONNECTIONS_PER_CLIENT",
    flag: "--rpc-max-connections-per-client",
    kind: "count",
    help: "Open connections one client (IP address) may hold.",
  },
  {
    field: "rpcRequestTimeoutSeconds",
    section: "rpc",
    key: "request_timeout_s",
    env: "OUTRIGGER_RPC_REQUEST_TIMEOUT_S",
    flag: "--rpc-request-timeout-s",
    kind: "seconds",
    help: "What one request or batch may take; an eth_call or eth_getLogs still running then is stopped (-32005).",
  },
  {
    field: "rpcMaxConcurrentCalls",
    section: "rpc",
    key: "max_concurrent_calls",
    env: "OUTRIGGER_RPC_MAX_CONCURRENT_CALLS",
    flag: "--rpc-max-concurrent-calls",
    kind: "count",
    help: "eth_call, eth_estimateGas and eth_getLogs running at once on this node; up to 64 more wait, then -32005.",
  },
  {
    field: "rpcMaxLogBlockRange",
    section: "rpc",
    key: "max_log_block_range",
    env: "OUTRIGGER_RPC_MAX_LOG_BLOCK_RANGE",
    flag: "--rpc-max-log-block-range",
    kind: "count",
    help: "Blocks one eth_getLogs may scan.",
  },
  {
    field: "rpcMaxLogResults",
    section: "rpc",
    key: "max_log_results",
    env: "OUTRIGGER_RPC_MAX_LOG_RESULTS",
    flag: "--rpc-max-log-results",
    kind: "count",
    help: "Logs one eth_getLogs may return.",
  },
  {
    field: "l1RpcUrl",
    section: "l1",
    key: "rpc_url",
    env: "OUTRIGGER_L1_RPC_URL",
    flag: "--l1-rpc-url",
    kind: "optional-string",
    help: "L1 JSON-RPC URL: deposits are confirmed and checkpoints followed through it. Unset: no deposits here.",
    example: '"http://127.0.0.1:8545"',
  },
  {
    field: "metricsHost",
    section: "metrics",
    key: "host",
    env: "OUTRIGGER_METRICS_HOST",
    flag: "--metrics-host",
    kind: "string",
    help: "Address of the Prometheus endpoint (/metrics) when metrics.port is set.",
  },
  {
    field: "metricsPort",
    section: "metrics",
    key: "port",
    env: "OUTRIGGER_METRICS_PORT",
    flag: "--metrics-port",
    kind: "optional-port",
    help: "Port of a separate Prometheus endpoint (/metrics); unset serves /metrics on the RPC port only.",
    example: "9100",
  },
];

/** The name of a key in config.toml, e.g. `rpc.port`. */
export function tomlName(key: ConfigKey): string {
  return `${key.section}.${key.key}`;
}
