import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARDS, DATASOURCE_TIMESCALEDB, DATASOURCE_TYPE, DATASOURCE_UID, panelTargets, renderDashboards } from '../src/index.js';
import type { PanelJson } from '../src/panel-targets.js';

const GRAFANA = new URL('../../../infra/grafana/', import.meta.url);
const read = (path: string) => readFileSync(fileURLToPath(new URL(path, GRAFANA)), 'utf8');
const committed = (file: string) => JSON.parse(read(`dashboards/${file}`)) as { uid: string; panels: PanelJson[]; templating: { list: { name: string; query?: unknown }[] } };

describe('generated dashboards', () => {
  it.each(renderDashboards())('infra/grafana/dashboards/$file is what the builders generate', ({ file, text }) => {
    // A stale file is what Grafana would show: say how to fix it.
    expect(read(`dashboards/${file}`) === text, `infra/grafana/dashboards/${file} is stale: run \`npm run dashboards\` and commit it`).toBe(true);
  });

  it('have distinct uids, and each panel has a unique id and reads the provisioned data source', () => {
    const uids = DASHBOARDS.map((d) => d.build().uid);
    expect(new Set(uids).size).toBe(DASHBOARDS.length);
    for (const { file } of DASHBOARDS) {
      const dashboard = committed(file);
      const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
      const ids = panels.map((p) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const panel of panels.filter((p) => p.type !== 'row')) expect(panel.datasource, `${file}: ${panel.title}`).toEqual({ type: DATASOURCE_TYPE, uid: DATASOURCE_UID });
      const targets = panelTargets(dashboard);
      expect(targets.length, file).toBeGreaterThan(0);
      for (const { panel, target } of targets) {
        expect(target.datasource, `${file}: ${panel.title}`).toEqual({ type: DATASOURCE_TYPE, uid: DATASOURCE_UID });
        expect(target.rawSql, `${file}: ${panel.title}`).toBeTruthy();
      }
    }
  });

  it('use plain PostgreSQL only (no TimescaleDB function in any panel)', () => {
    for (const { file } of DASHBOARDS) {
      for (const { panel, target } of panelTargets(committed(file))) expect(target.rawSql, `${file}: ${panel.title}`).not.toMatch(/time_bucket|first\(|last\(|locf|interpolate\(/i);
    }
  });

  it('repeat panels only over variables the dashboard defines', () => {
    for (const { file } of DASHBOARDS) {
      const dashboard = committed(file);
      const names = new Set(dashboard.templating.list.map((v) => v.name));
      for (const { repeat } of panelTargets(dashboard)) if (repeat) expect(names.has(repeat), `${file}: repeat over $${repeat}`).toBe(true);
    }
  });
});

describe('provisioning', () => {
  it('the data source file defines the PostgreSQL data source the dashboards name, with the settings their SQL assumes', () => {
    const file = parse(read('provisioning/datasources/headstream.yaml')) as { apiVersion: number; datasources: Record<string, unknown>[] };
    expect(file.apiVersion).toBe(1);
    expect(file.datasources).toHaveLength(1);
    const source = file.datasources[0] as { uid: string; type: string; url: string; user: string; jsonData: Record<string, unknown>; secureJsonData: Record<string, unknown> };
    expect(source).toMatchObject({ uid: DATASOURCE_UID, type: DATASOURCE_TYPE, url: 'timescaledb:5432', user: '${HS_GRAFANA_DB_USER}' });
    expect(source.jsonData).toMatchObject({ database: '${HS_PG_DATABASE}', timescaledb: DATASOURCE_TIMESCALEDB });
    expect(source.secureJsonData).toEqual({ password: '${HS_GRAFANA_DB_PASSWORD}' });
  });

  it('the dashboard provider loads the generated files from where the stack mounts them', () => {
    const file = parse(read('provisioning/dashboards/headstream.yaml')) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
    expect(file.apiVersion).toBe(1);
    expect(file.providers).toHaveLength(1);
    expect(file.providers[0]).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards' } });
  });
});
