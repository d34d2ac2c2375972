/** POSIX shell quoting for commands built from data (package names, paths, versions). */

/** One argument, safe for sh: bare when it is plainly safe, else in single quotes. */
export function quote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs `command` as root through sudo (non-interactive: a password prompt fails at once). */
export function withSudo(command: string): string {
  return `sudo -n -- sh -c ${quote(command)}`;
}
