/** Bounding a promise by a deadline, for work that must not hold a stop or a start forever. */

export class DeadlineError extends Error {
  override name = "DeadlineError";
}

/** Resolves as `work` does, or rejects with DeadlineError after ms (the work itself goes on). */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineError(`${what} did not finish within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
