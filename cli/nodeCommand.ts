import type { Command } from "commander";
import { CONFIG_FILE } from "../node/config/configFile.ts";
import { addConfigOptions } from "./format/configOptions.ts";

export function registerNodeCommand(program: Command): void {
  const command = program
    .command("node")
    .description("run a validator (or full) node from its home folder")
    .requiredOption("--home <dir>", `the node's home folder (${CONFIG_FILE}, genesis.json, keys, data)`)
    .option("--no-log-file", "log to stdout instead of <home>/node.log")
    .option("--password-file <file>", "the validator keystore's password (else OUTRIGGER_KEY_PASSWORD)");
  addConfigOptions(command).action(
    async (flags: { home: string; logFile: boolean; passwordFile?: string }) => {
      const { runNode } = await import("./run/node.ts");
      await runNode({ home: flags.home, logFile: flags.logFile, passwordFile: flags.passwordFile, command });
    },
  );
}
