import { readFile } from "node:fs/promises";
import { errorMessage } from "../../node/util/errors.ts";
import { UsageError } from "../format/errors.ts";

export const PASSWORD_ENV = "OUTRIGGER_KEY_PASSWORD";

/**
 * A keystore password comes from a file (--password-file) or the environment, never from argv: arguments end up
 * in shell history and in every user's `ps`. Null when neither is given.
 */
export async function readPassword(
  passwordFile: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string | null> {
  let password: string | undefined;
  let where: string;
  if (passwordFile !== undefined) {
    where = `password file ${passwordFile}`;
    try {
      // One trailing newline is the editor's, not the password's.
      password = (await readFile(passwordFile, "utf8")).replace(/\r?\n$/, "");
    } catch (err) {
      throw new UsageError(`cannot read password file ${passwordFile}: ${errorMessage(err)}`);
    }
  } else {
    where = PASSWORD_ENV;
    password = env[PASSWORD_ENV];
    if (password === undefined) return null;
  }
  if (password === "") throw new UsageError(`${where} is empty`);
  return password;
}

export async function requirePassword(
  passwordFile: string | undefined,
  env: NodeJS.ProcessEnv,
  why: string,
): Promise<string> {
  const password = await readPassword(passwordFile, env);
  if (password === null)
    throw new UsageError(`${why} needs a password: pass --password-file FILE or set ${PASSWORD_ENV}`);
  return password;
}
