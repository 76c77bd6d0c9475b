import { describe, expect, it } from 'vitest';
import { loadConfig } from '@headstream/core';
import * as store from '@headstream/store';
import { quoteIdent } from '@headstream/store';
import { ingestConfigSpec } from '../src/config.js';

// Hardening item 9: HS_PG_SCHEMA accepts exactly what the SQL quoting accepts (both directions),
// and item 7: the roles derived from it fit PostgreSQL names and differ per schema.

describe('HS_PG_SCHEMA', () => {
  // Fixed verdicts, not the pattern again: [A-Za-z_] then [A-Za-z0-9_], 63 characters at most.
  const valid = ['public', 'hs', 'Hs_2', '_x', 'a'.repeat(63)];
  const invalid = ['a'.repeat(64), '2x', 'a-b', 'a.b', 'a b', 'ä', 'x;drop', '"q"', 'hs"; DROP SCHEMA public; --', 'x\n'];
  const configAccepts = (name: string) => {
    try {
      loadConfig(ingestConfigSpec, { env: { HS_PG_SCHEMA: name, HS_EMBEDDED: '1' } });
      return true;
    } catch {
      return false;
    }
  };

  it.each(valid)('%j: accepted by config and quoted as "%s"', (name) => {
    expect(configAccepts(name)).toBe(true);
    expect(quoteIdent(name)).toBe(`"${name}"`);
  });

  it.each(invalid)('%j: refused by config and by the quoting', (name) => {
    expect(configAccepts(name)).toBe(false);
    expect(() => quoteIdent(name)).toThrow(`refusing identifier ${JSON.stringify(name)}`);
  });

  it('an empty value means "unset" (public): accepted by config, and nothing is quoted', () => {
    expect(configAccepts('')).toBe(true);
    expect(() => quoteIdent('')).toThrow('refusing identifier ""');
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
