/**
 * Assertions are for bugs, never for bad input: a broken invariant halts the process
 * rather than corrupting the ledger. They stay on in production.
 */
export class AssertionError extends Error {
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = 'AssertionError';
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
