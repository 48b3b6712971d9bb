/** An error's class name only: its message may hold content. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.constructor.name : typeof error;
}
