/**
 * A mistake in how the command was called, found after parsing: printed as one `headstream: …` line,
 * exit code 2. Its own module (no imports) so that main.ts can recognise it without loading a command.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
