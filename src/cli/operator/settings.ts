/**
 * Where the operator commands find the REST server and who they are: command-line options, then
 * the environment (COMMISSAIRE_SERVER, COMMISSAIRE_USERNAME, COMMISSAIRE_PASSWORD,
 * COMMISSAIRE_TOKEN, COMMISSAIRE_CA_FILE), then ~/.commissaire.json ({"server", "username",
 * "password", "token", "ca_file"}), then http://127.0.0.1:8000.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../config/errors.js";
import { parseConfigText } from "../../config/file-source.js";

export interface ClientSettings {
  server: string;
  username?: string;
  password?: string;
  token?: string;
  caFile?: string;
}

export interface ClientOptions {
  server?: string;
  username?: string;
  password?: string;
  token?: string;
  caFile?: string;
}

const KEYS = ["server", "username", "password", "token", "ca_file"] as const;

function fileSettings(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ConfigError(`${path}: cannot be read: ${(err as Error).message}`);
  }
  const value = parseConfigText(text, path);
  const out: Record<string, string> = {};
  for (const key of KEYS) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (typeof v !== "string") throw new ConfigError(`${path}: "${key}" must be a string`);
    out[key] = v;
  }
  return out;
}

export function clientSettings(
  options: ClientOptions,
  env: NodeJS.ProcessEnv = process.env,
): ClientSettings {
  const file = fileSettings(join(env.HOME ?? homedir(), ".commissaire.json"));
  const pick = (option: string | undefined, variable: string, key: string): string | undefined =>
    option ?? env[variable] ?? file[key];
  const settings: ClientSettings = {
    server: pick(options.server, "COMMISSAIRE_SERVER", "server") ?? "http://127.0.0.1:8000",
  };
  const username = pick(options.username, "COMMISSAIRE_USERNAME", "username");
  const password = pick(options.password, "COMMISSAIRE_PASSWORD", "password");
  const token = pick(options.token, "COMMISSAIRE_TOKEN", "token");
  const caFile = pick(options.caFile, "COMMISSAIRE_CA_FILE", "ca_file");
  if (username !== undefined) settings.username = username;
  if (password !== undefined) settings.password = password;
  if (token !== undefined) settings.token = token;
  if (caFile !== undefined) settings.caFile = caFile;
  try {
    new URL(settings.server);
  } catch {
    throw new ConfigError(`server "${settings.server}" is not a URL`);
  }
  return settings;
}
