/** What a test host's sshd runs with: its configuration, and the script that builds its namespace. */
import { TEST_USER } from "./accounts.js";

/** sshd_config; paths are as the host sees them (its directory is mounted on /usr/local). */
export function sshdConfig(address: string, port: number): string {
  return [
    `ListenAddress ${address}:${port}`,
    "PidFile none",
    "HostKey /usr/local/ssh_host_key",
    "AuthorizedKeysFile /usr/local/authorized_keys",
    "StrictModes no",
    "UsePAM no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    `AllowUsers ${TEST_USER}`,
    "PermitRootLogin no",
    "UseDNS no",
    "PrintMotd no",
    "PrintLastLog no",
    "MaxStartups 100:30:200",
    "LogLevel ERROR",
    "KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org",
    "Subsystem sftp internal-sftp",
    "",
  ].join("\n");
}

/**
 * Run as root inside `unshare --mount --propagation private`: every mount below is the host's
 * alone. /etc becomes an overlay (the host's writes land in its etc-upper/), the host directory
 * covers /usr/local (stubs first on the PATH), then private /run, /tmp, /var/tmp, /dev/shm and
 * boot_id; then sshd replaces the shell.
 */
export function namespaceScript(dir: string, atomic: boolean): string {
  return [
    "set -e",
    `mount -t overlay overlay -o lowerdir=/etc,upperdir=${dir}/etc-upper,workdir=${dir}/etc-work /etc`,
    `mount --bind ${dir} /usr/local`,
    "mount --bind /usr/local/boot_id /proc/sys/kernel/random/boot_id",
    "mount -t tmpfs -o mode=755 tmpfs /run",
    "mkdir -p /run/sshd",
    atomic ? "touch /run/ostree-booted" : ":",
    "for d in /tmp /var/tmp /dev/shm; do mount -t tmpfs -o mode=1777 tmpfs $d; done",
    "exec /usr/sbin/sshd -D -e -r -f /usr/local/sshd_config",
  ].join("\n");
}
