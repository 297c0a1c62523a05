import { stat } from "node:fs/promises";
import { type Address, type Hex, privateKeyToAddress } from "../../node/crypto/index.ts";
import { KeyFileError, parsePrivateKey, readKeyFile } from "../keyFile.ts";
import { RelayerConfigError } from "./errors.ts";
import { RELAYER_KEY_ENV } from "./keyEnv.ts";

export interface RelayerKey {
  privateKey: Hex;
  address: Address;
  /** Set when the key file can be read by other users; the caller decides how loudly to say so. */
  warning: string | null;
}

/**
 * The relayer's L1 key, from a file (hex or keystore) or the environment and never from a flag, which `ps` would show to every
 * user of the machine. The key only pays gas, but whoever holds it can spend that gas.
 */
export async function readRelayerKey(
  keyFile: string | undefined,
  env: Record<string, string | undefined>,
): Promise<RelayerKey> {
  // Empty counts as unset: compose files often pass `VAR=${VAR}` through whether it is set or not.
  const fromEnv = env[RELAYER_KEY_ENV] || undefined;
  if (keyFile !== undefined && fromEnv !== undefined) {
    throw new RelayerConfigError(`give the L1 key either with --key-file or in ${RELAYER_KEY_ENV}, not both`);
  }
  let privateKey: Hex;
  let warning: string | null = null;
  try {
    if (keyFile !== undefined) {
      privateKey = await readKeyFile(keyFile, env.OUTRIGGER_KEY_PASSWORD ?? null);
      // Group- or world-readable keys are a common slip; worth a warning, not a refusal (containers, CI).
      if (((await stat(keyFile)).mode & 0o077) !== 0)
        warning = `${keyFile} can be read by other users; chmod 600 it`;
    } else if (fromEnv !== undefined) {
      privateKey = parsePrivateKey(fromEnv, RELAYER_KEY_ENV);
    } else {
      throw new RelayerConfigError(`the relayer needs an L1 key: --key-file <file> or ${RELAYER_KEY_ENV}`);
    }
  } catch (err) {
    if (err instanceof KeyFileError) throw new RelayerConfigError(err.message);
    throw err;
  }
  return { privateKey, address: privateKeyToAddress(privateKey), warning };
}
