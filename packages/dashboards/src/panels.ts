import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
  type AnnotationQuery,
  type AnnotationTarget,
  type Dashboard,
  type DataTransformerConfig,
  type DynamicConfigValue,
  type Panel,
  type RowPanel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE, table } from './datasource.js';

/** Tag every Headstream dashboard carries; the dashboards' links menu lists them by it. */
const HEADSTREAM_TAG = 'headstream';

export function headstreamDashboard(uid: string, title: string, description: string, time: { from: string; to: string }): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([HEADSTREAM_TAG])
    .time(time)
    .refresh('1m')
    .timezone('browser')
    .tooltip(1) // shared crosshair: actual and predicted line up across panels
    .link(new DashboardLinkBuilder('Headstream').type(DashboardLinkType.Dashboards).tags([HEADSTREAM_TAG]).asDropdown(true).includeVars(false).keepTime(true))
    .annotation(
      new AnnotationQueryBuilder()
        .name('Annotations & Alerts')
        .datasource({ type: 'grafana', uid: '-- Grafana --' })
        .enable(true)
        .hide(true)
        .iconColor('rgba(0, 211, 255, 1)')
        .type('dashboard')
        .builtIn(1),
    )
    .annotation(promotionAnnotations());
}

/** Marks each model promotion and rollback on every time axis (the SQL data source's annotation target). */
function promotionAnnotations(): AnnotationQueryBuilder {
  const sql = `SELECT at AS time, kind || ' ' || version || COALESCE(' (was ' || previous || ')', '') || ': ' || reason AS text, kind AS tags
FROM model_promotions
WHERE $__timeFilter(at)
ORDER BY at`;
  // The SDK types an annotation's target as the built-in Grafana one; a SQL data source's is a SQL query.
  const target = { build: () => table(sql, 'Anno').build() as unknown as AnnotationTarget };
  return new AnnotationQueryBuilder().name('Model promotions').datasource(DATASOURCE).enable(true).hide(false).iconColor('purple').target(target);
}

/** The SQL annotation queries of a dashboard's JSON (see promotionAnnotations). */
export function annotationSql(dashboard: { annotations?: { list?: AnnotationQuery[] } }): { name: string; rawSql: string }[] {
  return (dashboard.annotations?.list ?? []).flatMap((a) => {
    const rawSql = (a.target as { rawSql?: unknown } | undefined)?.rawSql;
    return typeof rawSql === 'string' ? [{ name: a.name, rawSql }] : [];
  });
}

/**
 * A variable listing the rows of `sql` (first column), several selectable, "All" included (and
 * selected when `all`; otherwise Grafana starts at the first option). Refreshed with the time range
 * when its SQL filters by it.
 */
export function queryVariable(name: string, label: string, sql: string, options: { multi?: boolean; all?: boolean } = {}): QueryVariableBuilder {
  const multi = options.multi ?? true;
  const variable = new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(sql.trim())
    .refresh(sql.includes('$__time') ? VariableRefresh.OnTimeRangeChanged : VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.Disabled) // the SQL orders
    .multi(multi)
    .includeAll(multi);
  return options.all ? variable.current({ selected: true, text: ['All'], value: ['$__all'] }) : variable;
}

/** Field override properties of the series a forecast band panel shows (see withBand). */
export function bandOverrides(color: string, ahead?: 'ahead'): { name: string; properties: DynamicConfigValue[] }[] {
  const fixed = { id: 'color', value: { mode: 'fixed', fixedColor: color } };
  const band = (name: string) => (ahead ? `ahead_${name}` : name);
  const line = ahead
    ? // The latest forecast past now: a solid line with points, its band fainter than the scored one's.
      { name: 'ahead', properties: [fixed, { id: 'custom.lineWidth', value: 2 }, { id: 'custom.showPoints', value: 'always' }, { id: 'displayName', value: 'latest forecast' }] }
    : { name: 'predicted', properties: [fixed, { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }] };
  return [
    ...(ahead ? [] : [{ name: 'actual', properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'blue' } }, { id: 'custom.lineWidth', value: 2 }] }]),
    line,
    // The band: "upper" fills down to "lower"; neither draws a line, "lower" stays out of the legend.
    {
      name: band('upper'),
      properties: [fixed, { id: 'custom.lineWidth', value: 0 }, { id: 'custom.fillBelowTo', value: band('lower') }, { id: 'custom.fillOpacity', value: ahead ? 10 : 18 }, { id: 'displayName', value: ahead ? 'latest band (10–90 %)' : 'band (10–90 %)' }],
    },
    { name: band('lower'), properties: [fixed, { id: 'custom.lineWidth', value: 0 }, { id: 'custom.hideFrom', value: { legend: true, tooltip: false, viz: false } }] },
  ];
}

/**
 * Grafana's "organize fields" transformation, used for its column order: the SQL names the columns
 * as the table shows them (renaming here would leave overrides matching other names).
 */
export function organize(columns: readonly string[]): DataTransformerConfig {
  return { id: 'organize', options: { excludeByName: {}, indexByName: Object.fromEntries(columns.map((n, i) => [n, i])), renameByName: {} } };
}

export const legend = (placement: common.LegendPlacement = common.LegendPlacement.Bottom) =>
  new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(placement).calcs([]);

export const multiTooltip = () => new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.None);

/** Grafana's custom unit with a suffix, for the catalogue's units ("veh/5min", "µg/m³"). */
export const suffixUnit = (unit: string): string => (unit ? `suffix: ${unit}` : 'short');

/**
 * The built dashboard with ids for every panel (rows included), in layout order, and the data
 * source on every panel: stable JSON, and links and repeats that can name panels.
 */
export function finish(builder: DashboardBuilder): Dashboard {
  const dashboard = builder.build();
  let id = 0;
  const visit = (panel: Panel | RowPanel) => {
    panel.id = ++id;
    if (panel.type === 'row') {
      for (const inner of (panel as RowPanel).panels) visit(inner);
      return;
    }
    (panel as Panel).datasource = DATASOURCE;
  };
  for (const panel of dashboard.panels ?? []) visit(panel);
  return dashboard;
}
