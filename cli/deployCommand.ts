import { type Command, InvalidArgumentError, Option } from "commander";
import { parseAddress, ValidatorsFileError } from "../genesis/checkedAddress.ts";
import type { Address } from "../node/crypto/index.ts";
import { intArg, urlArg } from "./format/args.ts";
import type { DeployFlags } from "./run/deploy.ts";

export const DEPLOYER_PASSWORD_ENV = "OUTRIGGER_DEPLOYER_PASSWORD";

export function registerDeployCommand(program: Command): void {
  program
    .command("deploy")
    .description("deploy CheckpointManager and Bridge to an L1 for the validators file's set")
    .requiredOption("--l1-rpc <url>", "the L1's JSON-RPC URL", urlArg)
    .requiredOption("--l1-chain-id <id>", "the chain id the L1 must have (else nothing is sent)", chainIdArg)
    .requiredOption("--sidechain-id <id>", "the sidechain's chain id (genesis --chain-id)", chainIdArg)
    .requiredOption("--validators <file>", "the validators file (JSON; see docs/DESIGN.md §7)")
    .requiredOption("--deployer-key-file <file>", "a keystore or hex key file holding the deployer's key")
    .addOption(
      new Option(
        "--password-file <file>",
        `file holding the deployer keystore's password (else env ${DEPLOYER_PASSWORD_ENV})`,
      ),
    )
    .option("--admin <address>", "the Bridge's admin (default: the deployer)", addressArg)
    .option(
      "--guardian <address>",
      "the Bridge's guardian, who can pause it (default: the deployer)",
      addressArg,
    )
    .option(
      "--confirmations <n>",
      "blocks each deployment must be buried under; 1 on an L1 that mines only on transactions",
      intArg(1, 1000),
      1,
    )
    .option("--out <file>", "where to write the deployment record", "deployment.json")
    .option("--force", "overwrite an existing --out file", false)
    .option("--json", "print the deployment record as JSON", false)
    .addOption(new Option("--password <password>").hideHelp())
    .addOption(new Option("--private-key <hex>").hideHelp())
    .action(async (flags: DeployFlags) => {
      const { runDeploy, processIo } = await import("./run/deploy.ts");
      await runDeploy(flags, processIo);
    });
}

/** Commander parsers shared with `genesis`: a bad flag fails before any file or network is touched. */
export function chainIdArg(value: string): bigint {
  if (!/^[1-9][0-9]{0,18}$/.test(value)) throw new InvalidArgumentError("expected a positive chain id");
  return BigInt(value);
}

export function addressArg(value: string): Address {
  try {
    return parseAddress(value, "address");
  } catch (err) {
    if (err instanceof ValidatorsFileError)
      throw new InvalidArgumentError(err.message.replace(/^address: /, ""));
    throw err;
  }
}
