/**
 * The unprivileged account tests log in as, and keys made for one harness run. Logging in as a
 * user without privilege means a command that escaped the stubs still cannot change the machine.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const TEST_USER = "commissaire-test";

/** Creates the login user once (idempotent); a usable but password-less account. */
export function ensureTestUser(): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(execFileSync("id", [flag, TEST_USER], { encoding: "utf8", stdio: "pipe" }));
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    // Home /tmp: sessions start somewhere that exists without a home of its own.
    execFileSync(
      "useradd",
      ["--system", "--home-dir", "/tmp", "--no-create-home", "--shell", "/bin/sh", TEST_USER],
      {
        stdio: "pipe",
      },
    );
    // "*": no password login, but not a locked account (sshd refuses "!" without PAM).
    execFileSync("usermod", ["-p", "*", TEST_USER], { stdio: "pipe" });
    return { uid: id("-u"), gid: id("-g") };
  }
}

/** An ed25519 key pair without passphrase in `dir`; returns the files and the private PEM. */
export function makeKeyPair(
  dir: string,
  name: string,
): { privateFile: string; publicKey: string; pem: Buffer } {
  const privateFile = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", privateFile], {
    stdio: "pipe",
  });
  return {
    privateFile,
    publicKey: readFileSync(`${privateFile}.pub`, "utf8").trim(),
    pem: readFileSync(privateFile),
  };
}

/** The OpenSSH fingerprint (SHA256:...) of a key file, as ssh-keygen prints it. */
export function keyFingerprint(keyFile: string): string {
  return execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", keyFile], {
    encoding: "utf8",
    stdio: "pipe",
  }).split(" ")[1]!;
}
