/**
 * Per-address bounds high enough for a test or benchmark whose every client is one
 * address (127.0.0.1). The bounds themselves are tested in src/http/client-bounds.test.ts.
 * No imports: other packages' test setups read this file by path or package export.
 */
export const liftedClientBounds: Readonly<Record<string, string>> = {
  REGISTRATIONS_PER_CLIENT: '1000000',
  PASSWORD_HASHES_PER_CLIENT: '64',
  PASSWORD_HASHES_QUEUED_PER_CLIENT: '10000',
  CONSISTENCY_WAITS_PER_CLIENT: '10000',
};
