/**
 * The whole bootstrap of a host as one shell script, run as root in one SSH session: every
 * command and file transfer of its own would cost a channel, a login shell and a sudo, which on a
 * busy machine is half a second each. The script does what the plan asks only where the host
 * differs: packages that `rpm -q` says are missing are installed, a file whose SHA-256 differs is
 * written (to a temporary file in its directory, created with its mode, then moved into place),
 * services enabled, and restarted only when one of their files changed. Few processes: each costs
 * a fork and exec, which a loaded host (or a hundred test hosts on one machine) feels: no
 * subshells, one `rpm -q`, one `sha256sum`, one `base64` and one `mv` per changed file, one
 * `systemctl enable` and at most one `systemctl restart`. It reports each change on stdout
 * (`changed PATH`, `installed PKG...`, `restarted SERVICE`), and a failing step on stderr
 * (`commissaire-step-failed CODE COMMAND`) before exiting with that step's status.
 *
 * The script travels on standard input, never on a command line: file contents (an etcd client
 * key among them) would otherwise show in `ps` and in sudo's log on the host.
 */
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import type { CommandSet } from "../../remote/command-set.js";
import { render } from "../../remote/command-set.js";
import { CommandFailedError } from "../../remote/errors.js";
import type { RunResult } from "../../remote/executor.js";
import { quote } from "../../remote/shell.js";
import type { BootstrapPlan } from "./bootstrap.js";

const FAILED = "commissaire-step-failed";
/** Ends a heredoc of base64 text (which never holds this line). */
const END_OF_DATA = "COMMISSAIRE_END_OF_DATA";

/** A command of the script: its stdin closed (the script itself is read from stdin). */
function step(command: string, label = command): string {
  return `{ ${command}; } </dev/null || failed $? ${quote(label)}`;
}

function base64Lines(content: string): string[] {
  return (Buffer.from(content)
    .toString("base64")
    .match(/.{1,76}/g) ?? []) as string[];
}

/** Mode bits a new file gets from `umask` alone (the shell creates files 0666 & ~umask). */
function umaskFor(mode: number): string | null {
  if (mode & 0o111) return null; // executable: needs a chmod
  return (~mode & 0o777).toString(8).padStart(3, "0");
}

/**
 * A command run once on the script's arguments (`"$@"`: what an earlier step collected), when
 * there are any; `report` then says what it did on stdout.
 */
function onArguments(template: string, value: string, report: string, indent = ""): string[] {
  const run = render(template, {}, { [value]: '"$@"' });
  const label = render(template, {}, { [value]: "$*" });
  return [
    `${indent}if [ $# -gt 0 ]; then`,
    `${indent}  { ${run}; } </dev/null || failed $? "${label}"`,
    `${indent}  ${report}`,
    `${indent}fi`,
  ];
}

/**
 * Packages whose query fails are missing. One query for all of them in the usual case (all
 * there); one per package only when some is missing, to install just those.
 */
function packageLines(plan: BootstrapPlan, commands: CommandSet): string[] {
  const all = render(commands.versionQuery, { package: plan.packages });
  const lines = [`if ! ${all} >/dev/null 2>&1 </dev/null; then`, "  set --"];
  for (const p of plan.packages) {
    const query = render(commands.versionQuery, { package: p });
    lines.push(`  ${query} >/dev/null 2>&1 </dev/null || set -- "$@" ${quote(p)}`);
  }
  lines.push(
    ...onArguments(commands.packageInstall, "packages", 'echo "installed $*"', "  "),
    "fi",
  );
  return lines;
}

