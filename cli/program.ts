import { Command, InvalidArgumentError, Option } from "commander";
import { registerBalanceCommand } from "./balanceCommand.ts";
import { registerBridgeCommand } from "./bridgeCommand.ts";
import { registerCheckpointCommand } from "./checkpointCommand.ts";
import { addressArg, registerDeployCommand } from "./deployCommand.ts";
import { intArg } from "./format/args.ts";
import { registerInitCommand } from "./initCommand.ts";
import { registerKeysCommand } from "./keysCommand.ts";
import { registerNodeCommand } from "./nodeCommand.ts";
import { registerRelayerCommand } from "./relayerCommand.ts";
import { registerStakeCommands } from "./stakeCommand.ts";
import { registerStatusCommand } from "./statusCommand.ts";
import { registerValidatorsCommand } from "./validatorsCommand.ts";
import { VERSION } from "./version.ts";

function chainIdArg(value: string): bigint {
  if (!/^[1-9][0-9]{0,18}$/.test(value)) throw new InvalidArgumentError("expected a positive chain id");
  return BigInt(value);
}

// Each command is defined here cheaply and loads its implementation in its action: a validator (`node`) or a
// health probe (`status --check`) then never pays the memory and start-up of the others (ethers, devnet, deploy).
/** Every command, defined but not parsed: cli/main.ts runs it, and tests parse argv with it without running it. */
export function buildProgram(): Command {
  const program = new Command()
    .name("outrigger")
    .description("Outrigger: a proof-of-stake sidechain for Ethereum with a two-way peg bridge")
    .version(VERSION);

  registerNodeCommand(program);
  registerInitCommand(program);

  program
    .command("genesis")
    .description(
      "with --validators-file: a real network's genesis.json from a validators file and a deployment; " +
        "without: a devnet genesis and one home folder per validator (devnet keys)",
    )
    .requiredOption(
      "--out <dir>",
      "where to write the node homes, or with --validators-file the genesis file",
    )
    .option("--validators <n>", "number of validators", intArg(1, 128), 4)
    // A bigint default needs its help text given: commander shows defaults with JSON.stringify.
    .addOption(
      new Option("--chain-id <id>", "the sidechain's chain id").argParser(chainIdArg).default(7447n, "7447"),
    )
    .option("--p2p-base-port <port>", "node i listens for p2p on base + i", intArg(1, 65000), 26656)
    .option("--rpc-base-port <port>", "node i serves RPC on base + i", intArg(1, 65000), 8645)
    .option(
      "--encrypt",
      "write validator keys as encrypted keystores (password in OUTRIGGER_KEY_PASSWORD)",
      false,
    )
    .option("--validators-file <file>", "a real network: the validators file (JSON; see docs/DESIGN.md §7)")
    .option(
      "--deployment <file>",
      "the record `outrigger deploy` wrote (its sidechain id is the default --chain-id)",
    )
    .option("--l1-chain-id <id>", "without --deployment: the L1's chain id", chainIdArg)
    .option(
      "--checkpoint-manager <address>",
      "without --deployment: the CheckpointManager's address",
      addressArg,
    )
    .option("--bridge <address>", "without --deployment: the Bridge's address", addressArg)
    .option(
      "--deployment-block <n>",
      "without --deployment: the L1 block of the first deployment",
      intArg(0, 2 ** 53 - 1),
    )
    .option(
      "--deposit-confirmations <n>",
      "L1 blocks a deposit must be buried under before it is minted (0: the L1's finalized tag)",
      intArg(0, 10_000),
    )
    .option("--dev", "also fund the well-known dev accounts and the dev token (never on a real network)")
    .option("--alloc <file>", "extra native balances: a JSON list of { address, balance (base units) }")
    .option("--genesis-time <ms>", "genesis time in Unix milliseconds (default: now)", intArg(0, 2 ** 53 - 1))
    .option(
      "--epoch-length <blocks>",
      "blocks per epoch (one checkpoint each; default 600)",
      intArg(1, 1_000_000),
    )
    .option("--force", "overwrite an existing genesis file")
    .option("--json", "print the result as JSON")
    .action(async (flags, cmd: Command) => {
      const { runGenesisCommand } = await import("./genesisCommand.ts");
      await runGenesisCommand(flags, (name) => cmd.getOptionValueSource(name));
    });

  program
    .command("devnet")
    .description("run a local L1, deploy the contracts and start the validators; Ctrl-C stops everything")
    .option("--dir <dir>", "data folder", ".devnet")
    .option("--reset", "wipe the data folder and start from a new genesis", false)
    .option("--validators <n>", "number of validators", intArg(1, 16), 4)
    .option("--l1-port <port>", "port of the local L1 (0: any free port)", intArg(0, 65535), 8545)
    .option(
      "--rpc-base-port <port>",
      "validator i serves RPC on base + i (0: any free ports)",
      intArg(0, 65000),
      8645,
    )
    .option(
      "--p2p-base-port <port>",
      "validator i listens for p2p on base + i (0: any free ports)",
      intArg(0, 65000),
      26656,
    )
    .action(async (flags) => (await import("./devnet/devnetCommand.ts")).runDevnet(flags));

  registerRelayerCommand(program);
  registerBridgeCommand(program);
  registerCheckpointCommand(program);
  registerKeysCommand(program);
  registerStatusCommand(program);
  registerDeployCommand(program);
  registerBalanceCommand(program);
  registerValidatorsCommand(program);
  registerStakeCommands(program);
  return program;
}
