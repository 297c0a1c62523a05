/** A genesis or node configuration that cannot be used; the message names the field and what is wrong. */
export class ConfigError extends Error {
  override readonly name: string = "ConfigError";
}