export function bootstrapScript(plan: BootstrapPlan, commands: CommandSet): string {
  const lines = [
    "# Commissaire investigator: bootstrap (changes only what differs).",
    `failed() { printf '%s %s %s\\n' ${FAILED} "$1" "$2" >&2; exit "$1"; }`,
    // A known umask to return to after each file created under its own (no subshell: a fork).
    "umask 022",
  ];
  // Packages first: their installation may lay down default configuration we then replace.
  if (commands.name !== "atomic" && plan.packages.length > 0)
    lines.push(...packageLines(plan, commands));
  const restartFlag = (service: string) => `restart_${plan.services.indexOf(service)}`;
  // The files' present checksums in one run ("SUM  PATH" lines; absent files print none).
  const paths = plan.files.map((f) => quote(f.path)).join(" ");
  lines.push(`sums=$(sha256sum ${paths} 2>/dev/null </dev/null)`);
  for (const file of plan.files) {
    const path = quote(file.path);
    // A name of this run's own ($$): a file left by an interrupted run cannot lend its mode.
    const staged = `${quote(`${file.path}.commissaire-`)}$$`;
    const mode = file.mode ?? 0o644;
    const umask = umaskFor(mode);
    const sha = createHash("sha256").update(file.content).digest("hex");
    const dir = quote(dirname(file.path));
    lines.push(
      `case "$sums" in *${quote(`${sha}  ${file.path}`)}*) ;; *)`,
      `  [ -d ${dir} ] || ${step(`mkdir -p ${dir}`)}`,
      // The umask gives the mode at creation: the content is never readable by others.
      `  umask ${umask ?? "077"}`,
      `  base64 -d > ${staged} <<'${END_OF_DATA}' || failed $? ${quote(`writing ${file.path}`)}`,
      ...base64Lines(file.content),
      END_OF_DATA,
      "  umask 022",
      `  ${step(`${umask ? "" : `chmod ${mode.toString(8)} ${staged} && `}mv -f ${staged} ${path}`, `writing ${file.path}`)}`,
      `  echo changed ${path}`,
      ...file.restarts.filter((s) => plan.services.includes(s)).map((s) => `  ${restartFlag(s)}=1`),
      ";; esac",
    );
  }
  // Enabling is idempotent and cheap: one command for every service.
  if (plan.services.length > 0)
    lines.push(step(render(commands.serviceEnable, { service: plan.services })));
  lines.push(...restartLines(plan, commands, restartFlag));
  lines.push("exit 0", "");
  return lines.join("\n");
}

/**
 * The services whose files changed, restarted by one command (one process, not one each), in the
 * plan's order (flanneld before docker: docker takes its network from flannel; systemd orders
 * the jobs of one call by the units' own After= as well).
 */
function restartLines(
  plan: BootstrapPlan,
  commands: CommandSet,
  restartFlag: (service: string) => string,
): string[] {
  if (plan.services.length === 0) return [];
  const lines = ["set --"];
  for (const service of plan.services)
    lines.push(`[ -z "\${${restartFlag(service)}:-}" ] || set -- "$@" ${quote(service)}`);
  lines.push(
    ...onArguments(
      commands.serviceRestart,
      "service",
      'for s in "$@"; do echo "restarted $s"; done',
    ),
  );
  return lines;
}

/** What the script changed (`changed` of BootstrapResult), or the failing step as an error. */
export function bootstrapChanges(address: string, result: RunResult): string[] {
  if (result.exitCode !== 0) {
    const stderr = result.stderr.split("\n");
    const marker = stderr.filter((l) => l.startsWith(`${FAILED} `)).pop();
    const said = stderr.filter((l) => !l.startsWith(`${FAILED} `)).join("\n");
    if (marker) {
      const [, code, ...label] = marker.split(" ");
      throw new CommandFailedError(address, label.join(" "), Number(code), result.stdout, said);
    }
    throw new CommandFailedError(address, "the bootstrap script", result.exitCode, "", said);
  }
  const changed: string[] = [];
  for (const line of result.stdout.split("\n")) {
    const [what, ...rest] = line.trim().split(" ");
    const value = rest.join(" ");
    if (what === "changed") changed.push(value);
    else if (what === "installed") changed.push(`install ${value}`);
    else if (what === "restarted") changed.push(`restart ${value}`);
  }
  return changed;
}
