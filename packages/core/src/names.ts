/** Names of sites, metrics, domains and tasks: safe in topics, SQL identifiers never built from them. */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;
export const NAME_MAX_LENGTH = 128;

/** Returns why `name` is not a valid Headstream name, or null when it is. */
export function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return `expected a string, got ${typeof name}`;
  if (name.length === 0) return 'is empty';
  if (name.length > NAME_MAX_LENGTH) return `is ${name.length} characters long (max ${NAME_MAX_LENGTH})`;
  if (!NAME_PATTERN.test(name)) return `${JSON.stringify(truncate(name, 40))} has characters outside [A-Za-z0-9_.-]`;
  return null;
}

export function isValidName(name: unknown): name is string {
  return nameProblem(name) === null;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/**
 * SQL identifiers Headstream generates or accepts (schema names): what quoteIdent quotes. Config
 * (HS_PG_SCHEMA) accepts exactly these, so a name passes config if and only if it can be used.
 */
export const SQL_IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
