import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';

/** The provisioned PostgreSQL data source every panel reads (infra/grafana/provisioning/datasources). */
export const DATASOURCE_UID = 'headstream-pg';
/** Grafana 11's plugin id of the built-in PostgreSQL data source. */
export const DATASOURCE_TYPE = 'grafana-postgresql-datasource';
export const DATASOURCE: DataSourceRef = { type: DATASOURCE_TYPE, uid: DATASOURCE_UID };

/**
 * Whether the data source has Grafana's TimescaleDB option on. Off: $__timeGroup then expands to
 * plain SQL (floor(extract(epoch …))) that runs on PostgreSQL with or without the extension.
 */
export const DATASOURCE_TIMESCALEDB = false;

/** time_series: a "time" column, numeric values, optionally a "metric" column naming series. */
export type SqlFormat = 'time_series' | 'table';

/** A raw-SQL target of the PostgreSQL data source, as its query editor saves it in code mode. */
export interface SqlQuery extends Dataquery {
  refId: string;
  datasource: DataSourceRef;
  editorMode: 'code';
  format: SqlFormat;
  rawQuery: true;
  rawSql: string;
}

/** The SDK ships no builder for SQL data sources: this is one (cog's custom query pattern). */
export class SqlQueryBuilder implements Builder<Dataquery> {
  private readonly internal: SqlQuery;

  constructor(rawSql: string, format: SqlFormat = 'time_series') {
    this.internal = {
      refId: 'A',
      datasource: DATASOURCE,
      editorMode: 'code',
      format,
      rawQuery: true,
      rawSql: rawSql.trim(),
      _implementsDataqueryVariant() {},
    };
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  build(): SqlQuery {
    return this.internal;
  }
}

/** A time-series target (refId A unless given). */
export const series = (sql: string, refId = 'A') => new SqlQueryBuilder(sql, 'time_series').refId(refId);
/** A table target: columns as the SQL returns them. */
export const table = (sql: string, refId = 'A') => new SqlQueryBuilder(sql, 'table').refId(refId);
