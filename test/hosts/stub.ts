/**
 * The stub every test host has in its private /usr/local/bin (first on the PATH sshd gives a
 * non-root user) under the names of the commands that would change a machine. Each call is
 * recorded in the host's own log and does nothing else, except: `sudo` runs its arguments as the
 * same unprivileged user, `reboot` (and `systemctl reboot`) asks the harness for a reboot, `rpm -q`
 * and `rpm-ostree status` print something plausible. A file `fail-<name>` in the host's state
 * directory makes that command fail with the exit code it holds.
 */
export const STUB_NAMES = [
  "dnf",
  "yum",
  "rpm",
  "rpm-ostree",
  "systemctl",
  "reboot",
  "shutdown",
  "sudo",
] as const;

export function stubScript(stateDir: string): string {
  return `#!/bin/sh
# commissaire test-host stub: records the call, changes nothing on the machine.
name=\${0##*/}
state='${stateDir}'
printf '%s\\n' "$name $*" >> "$state/calls.log"
if [ -f "$state/fail-$name" ]; then
  code=$(cat "$state/fail-$name")
  echo "$name: failing as the test asked (exit $code)" >&2
  exit "$code"
fi
case $name in
  sudo)
    while [ $# -gt 0 ]; do
      case $1 in --) shift; break ;; -*) shift ;; *) break ;; esac
    done
    exec "$@" ;;
  reboot|shutdown)
    : > "$state/reboot-requested"; exec sleep 30 ;;
  systemctl)
    case $1 in
      reboot) : > "$state/reboot-requested"; exec sleep 30 ;;
      is-active) echo active ;;
      is-system-running) echo running ;;
    esac ;;
  rpm)
    case " $* " in *" -q"*) echo "1.0-1" ;; esac ;;
  rpm-ostree)
    # The staged deployment ("version boot_id") is the booted one once the boot_id changed.
    boot=$(cat /proc/sys/kernel/random/boot_id); booted=1.0
    if [ -f "$state/staged" ]; then
      read -r v b < "$state/staged"; [ "$b" != "$boot" ] && booted=$v
    fi
    case $1 in
      status)
        if [ "$2" = "--json" ]; then
          printf '{"deployments":[{"booted":true,"version":"%s","checksum":"c%s"}]}\n' "$booted" "$booted"
        else echo "State: idle"; fi ;;
      upgrade) printf '%s %s\n' "$booted.1" "$boot" > "$state/staged" ;;
      deploy) printf '%s %s\n' "$2" "$boot" > "$state/staged" ;;
    esac ;;
esac
exit 0
`;
}
