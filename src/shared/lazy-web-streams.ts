// Stands in for `node:stream/web` when @middy/core imports it in the deployed bundles (the
// middy-web-streams-on-first-use plugin of scripts/esbuild-plugins.cjs; every other module gets Node's).
// @middy/core imports `ReadableStream` from it at the top of its module, for response streaming, which
// these functions do not use; loading Node's web streams there costs every cold start (docs/benchmarks.md).
// This class is that `ReadableStream`, loaded on first use: Node's global `ReadableStream` is the same
// class and is created when first read. Only `ReadableStream` is exported, so a middy release importing
// another name from `node:stream/web` fails the build instead of running with a stand-in.

type WebReadableStream = typeof globalThis.ReadableStream;

/** `ReadableStream` of `node:stream/web`: `instanceof`, `new` and `from` act on Node's own class. */
export class ReadableStream {
  constructor(...args: ConstructorParameters<WebReadableStream>) {
    // A constructor that returns an object gives that object to `new`: a real ReadableStream.
    // biome-ignore lint/correctness/noConstructorReturn: the point of this stand-in
    return new globalThis.ReadableStream(...args) as unknown as ReadableStream;
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof globalThis.ReadableStream;
  }

  static from(...args: Parameters<WebReadableStream['from']>): ReturnType<WebReadableStream['from']> {
    return globalThis.ReadableStream.from(...args);
  }
}
