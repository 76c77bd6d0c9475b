/**
 * Masking of credentials before anything is shown to a person or written to a log. Every
 * sink (logger, config errors, CLI summaries and tables) goes through these two functions.
 */
export const MASK = '***';

// scheme://user:password@  — greedy up to the last "@" of the token, so a password holding an
// unencoded "@" is masked whole (over-masking is harmless; under-masking is not).
const USERINFO = /(\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:@/?#"'`]*):[^\s"'`]*@/g;

/** A URL with its password (if any) replaced by ***; text that is not a URL has any embedded credentials masked. */
export function maskUrl(value: string): string {
  if (!value.includes('://')) return value;
  try {
    const url = new URL(value);
    if (url.password) {
      url.password = MASK;
      return url.toString();
    }
    // new URL accepted it and found no password: still mask anything that looks like one.
    return maskSecrets(value);
  } catch {
    return maskSecrets(value);
  }
}

/** Free text (an error message, a log line) with the password of every URL in it masked. */
export function maskSecrets(text: string): string {
  return text.includes('://') ? text.replace(USERINFO, `$1:${MASK}@`) : text;
}

/**
 * A copy of a log object with every string holding a URL masked (objects and arrays walked,
 * depth-limited; the input is never modified). Values without "://" are returned as they are.
 */
export function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error || Buffer.isBuffer(value) || value instanceof Date) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const m = maskDeep(v, depth + 1);
      if (m !== v) changed = true;
      return m;
    });
    return changed ? out : value;
  }
  // Plain objects and pino's serialized errors (whose prototype is a plain object); not class instances.
  const ctor = (value as { constructor?: unknown }).constructor;
  if (ctor !== Object && ctor !== undefined) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const m = maskDeep(v, depth + 1);
    if (m !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = m;
  }
  return out ?? value;
}
