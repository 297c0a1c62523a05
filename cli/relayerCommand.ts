import { type Command, Option } from "commander";
import { Wallet } from "ethers";
import { RelayerConfigError } from "../bridge/relayer/errors.ts";
import { RELAYER_KEY_ENV, readRelayerKey } from "../bridge/relayer/key.ts";
import { createEthersL1, l1Provider } from "../bridge/relayer/l1.ts";
import { RelayerMetrics } from "../bridge/relayer/metrics.ts";
import { createRelayer } from "../bridge/relayer/relayer.ts";
import { checkL1ChainId, readBridgeSettings } from "../bridge/relayer/startup.ts";
import { SidechainRpc } from "../bridge/sidechainRpc.ts";
import { createLogger } from "../node/observability/logger.ts";
import { type MetricsServer, serveMetrics } from "../node/util/metricsServer.ts";
import { intArg, urlArg } from "./format/args.ts";
import { exitWithParent } from "./lifeline.ts";

export interface RelayerFlags {
  rpc: string;
  l1Rpc: string;
  keyFile?: string;
  exit: boolean;
  interval: number;
  metricsPort?: number;
  metricsHost: string;
  logLevel: string;
}

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"];

/** Adds `outrigger relayer` to the program. */
export function registerRelayerCommand(program: Command): void {
  program
    .command("relayer")
    .description(
      "relay deposits to the sidechain and certified checkpoints (and, with --exit, withdrawals) to L1",
    )
    .requiredOption("--rpc <url>", "a sidechain node's JSON-RPC URL", urlArg)
    .requiredOption("--l1-rpc <url>", "the L1's JSON-RPC URL", urlArg)
    .option(
      "--key-file <file>",
      `file with the relayer's L1 private key (hex, one line); or set ${RELAYER_KEY_ENV}. It only pays gas`,
    )
    .option("--exit", "also exit checkpointed withdrawals on L1 for their recipients", false)
    .option("--interval <ms>", "pause between two rounds of work", intArg(10, 3_600_000), 500)
    .option(
      "--metrics-port <port>",
      "serve Prometheus metrics on http://<metrics-host>:<port>/metrics",
      intArg(0, 65535),
    )
    .option(
      "--metrics-host <host>",
      "address the metrics endpoint binds (0.0.0.0 in a container)",
      "127.0.0.1",
    )
    .addOption(new Option("--log-level <level>", "log level").choices(LOG_LEVELS).default("info"))
    .action((flags: RelayerFlags) => runRelayer(flags));
}

/** Runs until SIGINT or SIGTERM; only bad configuration makes it fail, never a node or L1 that is down. */
export async function runRelayer(flags: RelayerFlags): Promise<void> {
  const logger = createLogger({
    level: flags.logLevel,
    file: null,
    name: "relayer",
    pretty: process.stderr.isTTY === true,
  });
  const key = await readRelayerKey(flags.keyFile, process.env);
  if (key.warning !== null) logger.warn(key.warning);

  const stopping = new AbortController();
  let releaseStdin = () => {};
  const stopped = new Promise<string>((resolve) => {
    const onSignal = (signal: string) => {
      releaseStdin();
      stopping.abort();
      resolve(signal);
    };
    process.once("SIGINT", () => onSignal("SIGINT"));
    process.once("SIGTERM", () => onSignal("SIGTERM"));
    // Started by the devnet or a test: stop as on SIGTERM once that process is gone, however it died.
    releaseStdin = exitWithParent(process.env, process.stdin, () => onSignal("parent exited"));
  });
  const startup = {
    signal: stopping.signal,
    onRetry: (what: string, err: Error) => logger.warn({ err: err.message }, `waiting for ${what}`),
  };

  const sidechain = new SidechainRpc(flags.rpc);
  let metricsServer: MetricsServer | null = null;
  let provider: ReturnType<typeof l1Provider> | null = null;
  try {
    const settings = await readBridgeSettings(sidechain, startup);
    provider = l1Provider(flags.l1Rpc, settings.l1ChainId);
    const rpcProvider = provider;
    await checkL1ChainId(
      async () => BigInt((await rpcProvider.send("eth_chainId", [])) as string),
      flags.l1Rpc,
      settings.l1ChainId,
      startup,
    );
    const l1 = createEthersL1(settings, { provider, signer: new Wallet(key.privateKey, provider) });
    const metrics = new RelayerMetrics({ processMetrics: true });
    if (flags.metricsPort !== undefined)
      metricsServer = await serveMetrics(metrics.registry, {
        port: flags.metricsPort,
        host: flags.metricsHost,
      });
    const relayer = createRelayer(
      {
        intervalMs: flags.interval,
        exit: flags.exit,
        domain: { l1ChainId: settings.l1ChainId, checkpointManager: settings.checkpointManager },
      },
      { l1, sidechain, logger, metrics },
    );
    logger.info(
      {
        address: key.address,
        rpc: flags.rpc,
        l1ChainId: settings.l1ChainId.toString(),
        bridge: settings.bridge,
        checkpointManager: settings.checkpointManager,
        confirmations: settings.confirmations,
        metrics: metricsServer?.url ?? null,
      },
      "relayer configured",
    );
    relayer.start();
    const signal = await stopped;
    logger.info({ signal }, "stopping");
    await relayer.stop();
  } catch (err) {
    // A signal during startup is a clean stop, not a failure.
    if (stopping.signal.aborted && err instanceof RelayerConfigError) return;
    throw err;
  } finally {
    releaseStdin();
    await metricsServer?.close();
    provider?.destroy();
  }
}
