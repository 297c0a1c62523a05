import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { readValidatorKey } from "../../genesis/validatorKey.ts";
import { CONFIG_FILE, readConfigFile } from "../../node/config/configFile.ts";
import { ConfigError } from "../../node/config/errors.ts";
import { parseGenesis } from "../../node/config/genesis.ts";
import { configFromEnv, configFromFlags, resolveNodeConfig } from "../../node/config/nodeConfig.ts";
import { startNode } from "../../node/node.ts";
import { createLogger } from "../../node/observability/logger.ts";
import { errorMessage } from "../../node/util/errors.ts";
import { configFlagValues } from "../format/configOptions.ts";
import { readPassword } from "../keys/password.ts";
import { exitWithParent } from "../lifeline.ts";
import { CLIENT_VERSION } from "../version.ts";

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${path}: ${errorMessage(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${what} ${path} is not valid JSON: ${errorMessage(err)}`);
  }
}

/** `outrigger node --home DIR`: config file, then environment, then flags; runs until SIGINT or SIGTERM. */
export async function runNode(flags: {
  home: string;
  logFile: boolean;
  passwordFile: string | undefined;
  command: Command;
}): Promise<void> {
  // Every setting is checked before anything starts: a bad value is one error naming its key.
  const config = resolveNodeConfig([
    await readConfigFile(join(flags.home, CONFIG_FILE)),
    configFromEnv(process.env),
    configFromFlags(configFlagValues(flags.command)),
  ]);
  const genesis = parseGenesis(await readJson(join(flags.home, "genesis.json"), "genesis"));
  const key =
    config.validatorKeyFile === null
      ? null
      : await readValidatorKey(
          join(flags.home, config.validatorKeyFile),
          await readPassword(flags.passwordFile, process.env),
        );
  const logger = createLogger({
    level: config.logLevel,
    file: flags.logFile === false ? null : join(flags.home, "node.log"),
    name: "node",
    pretty: process.stderr.isTTY === true,
  });
  // Fault injection is loaded only when asked for, so no production run carries its code.
  const faults =
    process.env.OUTRIGGER_TEST_FAULTS === "1"
      ? (await import("./testFaults.ts")).testFaultHooks(process.env)
      : {};
  const node = await startNode(
    { home: flags.home, config, genesis, validatorKey: key, clientVersion: CLIENT_VERSION, ...faults },
    { logger },
  );
  // Machine-readable readiness line: the devnet and tests wait for it instead of guessing ports.
  process.stdout.write(
    `${JSON.stringify({ ready: true, rpc: node.rpcUrl, ws: node.wsUrl, peerId: node.peerId, p2p: node.p2pAddrs })}\n`,
  );
  await new Promise<void>((resolve) => {
    let stopping = false;
    let releaseStdin = () => {};
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      releaseStdin();
      logger.info({ signal }, "stopping");
      node.stop().finally(resolve);
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    // A chain that cannot go on stops the process, non-zero, so its supervisor restarts it.
    void node.halted.then((err) => {
      logger.fatal({ err: errorMessage(err) }, `chain halted: ${errorMessage(err)}`);
      process.exitCode = 1;
      shutdown("chain halted");
    });
    // The devnet's and tests' children: stop as on SIGTERM once the process that started this one is gone.
    releaseStdin = exitWithParent(process.env, process.stdin, () => shutdown("parent exited"));
  });
}
