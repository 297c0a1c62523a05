import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { CONFIG_FILE, renderConfigFile } from "../node/config/configFile.ts";
import { configFromFlags, resolveNodeConfig } from "../node/config/nodeConfig.ts";
import { errorMessage } from "../node/util/errors.ts";
import { addConfigOptions, configFlagValues } from "./format/configOptions.ts";

export function registerInitCommand(program: Command): void {
  const command = program
    .command("init")
    .description(`write a commented ${CONFIG_FILE} into a node's home folder (flags set its values)`)
    .requiredOption("--home <dir>", "the node's home folder (created if missing)")
    .option("--force", `overwrite an existing ${CONFIG_FILE}`, false);
  addConfigOptions(command).action((flags: { home: string; force: boolean }) =>
    runInit({ ...flags, values: configFlagValues(command) }),
  );
}

async function runInit(opts: {
  home: string;
  force: boolean;
  values: ReturnType<typeof configFlagValues>;
}): Promise<void> {
  // The same checks `outrigger node` makes, so a bad value never reaches the file.
  const layer = configFromFlags(opts.values);
  resolveNodeConfig([layer]);
  const path = join(opts.home, CONFIG_FILE);
  await mkdir(opts.home, { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, renderConfigFile(layer.values), { flag: opts.force ? "w" : "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST")
      throw new Error(`${path} exists; edit it, or pass --force to overwrite it`);
    throw new Error(`cannot write ${path}: ${errorMessage(err)}`);
  }
  process.stdout.write(
    `wrote ${path}\n` +
      `next: put genesis.json and the validator key (\`outrigger keys new\`) in ${opts.home}, then \`outrigger node --home ${opts.home}\`\n`,
  );
}
