/** Store failures at start, with codes; each message says what to fix. */
export type StoreErrorCode = 'STORE_UNREACHABLE' | 'MIGRATION_FAILED' | 'BAD_DATABASE_URL';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}
