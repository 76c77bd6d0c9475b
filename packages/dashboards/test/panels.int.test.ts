import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TASKS } from '@headstream/tasks';
import { connectPostgres, quoteIdent, readerRoleFor, type SqlClient } from '@headstream/store';
import { databaseTargets, describeEachTarget, testServices, type TestDatabase } from '@headstream/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DASHBOARDS, DATASOURCE_TIMESCALEDB, panelTargets, renderSql, type PanelTarget, type VariableValue } from '../src/index.js';
import type { PanelJson } from '../src/panel-targets.js';
import { annotationSql } from '../src/panels.js';
import { LIVE_VERSION, seed, type Seeded } from './seed.js';

/**
 * Every query of the committed dashboards, expanded as Grafana expands it (template variables,
 * then the PostgreSQL macros), run on a seeded schema as a login in the read-only reader role
 * (what Grafana's data source logs in as): each returns rows with the columns its panel reads.
 */

interface VariableJson {
  name: string;
  type: string;
  query?: string;
  multi?: boolean;
  includeAll?: boolean;
  current?: { value?: string | string[] };
}

interface DashboardJson {
  uid: string;
  panels: PanelJson[];
  templating: { list: VariableJson[] };
  annotations?: { list?: { name: string; target?: unknown }[] };
}

const DIR = new URL('../../../infra/grafana/dashboards/', import.meta.url);
const committed = (file: string) => JSON.parse(readFileSync(fileURLToPath(new URL(file, DIR)), 'utf8')) as DashboardJson;

const NUMERIC = new Set(['smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric']);
const TIME = new Set(['timestamp with time zone', 'timestamp without time zone', 'date', ...NUMERIC]);
const TEXT = new Set(['text', 'character varying', 'name']);

interface Result {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Runs SQL as Grafana would and reads each column's SQL type (pg_typeof over the same query). */
async function run(reader: SqlClient, sql: string): Promise<Result> {
  const { rows } = await reader.query(sql);
  const first = rows[0];
  if (!first) return { columns: [], rows };
  const names = Object.keys(first);
  const types = (await reader.query<Record<string, string>>(`SELECT ${names.map((n, i) => `pg_typeof(q.${quote(n)})::text AS t${i}`).join(', ')} FROM (${sql}) q LIMIT 1`)).rows[0] ?? {};
  return { columns: names.map((name, i) => ({ name, type: types[`t${i}`] ?? '?' })), rows };
}

const epochMs = (value: unknown): number => (value instanceof Date ? value.getTime() : Number(value) * 1000);

/** What a panel reads from its query's result, by panel type and query format. */
function expectShape(where: string, { panel, target }: PanelTarget, { columns, rows }: Result): void {
  const names = columns.map((c) => c.name);
  const type = (name: string) => columns.find((c) => c.name === name)?.type ?? 'missing';
  const values = (name: string) => rows.map((r) => r[name]);
  expect(new Set(names).size, `${where}: duplicate column names ${names.join(', ')}`).toBe(names.length);
  const timeFirst = () => {
    expect(names[0], `${where}: first column`).toBe('time');
    expect(TIME.has(type('time')), `${where}: time column is ${type('time')}`).toBe(true);
    const times = values('time').map(epochMs);
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] as number)), `${where}: rows sorted by time`).toBe(true);
  };
  const numericExcept = (skip: string[]) => {
    const rest = names.filter((n) => !skip.includes(n));
    expect(rest.length, `${where}: value columns`).toBeGreaterThan(0);
    for (const n of rest) expect(NUMERIC.has(type(n)), `${where}: value column ${n} is ${type(n)}`).toBe(true);
  };

  switch (panel.type) {
    case 'timeseries': {
      expect(target.format).toBe('time_series');
      timeFirst();
      if (names.includes('metric')) expect(TEXT.has(type('metric')), `${where}: metric column is ${type('metric')}`).toBe(true);
      numericExcept(['time', 'metric']);
      break;
    }
    case 'state-timeline': {
      timeFirst();
      const partition = panel.transformations?.find((t) => t.id === 'partitionByValues')?.options.fields as string[] | undefined;
      expect(partition, `${where}: partitioned by a column`).toBeDefined();
      for (const field of partition ?? []) expect(TEXT.has(type(field)), `${where}: ${field} is ${type(field)}`).toBe(true);
      const states = names.filter((n) => n !== 'time' && !(partition ?? []).includes(n));
      expect(states, `${where}: one state column`).toHaveLength(1);
      const state = states[0] as string;
      expect(TEXT.has(type(state)), `${where}: state column is ${type(state)}`).toBe(true);
      // Every state has a colour: the value mappings name the classes.
      const mapped = Object.keys((panel.fieldConfig?.defaults?.mappings as { options: Record<string, unknown> }[] | undefined)?.[0]?.options ?? {});
      for (const s of values(state)) expect(mapped, `${where}: state ${String(s)}`).toContain(s);
      break;
    }
    case 'table': {
      const order = panel.transformations?.find((t) => t.id === 'organize')?.options.indexByName as Record<string, number> | undefined;
      expect(order, `${where}: tables declare their columns (organize)`).toBeDefined();
      expect(names, where).toEqual(Object.keys(order ?? {}));
      break;
    }
    case 'stat': {
      const fields = (panel.options?.reduceOptions as { fields?: string } | undefined)?.fields ?? '';
      const pattern = new RegExp(fields.replace(/^\/(.*)\/$/, '$1'));
      expect(names.filter((n) => pattern.test(n)).length, `${where}: a column matches ${fields}`).toBeGreaterThan(0);
      break;
    }
    case 'barchart': {
      const x = panel.options?.xField as string;
      expect(names[0], `${where}: x field first`).toBe(x);
      expect(TEXT.has(type(x)), `${where}: x field ${x} is ${type(x)}`).toBe(true);
      numericExcept([x]);
      break;
    }
    case 'trend': {
      const x = panel.options?.xField as string;
      expect(names[0], `${where}: x field first`).toBe(x);
      numericExcept([]);
      const xs = values(x).map(Number);
      expect(xs.every((v, i) => i === 0 || v > (xs[i - 1] as number)), `${where}: x ascending`).toBe(true);
      break;
    }
    default:
      throw new Error(`${where}: no expectation for panel type ${panel.type}`);
  }
}

