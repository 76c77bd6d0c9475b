import { expandMacros, type ExpandedSql } from './sql-macros.js';
import { interpolateVariables, type TemplateContext } from './template-variables.js';

export interface RenderContext extends TemplateContext {
  /** The data source's TimescaleDB option (see expandMacros). */
  timescaledb?: boolean;
}

/**
 * A panel's SQL as the database receives it from Grafana: the front end substitutes template
 * variables first, then the data source's back end expands its macros.
 */
export function renderSql(sql: string, context: RenderContext): ExpandedSql {
  return expandMacros(interpolateVariables(sql, context), context);
}
