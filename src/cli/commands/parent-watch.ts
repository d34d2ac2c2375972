/**
 * Stopping with the npm process that started us. `npm start` and `npx commissaire ...` run the
 * command through a shell; npm forwards SIGTERM to that shell, which dies without passing it on,
 * leaving the command running with no parent. So when npm started this process (it sets
 * `npm_command`), losing the parent is taken as the stop signal. Started any other way (a shell,
 * nohup, systemd), the parent does not matter.
 */

/** Resolves with a reason once the parent that npm started us under is gone; never otherwise. */
export function parentGone(
  env: NodeJS.ProcessEnv = process.env,
  intervalMs = 500,
): Promise<string> {
  if (!env.npm_command) return new Promise(() => undefined);
  const parent = process.ppid;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      // process.ppid is read afresh each time: an orphan is adopted by init or a subreaper.
      if (process.ppid !== parent) {
        clearInterval(timer);
        resolve(`parent process ${parent} (npm ${env.npm_command}) exited`);
      }
    }, intervalMs);
    timer.unref();
  });
}
