/** The artifact is unreadable or inconsistent; it must never be served. */
export class CorruptModelError extends Error {
  override name = 'CorruptModelError';
}