/** Overrides by name style fields some query of the panel returns (a renamed column would silently lose its style). */
function expectOverridesMatch(where: string, panel: PanelJson, fields: ReadonlySet<string>): void {
  for (const o of panel.fieldConfig?.overrides ?? []) {
    if (o.matcher.id === 'byName') expect(fields.has(o.matcher.options as string), `${where}: override of field ${String(o.matcher.options)} (fields: ${[...fields].join(', ')})`).toBe(true);
  }
}

/**
 * On PostgreSQL the queries run as Grafana's login (the reader role); PGlite has one user, so on the
 * embedded engines (plain and with TimescaleDB) they run as the owner: the SQL is the same.
 */
describeEachTarget(databaseTargets({ timescale: true }), 'dashboard queries on $name', ({ name, open }) => {
  let db: TestDatabase;
  let reader: SqlClient;
  let login: string;
  let seeded: Seeded;
  // Grafana's range and interval: the seeded history up to past the furthest forecast.
  let range: { from: Date; to: Date; intervalMs: number };

  beforeAll(async () => {
    db = await open(import.meta.filename);
    const t0 = performance.now();
    seeded = await seed(db);
    console.log(`[dashboards] seeded ${name} in ${Math.round(performance.now() - t0)} ms`);
    range = { from: new Date(seeded.start - 3_600_000), to: new Date(Date.now() + 2 * 3_600_000), intervalMs: 60_000 };
    if (name !== 'postgres') {
      reader = db;
      return;
    }
    // A login like Grafana's: a member of the schema's read-only reader role, nothing else.
    login = `hs_grafana_${randomBytes(4).toString('hex')}`;
    await db.query(`CREATE ROLE ${quoteIdent(login)} LOGIN IN ROLE ${quoteIdent(readerRoleFor(db.schema))}`);
    const url = new URL(testServices().postgres.url);
    url.username = login;
    reader = await connectPostgres({ url: url.toString(), schema: db.schema, createSchema: false, applicationName: 'hs-test-grafana' });
  });

  afterAll(async () => {
    if (reader !== db) await reader?.close();
    if (login) {
      await db.query(`DROP OWNED BY ${quoteIdent(login)}`).catch(() => undefined);
      await db.query(`DROP ROLE IF EXISTS ${quoteIdent(login)}`);
    }
    await db?.dispose();
  });

  if (name === 'postgres') {
    it('the reader login may not write (the panels run without rights to change anything)', async () => {
      await expect(reader.query("DELETE FROM dead_letters WHERE reason = 'x'")).rejects.toThrow(/permission denied/);
      await expect(reader.query("UPDATE model_versions SET status = 'retired'")).rejects.toThrow(/permission denied/);
    });
  }

  it.each(DASHBOARDS.map((d) => d.file))('every query of %s returns the columns its panel reads', async (file) => {
    const dashboard = committed(file);
    const render = (sql: string, variables: Record<string, VariableValue>) => renderSql(sql, { ...range, variables, timescaledb: DATASOURCE_TIMESCALEDB }).sql;

    // Variables first, as Grafana resolves them: a query variable's options come from the database.
    const variables: Record<string, VariableValue> = {};
    for (const v of dashboard.templating.list) {
      let options: string[];
      if (v.type === 'query') {
        const { rows } = await reader.query(render(v.query ?? '', variables));
        options = rows.map((r) => String(Object.values(r)[0]));
        expect(options.length, `${file}: variable $${v.name} has options`).toBeGreaterThan(0);
      } else if (v.type === 'custom') {
        options = (v.query ?? '').split(',').map((o) => o.trim());
        expect(options, `${file}: $${v.name}'s current value is an option`).toContain(v.current?.value);
      } else throw new Error(`${file}: no handling for a ${v.type} variable`);
      // "All" for multi-value variables (their default here), else the default (current, or the first option).
      const value = v.multi || v.includeAll ? options : (typeof v.current?.value === 'string' ? v.current.value : (options[0] as string));
      variables[v.name] = { value, multi: v.multi ?? false, includeAll: v.includeAll ?? false };
    }
    if (file === 'model-health.json') expect(variables.version?.value, 'the version variable starts at the active version').toBe(LIVE_VERSION);

    const targets = panelTargets(dashboard);
    expect(targets.length).toBeGreaterThan(0);
    // Field names per panel, over its queries; a "metric" column names series by its values instead.
    const fields = new Map<PanelJson, Set<string>>();
    const fieldsOf = (panel: PanelJson) => fields.get(panel) ?? fields.set(panel, new Set()).get(panel) ?? new Set<string>();
    for (const target of targets) {
      const where = `${file}: "${target.panel.title}" ${target.target.refId}`;
      // A repeated panel gets one of its variable's values per copy: the first here.
      const repeated = target.repeat ? { ...variables, [target.repeat]: { ...variables[target.repeat], value: [variables[target.repeat]?.value ?? []].flat()[0] ?? '' } } : variables;
      const sql = render(target.target.rawSql ?? '', repeated);
      expect(sql, `${where}: every variable and macro expanded`).not.toMatch(/\$\w|\[\[/);
      const result = await run(reader, sql).catch((error: unknown) => {
        throw new Error(`${where}: ${(error as Error).message}\n${sql}`);
      });
      expect(result.rows.length, `${where}: rows\n${sql}`).toBeGreaterThan(0);
      expectShape(where, target, result);
      for (const c of result.columns) fieldsOf(target.panel).add(c.name);
    }

    for (const [panel, names] of fields) if (!names.has('metric')) expectOverridesMatch(`${file}: "${panel.title}"`, panel, names);

    for (const annotation of annotationSql(dashboard as Parameters<typeof annotationSql>[0])) {
      const { columns, rows } = await run(reader, render(annotation.rawSql, variables));
      expect(rows.length, `${file}: annotation ${annotation.name}`).toBeGreaterThan(0);
      expect(columns.map((c) => c.name)).toEqual(['time', 'text', 'tags']);
      expect(TIME.has(columns[0]?.type ?? '')).toBe(true);
    }
  });

  it('the City and Factory forecast panels draw the latest forecast, every horizon with its band, past now, per site', async () => {
    for (const [file, variable] of [
      ['city.json', 'site'],
      ['factory.json', 'line'],
    ] as const) {
      const targets = panelTargets(committed(file)).filter((t) => t.target.refId === 'C' && /latest forecast/.test(JSON.stringify(t.panel.fieldConfig)));
      expect(targets.length, file).toBeGreaterThan(0);
      for (const { panel, target } of targets) {
        const site = file === 'city.json' ? 'city-b' : 'line-1';
        const sql = renderSql(target.rawSql ?? '', { ...range, variables: { [variable]: { value: site, multi: false, includeAll: false } } }).sql;
        const { rows } = await reader.query<{ time: unknown; ahead: number; ahead_lower: number; ahead_upper: number }>(sql);
        const where = `${file}: "${panel.title}" for ${site}`;
        // One point per horizon of the newest issue, the farthest past the last reading (the seeded history ends now).
        expect(rows.length, where).toBeGreaterThan(0);
        expect(epochMs(rows.at(-1)?.time), where).toBeGreaterThanOrEqual(seeded.end);
        for (const r of rows) expect(r.ahead_lower <= r.ahead && r.ahead <= r.ahead_upper, `${where}: band around the forecast`).toBe(true);
        const issued = await reader.query<{ n: number }>(
          `SELECT count(DISTINCT issued_at)::int AS n FROM predictions WHERE site = $1 AND target_time IN (${rows.map((_, i) => `$${i + 2}`).join(', ')}) AND issued_at = (SELECT max(issued_at) FROM predictions WHERE site = $1)`,
          [site, ...rows.map((r) => new Date(epochMs(r.time)).toISOString())],
        );
        expect(issued.rows[0]?.n, `${where}: all from the newest issue`).toBe(1);
      }
    }
  });

  it('scores forecasts against the readings of the metric the version bound (throughput is renamed here)', async () => {
    // The factory dashboard's throughput table: one line, scored against the renamed metric's readings.
    const factory = committed('factory.json');
    const table = panelTargets(factory).find((t) => t.panel.title?.startsWith('Throughput forecast error'));
    const sql = renderSql(table?.target.rawSql ?? '', { ...range, variables: { line: { value: ['line-1'], multi: true, includeAll: true } } }).sql;
    const { rows } = await reader.query<{ Site: string; Predictions: number; MAE: number }>(sql);
    expect(rows).toHaveLength(1);
    // Seeded forecasts are 2 % above the actual at horizon 1 (throughput ≈ 900 units/h).
    expect(rows[0]?.MAE).toBeGreaterThan(10);
    expect(rows[0]?.MAE).toBeLessThan(25);
    expect(rows[0]?.Predictions).toBeGreaterThanOrEqual(5);
    expect(TASKS.throughput.kind === 'regression' && TASKS.throughput.horizons).toEqual([1]);
  });
});
