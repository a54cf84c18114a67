/** The module `bench:pointwise --workerd` generates for its Worker (pointwise.ts → pointwise-entry.ts): the builds to time. */
declare module '*/builds.mjs' {
  const builds: ReadonlyArray<{ name: string; module: WebAssembly.Module }>;
  export default builds;
}
