import { stat } from "node:fs/promises";

/**
 * Why a private key file must not be used, or null when only its owner can read it. Refusing (as ssh does) rather
 * than tightening the mode makes the operator notice that the key may already have been copied.
 */
export async function exposedKeyFileReason(path: string, what: string): Promise<string | null> {
  // Windows has no group/other mode bits to check.
  if (process.platform === "win32") return null;
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) === 0) return null;
  return `${what} ${path} can be read by other users (mode ${mode.toString(8).padStart(4, "0")}); run \`chmod 600 ${path}\``;
}
