/** One check: a cheap SSH round trip that reads the boot_id, within a deadline. */

import type { HostCreds } from "../../models/host.js";
import { targetFromCreds } from "../../remote/credentials.js";
import type { RemoteConnector } from "../../remote/executor.js";

export const BOOT_ID_COMMAND = "cat /proc/sys/kernel/random/boot_id";

export type CheckResult = { ok: true; bootId: string } | { ok: false; reason: string };

export async function checkHost(
  remote: RemoteConnector,
  creds: HostCreds,
  timeoutMs: number,
): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, reason: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const attempt = (async (): Promise<CheckResult> => {
    const executor = await remote.open(targetFromCreds(creds));
    try {
      const { stdout } = await executor.run(BOOT_ID_COMMAND, { timeoutMs });
      return { ok: true, bootId: stdout.trim() };
    } finally {
      await executor.close();
    }
  })().catch((err: Error): CheckResult => ({ ok: false, reason: err.message }));
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
