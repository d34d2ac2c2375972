/** A configuration that cannot be used: fatal at start-up, with a message naming where and what. */
export class ConfigError extends Error {
  override name = "ConfigError";
}
