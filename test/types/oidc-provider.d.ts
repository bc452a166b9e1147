// oidc-provider ships no type declarations. The test provider (test/helpers/oidc-provider.ts) uses a
// small surface of it, which the OIDC tests exercise; it is typed loosely here on purpose.
declare module "oidc-provider" {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an untyped third-party module
  const Provider: any;
  export default Provider;
}
