/**
 * Retries with exponential backoff (and jitter, so many callers do not come back together) for
 * the failures worth retrying; anything else, or the last failure, is thrown at once.
 */
import { classify, type KubeFailure } from "./kube-errors.js";

export interface RetryPolicy {
  retries: number;
  backoffMs: number;
  /** Longest wait between attempts, Retry-After included. */
  maxBackoffMs?: number;
}

export class KubeCallFailed extends Error {
  override name = "KubeCallFailed";
  constructor(
    readonly failure: KubeFailure,
    readonly attempts: number,
  ) {
    super(failure.message);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `call` until it succeeds, fails for good, or the retries are spent. */
export async function withRetries<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  onRetry?: (failure: KubeFailure, attempt: number, waitMs: number) => void,
): Promise<T> {
  const max = policy.maxBackoffMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const failure = classify(err);
      if (!failure.transient || attempt > policy.retries)
        throw new KubeCallFailed(failure, attempt);
      const backoff = policy.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      const asked = (failure.retryAfterSeconds ?? 0) * 1000;
      const waitMs = Math.min(max, Math.max(backoff, asked));
      onRetry?.(failure, attempt, waitMs);
      await sleep(waitMs);
    }
  }
}
