import { UsageError } from "./errors.ts";

/** Hidden flags, declared only so that a secret typed on the command line is refused, never used. */
export interface ArgvSecretFlags {
  password?: string;
  privateKey?: string;
}

/**
 * Refuses a password or private key given as a flag: it would sit in shell history and in `ps` for anyone on the
 * machine. `passwordEnv` and `keyHint` say what to use instead.
 */
export function refuseArgvSecrets(
  flags: ArgvSecretFlags,
  hints: { passwordEnv: string; keyHint: string },
): void {
  if (flags.password !== undefined)
    throw new UsageError(
      `a password is never read from the command line (shell history, ps); use --password-file FILE or ${hints.passwordEnv}`,
    );
  if (flags.privateKey !== undefined)
    throw new UsageError(
      `a private key is never read from the command line (shell history, ps); use ${hints.keyHint}`,
    );
}
