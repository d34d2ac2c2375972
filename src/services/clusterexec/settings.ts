/** The verification settings from the service's configuration (seconds, as everywhere there). */
import { ConfigError } from "../../config/errors.js";
import { DEFAULT_VERIFY, type VerifySettings } from "./verify.js";

function seconds(config: Record<string, unknown>, name: string, fallbackMs: number): number {
  const value = config[name];
  if (value === undefined) return fallbackMs;
  if (typeof value !== "number" || !(value >= 0))
    throw new ConfigError(`configuration member "${name}" must be a number of seconds >= 0`);
  return Math.round(value * 1000);
}

export function readVerifySettings(config: Record<string, unknown>): VerifySettings {
  const states = config.accepted_system_states ?? DEFAULT_VERIFY.acceptedStates;
  if (!Array.isArray(states) || !states.every((s) => typeof s === "string"))
    throw new ConfigError(
      `configuration member "accepted_system_states" must be a list of strings`,
    );
  return {
    rebootTimeoutMs: seconds(config, "reboot_timeout", DEFAULT_VERIFY.rebootTimeoutMs),
    stabilityMs: seconds(config, "stability_wait", DEFAULT_VERIFY.stabilityMs),
    probeIntervalMs: seconds(config, "probe_interval", DEFAULT_VERIFY.probeIntervalMs),
    acceptedStates: states,
  };
}
