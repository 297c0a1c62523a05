import { readFile } from "node:fs/promises";
import { isKeystoreJson } from "ethers";
import { InvalidInputError } from "../../bridge/client/errors.ts";
import { parsePrivateKey } from "../../bridge/keyFile.ts";
import { devAccountKey } from "../../genesis/devKeys.ts";
import type { Hex } from "../../node/crypto/index.ts";
import { errorMessage } from "../../node/util/errors.ts";
import { UsageError } from "../format/errors.ts";
import type { KeyFlags } from "../format/keyOptions.ts";
import { inspectKeyFile, KeyFileError, revealPrivateKey } from "./keyFiles.ts";
import { PASSWORD_ENV, readPassword } from "./password.ts";

/**
 * The signing key from exactly one source: --key-file, --dev-account, or OUTRIGGER_KEY, before any network call.
 * A private key or password is never taken from argv, which shell history and `ps` expose.
 */
export async function resolveKey(
  flags: KeyFlags,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Hex> {
  if (flags.keyFile !== undefined && flags.devAccount !== undefined) {
    throw new InvalidInputError("use either --key-file or --dev-account, not both");
  }
  if (flags.keyFile !== undefined) return readSigningKeyFile(flags.keyFile, flags.passwordFile, env);
  if (flags.passwordFile !== undefined)
    throw new UsageError("--password-file opens a keystore given with --key-file; pass --key-file too");
  if (flags.devAccount !== undefined) return devAccountKey(flags.devAccount);
  const fromEnv = env.OUTRIGGER_KEY;
  if (fromEnv !== undefined && fromEnv !== "") return parsePrivateKey(fromEnv, "OUTRIGGER_KEY");
  throw new InvalidInputError(
    "no key: pass --key-file <file>, --dev-account <i> (devnet), or set OUTRIGGER_KEY",
  );
}

/** A hex key file, or a keystore opened with the password; the password is read only when the file needs one. */
async function readSigningKeyFile(
  path: string,
  passwordFile: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Hex> {
  let content: string;
  try {
    content = (await readFile(path, "utf8")).trim();
  } catch (err) {
    throw new KeyFileError(`cannot read key file ${path}: ${errorMessage(err)}`);
  }
  if (!isKeystoreJson(content)) return parsePrivateKey(content, `key file ${path}`);
  const password = await readPassword(passwordFile, env);
  if (password === null)
    throw new UsageError(
      `${path} is an encrypted keystore: pass --password-file FILE or set ${PASSWORD_ENV}`,
    );
  const info = await inspectKeyFile(path);
  return revealPrivateKey(info, path, password);
}
