/**
 * `commissaire user add|passwd|remove NAME --users-file F`: the users of the REST server's users
 * file. The password comes from a prompt (twice, not echoed) or, when stdin is not a terminal,
 * from its first line: never from the command line, where other users of the machine can read it.
 * `--bcrypt` writes the original Commissaire's form, for a file shared with a Python server.
 */
import { Command } from "commander";
import { ConfigError } from "../../config/errors.js";
import { readUsersForEdit, writeUsers } from "../../services/server/auth/users-file-edit.js";
import { hashPassword, hashPasswordBcrypt } from "../../services/server/auth.js";

function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = "";
    const finish = (error?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      error ? reject(error) : resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return finish();
        if (ch === "\u0003") return finish(new ConfigError("interrupted"));
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on("data", onData);
  });
}

async function readFirstLine(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  return text.split(/\r?\n/)[0] ?? "";
}

async function newPassword(): Promise<string> {
  let password: string;
  if (process.stdin.isTTY) {
    password = await promptHidden("New password: ");
    if ((await promptHidden("Repeat it: ")) !== password)
      throw new ConfigError("the two passwords differ");
  } else password = await readFirstLine();
  if (password === "") throw new ConfigError("empty password");
  return password;
}

function verb(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .argument("<user>")
    .requiredOption("--users-file <path>", "the users file (created, mode 0600, when missing)");
}

function addHashOptions(command: Command): Command {
  return command
    .option("--bcrypt", "bcrypt, the original Commissaire's form (default: scrypt)")
    .option("--cost <n>", "bcrypt cost", (v) => Number(v), 12);
}

async function hashFor(opts: { bcrypt?: boolean; cost: number }): Promise<unknown> {
  if (opts.bcrypt && !(Number.isInteger(opts.cost) && opts.cost >= 4 && opts.cost <= 31))
    throw new ConfigError("--cost must be 4..31");
  const password = await newPassword();
  return opts.bcrypt
    ? { hash: await hashPasswordBcrypt(password, opts.cost) }
    : hashPassword(password);
}

/** A name HTTP Basic can carry (no colon) and that is plain data in a JSON object. */
function checkName(user: string): void {
  if (
    user === "" ||
    user.includes(":") ||
    user === "__proto__" ||
    [...user].some((c) => c.charCodeAt(0) < 32)
  )
    throw new ConfigError(
      `user name "${user}" cannot be used (empty, a colon or control characters)`,
    );
}

export function userCommand(): Command {
  const add = addHashOptions(verb("add", "add a user"));
  add.action(async (user: string) => {
    const opts = add.opts<{ usersFile: string; bcrypt?: boolean; cost: number }>();
    checkName(user);
    const users = readUsersForEdit(opts.usersFile);
    if (Object.hasOwn(users, user)) throw new Error(`user "${user}" already exists (use passwd)`);
    users[user] = await hashFor(opts);
    writeUsers(opts.usersFile, users);
    process.stderr.write(`user "${user}" added to ${opts.usersFile}\n`);
  });
  const passwd = addHashOptions(verb("passwd", "change a user's password"));
  passwd.action(async (user: string) => {
    const opts = passwd.opts<{ usersFile: string; bcrypt?: boolean; cost: number }>();
    const users = readUsersForEdit(opts.usersFile);
    if (!Object.hasOwn(users, user)) throw new Error(`no user "${user}" in ${opts.usersFile}`);
    users[user] = await hashFor(opts);
    writeUsers(opts.usersFile, users);
    process.stderr.write(`password of "${user}" changed\n`);
  });
  const remove = verb("remove", "remove a user");
  remove.action(async (user: string) => {
    const opts = remove.opts<{ usersFile: string }>();
    const users = readUsersForEdit(opts.usersFile);
    if (!Object.hasOwn(users, user)) throw new Error(`no user "${user}" in ${opts.usersFile}`);
    delete users[user];
    writeUsers(opts.usersFile, users);
    process.stderr.write(`user "${user}" removed\n`);
  });
  return new Command("user")
    .description("manage the REST server's users file")
    .addCommand(add)
    .addCommand(passwd)
    .addCommand(remove);
}
