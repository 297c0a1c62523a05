import type { Command } from "commander";
import { PASSWORD_ENV } from "../keys/password.ts";
import { intArg } from "./args.ts";

/** The flags of every command that signs a transaction (bridge, staking). */
export interface KeyFlags {
  keyFile?: string;
  passwordFile?: string;
  devAccount?: number;
}

export function keyOptions(cmd: Command): Command {
  return cmd
    .option(
      "--key-file <file>",
      `hex key or keystore (password from --password-file or ${PASSWORD_ENV}); else env OUTRIGGER_KEY`,
    )
    .option("--password-file <file>", `the keystore's password (else env ${PASSWORD_ENV})`)
    .option("--dev-account <i>", "use devnet dev account i (never on a real network)", intArg(0, 19));
}
