import { describe, expect, it } from 'vitest';
import { loadConfig } from '@headstream/core';
import * as store from '@headstream/store';
import { quoteIdent } from '@headstream/store';
import { ingestConfigSpec } from '../src/config.js';

// Hardening item 9: HS_PG_SCHEMA accepts exactly what the SQL quoting accepts (both directions),
// and item 7: the roles derived from it fit PostgreSQL names and differ per schema.

describe('HS_PG_SCHEMA', () => {
  const names = ['public', 'hs', 'Hs_2', '_x', 'a'.repeat(63), 'a'.repeat(64), '2x', 'a-b', 'a.b', 'a b', 'ä', '', 'x;drop', '"q"'];
  it.each(names)('%j: accepted by config if and only if the quoting accepts it', (name) => {
    const quotable = (() => {
      try {
        quoteIdent(name);
        return true;
      } catch {
        return false;
      }
    })();
    const accepted = (() => {
      try {
        loadConfig(ingestConfigSpec, { env: { HS_PG_SCHEMA: name, HS_EMBEDDED: '1' } });
        return true;
      } catch {
        return false;
      }
    })();
    // An empty value means "unset" (public): accepted by config, and nothing is quoted.
    expect(accepted).toBe(name === '' ? true : quotable);
  });

  it('role names derived from any accepted schema fit PostgreSQL\'s 63 characters and differ per schema', () => {
    const roleFor = (store as { ingestRoleFor?: (s: string) => string }).ingestRoleFor;
    expect(roleFor).toBeTypeOf('function');
    if (!roleFor) return;
    expect(roleFor('public')).toBe('headstream_ingest');
    const long = ['a'.repeat(63), `${'a'.repeat(62)}b`];
    for (const s of [...long, 'x', 'Hs_2']) expect(roleFor(s).length).toBeLessThanOrEqual(63);
    expect(new Set([...long, 'x', 'public'].map(roleFor)).size).toBe(4);
  });
});
