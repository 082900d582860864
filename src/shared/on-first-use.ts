/**
 * A value built the first time it is asked for, then kept for the life of the container; a build that
 * throws keeps nothing, so the next call tries again. What a cold start need not build waits for the
 * first message or run that needs it (docs/benchmarks.md).
 */
export function onFirstUse<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => {
    built ??= build();
    return built;
  };
}
