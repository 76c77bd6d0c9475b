export { DATASOURCE, DATASOURCE_TIMESCALEDB, DATASOURCE_TYPE, DATASOURCE_UID, SqlQueryBuilder, type SqlFormat, type SqlQuery } from './datasource.js';
export { CITY_UID, DASHBOARDS, FACTORY_UID, MODEL_HEALTH_UID, cityDashboard, factoryDashboard, modelHealthDashboard } from './dashboards/index.js';
export { DASHBOARDS_DIR, dashboardJson, renderDashboards } from './render.js';
export { panelTargets, type PanelTarget } from './panel-targets.js';
export { taskTarget, type TaskTarget } from './sql.js';
export { formatInterval, parseInterval } from './grafana/interval.js';
export { expandMacros, type ExpandedSql, type FillMode, type MacroContext } from './grafana/sql-macros.js';
export { interpolateVariables, type TemplateContext, type VariableValue } from './grafana/template-variables.js';
export { renderSql, type RenderContext } from './grafana/render-sql.js';
