/**
 * The REST server's side: its users file (present, readable, holding users with valid hashes) and
 * the server itself answering its API (any HTTP answer from /api/v0/ counts: 401 without
 * credentials is the normal one).
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { ConfigObject } from "../../config/normalise.js";
import { parseUsers } from "../../services/server/auth/users-file.js";
import { type Finding, ok, problem, reason } from "./finding.js";

export function checkUsersFile(path: string): Finding {
  const subject = `users file ${path}`;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const words =
      code === "ENOENT"
        ? "does not exist: create it with `commissaire user add NAME --users-file PATH`"
        : `cannot be read: ${reason(err)}`;
    return problem(subject, words);
  }
  try {
    const users = parseUsers(JSON.parse(text), path);
    if (users.size === 0) return problem(subject, "holds no users: nobody can log in");
    return ok(subject, `${users.size} user${users.size === 1 ? "" : "s"}`);
  } catch (err) {
    return problem(subject, reason(err));
  }
}

/** The URL the server of this configuration answers on (a wildcard address asked on loopback). */
export function serverUrl(config: ConfigObject): string {
  const secure = config.tls_certfile !== undefined || config.tls_pemfile !== undefined;
  let host = typeof config.listen_interface === "string" ? config.listen_interface : "127.0.0.1";
  if (host === "0.0.0.0") host = "127.0.0.1";
  if (host === "::") host = "::1";
  if (host.includes(":")) host = `[${host}]`;
  const port = typeof config.listen_port === "number" ? config.listen_port : 8000;
  return `${secure ? "https" : "http"}://${host}:${port}/`;
}

export function checkRestServer(base: string, timeoutMs: number): Promise<Finding> {
  const url = new URL("api/v0/clusters", base);
  const subject = `REST server ${base}`;
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    // Whether it answers is the question here, not whom its certificate names.
    const req = request(url, { method: "GET", timeout: timeoutMs, rejectUnauthorized: false });
    req.once("response", (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(
        status === 401 || status === 200
          ? ok(subject, `answers its API (${status} without credentials)`)
          : problem(
              subject,
              `answers ${status} to GET ${url.pathname}: is it a Commissaire server?`,
            ),
      );
    });
    req.once("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once("error", (err) => resolve(problem(subject, `not answering: ${reason(err)}`)));
    req.end();
  });
}
