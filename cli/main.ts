import "../node/util/polyfill.ts";
import { Command, InvalidArgumentError, Option } from "commander";
import { registerBalanceCommand } from "./balanceCommand.ts";
import { registerBridgeCommand } from "./bridgeCommand.ts";
import { registerCheckpointCommand } from "./checkpointCommand.ts";
import { runDevnet } from "./devnet/devnetCommand.ts";
import { intArg } from "./format/args.ts";
import { reportError, routeErrors } from "./format/errors.ts";
import { runGenesis } from "./genesisCommand.ts";
import { registerInitCommand } from "./initCommand.ts";
import { registerKeysCommand } from "./keysCommand.ts";
import { registerNodeCommand } from "./nodeCommand.ts";
import { registerRelayerCommand } from "./relayerCommand.ts";
import { registerStakeCommands } from "./stakeCommand.ts";
import { registerValidatorsCommand } from "./validatorsCommand.ts";
import { VERSION } from "./version.ts";

function chainIdArg(value: string): bigint {
  if (!/^[1-9][0-9]{0,18}$/.test(value)) throw new InvalidArgumentError("expected a positive chain id");
  return BigInt(value);
}

const program = new Command()
  .name("outrigger")
  .description("Outrigger: a proof-of-stake sidechain for Ethereum with a two-way peg bridge")
  .version(VERSION);

registerNodeCommand(program);
registerInitCommand(program);

program
  .command("genesis")
  .description("create a genesis and one home folder per validator")
  .requiredOption("--out <dir>", "where to write the node homes")
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
  .action((flags) => runGenesis(flags));

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
  .action((flags) => runDevnet(flags));

registerRelayerCommand(program);
registerBridgeCommand(program);
registerCheckpointCommand(program);
registerKeysCommand(program);
registerBalanceCommand(program);
registerValidatorsCommand(program);
registerStakeCommands(program);

// After every command is registered: each one gets the one-line error handling.
const errors = routeErrors(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  process.exitCode = reportError(err, errors.actionCommand(), process.argv.slice(2));
});
