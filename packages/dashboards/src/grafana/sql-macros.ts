import { formatInterval, goFloat, parseInterval } from './interval.js';

/**
 * The PostgreSQL data source's backend substitutions, as Grafana 11 does them before running a
 * panel's SQL (pkg/tsdb/grafana-postgresql-datasource: sqleng.Interpolate, then the macro engine):
 * $__interval, $__interval_ms, $__unixEpochFrom(), $__unixEpochTo(), then every $__macro(args).
 * Args are split on commas and trimmed; like Grafana's pattern, an argument cannot hold ")".
 */

export interface MacroContext {
  from: Date;
  to: Date;
  /** The query's interval (what $__interval stands for). */
  intervalMs: number;
  /** The data source's TimescaleDB option: $__timeGroup becomes time_bucket(). Headstream's is off. */
  timescaledb?: boolean;
}

export interface FillMode {
  intervalMs: number;
  mode: 'null' | 'previous' | 'value';
  value?: number;
}

export interface ExpandedSql {
  sql: string;
  /** Set by a $__timeGroup fill argument: Grafana fills missing buckets of the result. */
  fill?: FillMode;
}

const MACRO = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;

/** RFC 3339 with nanosecond precision as Go prints it: UTC "Z", fraction without trailing zeros. */
function rfc3339Nano(date: Date): string {
  return date.toISOString().replace(/\.(\d*?)0*Z$/, (_, fraction: string) => (fraction ? `.${fraction}Z` : 'Z'));
}

const unix = (date: Date): number => Math.floor(date.getTime() / 1000);

export function expandMacros(input: string, context: MacroContext): ExpandedSql {
  const interval = context.intervalMs;
  // sqleng.Interpolate: plain substitutions first (the _ms one before its prefix).
  const sql = input
    .replaceAll('$__interval_ms', String(Math.trunc(interval)))
    .replaceAll('$__interval', formatInterval(interval))
    .replaceAll('$__unixEpochFrom()', String(unix(context.from)))
    .replaceAll('$__unixEpochTo()', String(unix(context.to)));
  let fill: FillMode | undefined;

  const group = (name: string, args: string[], wrap: (column: string, ms: number) => string): string => {
    if (args.length < 2) throw new Error(`macro ${name} needs time column and interval and optional fill value`);
    const ms = intervalArg(args[1] as string);
    if (args.length === 3) fill = fillMode(ms, args[2] as string);
    return wrap(args[0] as string, ms);
  };
  const timeGroup = (args: string[]) =>
    group('__timeGroup', args, (column, ms) =>
      context.timescaledb ? `time_bucket('${(ms / 1000).toFixed(3)}s',${column})` : `floor(extract(epoch from ${column})/${goFloat(ms / 1000)})*${goFloat(ms / 1000)}`,
    );
  const epochGroup = (name: string, args: string[]) => group(name, args, (column, ms) => `floor((${column})/${goFloat(ms / 1000)})*${goFloat(ms / 1000)}`);
  const column = (name: string, args: string[]): string => {
    if (args.length === 0 || args[0] === '') throw new Error(`missing time column argument for macro ${name}`);
    return args[0] as string;
  };

  const expanded = sql.replace(MACRO, (match: string, macro: string, rawArgs: string) => {
    let name = macro;
    // Grafana before 5.3 aliased $__timeGroup itself: a comma right after it still means the alias form.
    if (name === '__timeGroup') {
      const at = sql.indexOf(match);
      if (at >= 0 && sql[at + match.length] === ',') name = '__timeGroupAlias';
    }
    const args = rawArgs.split(',').map((a) => a.trim());
    switch (name) {
      case '__time':
        return `${column(name, args)} AS "time"`;
      case '__timeEpoch':
        return `extract(epoch from ${column(name, args)}) as "time"`;
      case '__timeFilter':
        return `${column(name, args)} BETWEEN '${rfc3339Nano(context.from)}' AND '${rfc3339Nano(context.to)}'`;
      case '__timeFrom':
        return `'${rfc3339Nano(context.from)}'`;
      case '__timeTo':
        return `'${rfc3339Nano(context.to)}'`;
      case '__timeGroup':
        return timeGroup(args);
      case '__timeGroupAlias':
        return `${timeGroup(args)} AS "time"`;
      case '__unixEpochFilter': {
        const c = column(name, args);
        return `${c} >= ${unix(context.from)} AND ${c} <= ${unix(context.to)}`;
      }
      case '__unixEpochNanoFilter': {
        const c = column(name, args);
        return `${c} >= ${nanos(context.from)} AND ${c} <= ${nanos(context.to)}`;
      }
      case '__unixEpochNanoFrom':
        return nanos(context.from);
      case '__unixEpochNanoTo':
        return nanos(context.to);
      case '__unixEpochGroup':
        return epochGroup(name, args);
      case '__unixEpochGroupAlias':
        return `${epochGroup('__unixEpochGroup', args)} AS "time"`;
      default:
        throw new Error(`unknown macro "${name}"`);
    }
  });
  return fill === undefined ? { sql: expanded } : { sql: expanded, fill };
}

const nanos = (date: Date): string => (BigInt(date.getTime()) * 1_000_000n).toString();

function intervalArg(arg: string): number {
  try {
    return parseInterval(arg.replace(/^'+|'+$/g, ''));
  } catch {
    throw new Error(`error parsing interval ${arg}`);
  }
}

/** sqleng.SetupFillmode: NULL, previous, or a number. */
function fillMode(intervalMs: number, arg: string): FillMode {
  if (arg === 'NULL') return { intervalMs, mode: 'null' };
  if (arg === 'previous') return { intervalMs, mode: 'previous' };
  const value = Number(arg);
  if (arg.trim() === '' || !Number.isFinite(value)) throw new Error(`error parsing fill value ${arg}`);
  return { intervalMs, mode: 'value', value };
}
