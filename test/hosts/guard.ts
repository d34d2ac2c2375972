/**
 * No test reaches beyond this machine: every address the harness hands out or connects to must
 * be loopback, and a guarded connector only reaches the harness's own hosts.
 */
import type { RemoteTarget } from "../../src/remote/credentials.js";
import type { RemoteConnector, RemoteExecutor } from "../../src/remote/executor.js";

export function assertLoopback(address: string): void {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) && address !== "::1")
    throw new Error(`test hosts live on loopback only; refusing address ${address}`);
}

/** Wraps a connector so that open() of any address but the given ones throws before connecting. */
export function guarded(inner: RemoteConnector, allowed: Set<string>): RemoteConnector {
  return {
    async open(target: RemoteTarget): Promise<RemoteExecutor> {
      assertLoopback(target.address);
      if (!allowed.has(target.address))
        throw new Error(
          `${target.address} is not a host of this test harness; tests contact no other address`,
        );
      return inner.open(target);
    },
    close: () => inner.close(),
  };
}
