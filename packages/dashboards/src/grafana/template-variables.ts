import { formatInterval } from './interval.js';

/**
 * Grafana's front-end template substitution for a SQL data source (templateSrv.replace with the
 * SQL data source's interpolateVariable): $var, ${var}, ${var:format}, [[var]] / [[var:format]],
 * and the built-ins $__interval, $__interval_ms, $__range, $__range_s, $__range_ms, $__from, $__to.
 * Other $__names are left for the back end (the macros); an unknown dashboard variable is an error
 * here, where Grafana would leave it in place for the database to reject.
 */

export interface VariableValue {
  /** One value, or the selected values of a multi-value variable ("All": every option's value). */
  value: string | string[];
  /** The displayed text (${var:text}); defaults to the value. */
  text?: string | string[];
  multi?: boolean;
  includeAll?: boolean;
}

export interface TemplateContext {
  variables: Readonly<Record<string, VariableValue>>;
  from: Date;
  to: Date;
  intervalMs: number;
}

// Grafana's variableRegex (public/app/features/variables/utils.ts).
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

const sqlQuote = (v: string) => `'${v.replaceAll("'", "''")}'`;
const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** Grafana's variable formats (the ${var:format} names). */
const FORMATS: Record<string, (value: string | string[], name: string) => string> = {
  raw: (v) => list(v).join(','),
  csv: (v) => list(v).join(','),
  pipe: (v) => list(v).join('|'),
  distributed: (v, name) => list(v).join(`,${name}=`),
  json: (v) => JSON.stringify(v),
  sqlstring: (v) => list(v).map(sqlQuote).join(','),
  singlequote: (v) => list(v).map((x) => `'${x.replaceAll("'", "\\'")}'`).join(','),
  doublequote: (v) => list(v).map((x) => `"${x.replaceAll('"', '\\"')}"`).join(','),
  percentencode: (v) => encodeURIComponent(Array.isArray(v) ? `{${v.join(',')}}` : v),
  queryparam: (v, name) => list(v).map((x) => `var-${encodeURIComponent(name)}=${encodeURIComponent(x)}`).join('&'),
  glob: (v) => (Array.isArray(v) && v.length > 1 ? `{${v.join(',')}}` : list(v).join(',')),
  regex: (v) => {
    const escaped = list(v).map((x) => x.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&'));
    return escaped.length === 1 ? (escaped[0] as string) : `(${escaped.join('|')})`;
  },
};

/** The SQL data source's interpolateVariable: a multi-value (or All) variable becomes a quoted list. */
function sqlDefault(variable: VariableValue): string {
  if (Array.isArray(variable.value)) return variable.value.map(sqlQuote).join(',');
  if (variable.multi || variable.includeAll) return sqlQuote(variable.value);
  return variable.value.replaceAll("'", "''");
}

function builtIn(name: string, context: TemplateContext, format: string | undefined): string | undefined {
  const rangeMs = context.to.getTime() - context.from.getTime();
  switch (name) {
    case '__interval':
      return formatInterval(context.intervalMs);
    case '__interval_ms':
      return String(Math.trunc(context.intervalMs));
    case '__range':
      return formatInterval(rangeMs);
    case '__range_s':
      return String(Math.round(rangeMs / 1000));
    case '__range_ms':
      return String(rangeMs);
    case '__from':
    case '__to': {
      const date = name === '__from' ? context.from : context.to;
      if (format === undefined) return String(date.getTime());
      if (format === 'date' || format === 'date:iso') return date.toISOString();
      if (format === 'date:seconds') return String(Math.floor(date.getTime() / 1000));
      throw new Error(`unsupported format ${format} of $${name}`);
    }
    default:
      return undefined;
  }
}

export function interpolateVariables(text: string, context: TemplateContext): string {
  return text.replace(VARIABLE, (match: string, plain?: string, bracket?: string, bracketFormat?: string, braced?: string, fieldPath?: string, bracedFormat?: string) => {
    const name = (plain ?? bracket ?? braced) as string;
    const format = bracketFormat ?? bracedFormat;
    if (fieldPath !== undefined) throw new Error(`\${${name}.${fieldPath}}: field paths are not supported`);
    const builtin = builtIn(name, context, format);
    if (builtin !== undefined) return builtin;
    const variable = context.variables[name];
    if (variable === undefined) {
      // $__timeFilter(…) and the other macros are the back end's.
      if (name.startsWith('__')) return match;
      throw new Error(`unknown template variable $${name}`);
    }
    if (format === undefined) return sqlDefault(variable);
    if (format === 'text') return list(variable.text ?? variable.value).join(' + ');
    const apply = FORMATS[format];
    if (!apply) throw new Error(`unknown variable format ${format} in ${match}`);
    return apply(variable.value, name);
  });
}
