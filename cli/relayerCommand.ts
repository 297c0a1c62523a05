import { type Command, Option } from "commander";
import { RELAYER_KEY_ENV } from "../bridge/relayer/keyEnv.ts";
import { intArg, urlArg } from "./format/args.ts";

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
    .action(async (flags: RelayerFlags) => (await import("./run/relayer.ts")).runRelayer(flags));
}
