import { Wallet } from "ethers";
import { RelayerConfigError } from "../../bridge/relayer/errors.ts";
import { readRelayerKey } from "../../bridge/relayer/key.ts";
import { createEthersL1, l1Provider } from "../../bridge/relayer/l1.ts";
import { RelayerMetrics } from "../../bridge/relayer/metrics.ts";
import { createRelayer } from "../../bridge/relayer/relayer.ts";
import { checkL1ChainId, readBridgeSettings } from "../../bridge/relayer/startup.ts";
import { SidechainRpc } from "../../bridge/sidechainRpc.ts";
import { createLogger } from "../../node/observability/logger.ts";
import { type MetricsServer, serveMetrics } from "../../node/util/metricsServer.ts";
import { exitWithParent } from "../lifeline.ts";
import type { RelayerFlags } from "../relayerCommand.ts";

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
