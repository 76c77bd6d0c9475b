import { describe, expect, it } from 'vitest';
import { expandMacros, formatInterval, interpolateVariables, parseInterval, renderSql, type TemplateContext } from '../src/index.js';
import { goFloat } from '../src/grafana/interval.js';

// The cases of Grafana's own macro tests (pkg/tsdb/grafana-postgresql-datasource/macros_test.go), same range.
const from = new Date('2018-04-12T18:00:00Z');
const to = new Date('2018-04-12T18:05:00Z');
const range = { from, to, intervalMs: 60_000 };

describe('PostgreSQL macros as Grafana expands them', () => {
  const sql = (text: string, timescaledb = false) => expandMacros(text, { ...range, timescaledb }).sql;

  it('$__time, $__timeEpoch, $__timeFilter, $__timeFrom, $__timeTo', () => {
    expect(sql('select $__time(time_column)')).toBe('select time_column AS "time"');
    expect(sql('select min($__time(time_column))')).toBe('select min(time_column AS "time")');
    expect(sql('select $__timeEpoch(t)')).toBe('select extract(epoch from t) as "time"');
    expect(sql('WHERE $__timeFilter(time_column)')).toBe("WHERE time_column BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'");
    expect(sql('select $__timeFrom(), $__timeTo()')).toBe("select '2018-04-12T18:00:00Z', '2018-04-12T18:05:00Z'");
  });

  it('prints fractions of a second as Go RFC 3339 (no trailing zeros) and times before 1970', () => {
    const early = { from: new Date('1960-02-01T07:00:00.500Z'), to: new Date('1980-02-03T08:00:00.120Z'), intervalMs: 1000 };
    expect(expandMacros('$__timeFilter(t)', early).sql).toBe("t BETWEEN '1960-02-01T07:00:00.5Z' AND '1980-02-03T08:00:00.12Z'");
    expect(expandMacros('$__unixEpochFilter(t)', early).sql).toBe(`t >= ${Math.floor(Date.UTC(1960, 1, 1, 7, 0, 0, 500) / 1000)} AND t <= ${Math.floor(Date.UTC(1980, 1, 3, 8) / 1000)}`);
  });

  it('$__timeGroup and $__timeGroupAlias, with spaces, the pre-5.3 comma form, and TimescaleDB', () => {
    expect(sql("SELECT $__timeGroup(time_column,'5m')")).toBe('SELECT floor(extract(epoch from time_column)/300)*300');
    expect(sql("SELECT $__timeGroupAlias(time_column , '5m')")).toBe('SELECT floor(extract(epoch from time_column)/300)*300 AS "time"');
    expect(sql("SELECT $__timeGroup(time_column,'5m'), value")).toBe('SELECT floor(extract(epoch from time_column)/300)*300 AS "time", value');
    expect(sql("SELECT $__timeGroup(time_column,'5m') as time, value")).toBe('SELECT floor(extract(epoch from time_column)/300)*300 as time, value');
    expect(sql("GROUP BY $__timeGroup(time_column , '12d')", true)).toBe("GROUP BY time_bucket('1036800.000s',time_column)");
    expect(sql("GROUP BY $__timeGroup(time_column,'20ms')", true)).toBe("GROUP BY time_bucket('0.020s',time_column)");
    expect(sql("$__timeGroup(t, '20ms')")).toBe('floor(extract(epoch from t)/0.02)*0.02');
    // Go prints 1e+06 for a float of a million seconds.
    expect(sql("$__timeGroup(t, '12d')")).toBe('floor(extract(epoch from t)/1.0368e+06)*1.0368e+06');
  });

  it('a fill argument sets the fill mode and leaves the SQL as without it', () => {
    expect(expandMacros("$__timeGroupAlias(t, '1h', NULL)", range)).toEqual({ sql: 'floor(extract(epoch from t)/3600)*3600 AS "time"', fill: { intervalMs: 3_600_000, mode: 'null' } });
    expect(expandMacros("$__timeGroup(t, '1h', previous)", range).fill).toEqual({ intervalMs: 3_600_000, mode: 'previous' });
    expect(expandMacros("$__timeGroup(t, '1h', 0)", range).fill).toEqual({ intervalMs: 3_600_000, mode: 'value', value: 0 });
    expect(() => expandMacros("$__timeGroup(t, '1h', sometimes)", range)).toThrow('error parsing fill value sometimes');
  });

  it('the unix-epoch macros', () => {
    expect(sql('select $__unixEpochFilter(time)')).toBe(`select time >= ${from.getTime() / 1000} AND time <= ${to.getTime() / 1000}`);
    expect(sql('select $__unixEpochNanoFilter(time)')).toBe(`select time >= ${from.getTime()}000000 AND time <= ${to.getTime()}000000`);
    expect(sql('select $__unixEpochNanoFrom(), $__unixEpochNanoTo()')).toBe(`select ${from.getTime()}000000, ${to.getTime()}000000`);
    expect(sql("SELECT $__unixEpochGroupAlias(time_column+time_adjustment,'5m')")).toBe('SELECT floor((time_column+time_adjustment)/300)*300 AS "time"');
    expect(sql('select $__unixEpochFrom(), $__unixEpochTo()')).toBe(`select ${from.getTime() / 1000}, ${to.getTime() / 1000}`);
  });

  it('$__interval and $__interval_ms (the back end substitutes them too)', () => {
    expect(sql('$__timeGroupAlias(t, $__interval) / $__interval_ms')).toBe('floor(extract(epoch from t)/60)*60 AS "time" / 60000');
    expect(expandMacros('$__interval', { ...range, intervalMs: 90_000 }).sql).toBe('1m');
  });

  it('refuses unknown macros and missing arguments as Grafana does', () => {
    expect(() => sql('$__timeFilterx(t)')).toThrow('unknown macro "__timeFilterx"');
    expect(() => sql('$__timeFilter()')).toThrow('missing time column argument for macro __timeFilter');
    expect(() => sql('$__timeGroup(t)')).toThrow('needs time column and interval');
    expect(() => sql("$__timeGroup(t, 'soon')")).toThrow("error parsing interval 'soon'");
  });
});

describe('intervals as Grafana parses and prints them', () => {
  it('parses Go durations and day/week periods', () => {
    expect(parseInterval('5m')).toBe(300_000);
    expect(parseInterval('1h30m')).toBe(5_400_000);
    expect(parseInterval('1.5h')).toBe(5_400_000);
    expect(parseInterval('250ms')).toBe(250);
    expect(parseInterval('2d')).toBe(172_800_000);
    expect(parseInterval('1w')).toBe(604_800_000);
    expect(() => parseInterval('5 m')).toThrow('not a Grafana interval');
    expect(() => parseInterval('')).toThrow('not a Grafana interval');
  });

  it('prints the largest whole unit', () => {
    expect([500, 1000, 90_000, 3_600_000, 86_400_000 * 3, 0].map(formatInterval)).toEqual(['500ms', '1s', '1m', '1h', '3d', '1ms']);
  });

  it('prints floats as Go %v does', () => {
    expect([300, 0.02, 604_800, 1_000_000, 1_036_800, 0.00001].map(goFloat)).toEqual(['300', '0.02', '604800', '1e+06', '1.0368e+06', '1e-05']);
  });
});

describe('template variables as Grafana substitutes them for a SQL data source', () => {
  const context: TemplateContext = {
    from,
    to,
    intervalMs: 30_000,
    variables: {
      site: { value: ['a', "o'hare"], multi: true, includeAll: true },
      one: { value: 'x', multi: true },
      plain: { value: "it's" },
      horizon: { value: '3', text: 'three' },
    },
  };
  const sub = (text: string) => interpolateVariables(text, context);

  it('by default quotes multi-value variables and escapes single ones', () => {
    expect(sub('site IN ($site)')).toBe("site IN ('a','o''hare')");
    expect(sub('site IN (${one})')).toBe("site IN ('x')");
    expect(sub("'$plain'")).toBe("'it''s'");
    expect(sub('[[horizon]]')).toBe('3');
  });

  it('applies the named formats', () => {
    expect(sub('${site:csv}|${site:pipe}|${site:json}')).toBe(`a,o'hare|a|o'hare|["a","o'hare"]`);
    expect(sub('${site:sqlstring}')).toBe("'a','o''hare'");
    expect(sub('${site:singlequote}')).toBe("'a','o\\'hare'");
    expect(sub('${site:doublequote}')).toBe('"a","o\'hare"');
    expect(sub('${site:regex}')).toBe("(a|o'hare)");
    expect(sub('${site:glob}')).toBe("{a,o'hare}");
    expect(sub('${site:queryparam}')).toBe("var-site=a&var-site=o'hare");
    expect(sub('[[site:raw]]')).toBe("a,o'hare");
    expect(sub('${horizon:text}')).toBe('three');
    expect(() => sub('${site:upper}')).toThrow('unknown variable format upper');
  });

  it('fills the built-ins and leaves macros to the back end', () => {
    expect(sub('$__interval $__interval_ms $__range $__range_s $__range_ms')).toBe('30s 30000 5m 300 300000');
    expect(sub('${__from} ${__to:date:iso} ${__from:date:seconds}')).toBe(`${from.getTime()} ${to.toISOString()} ${from.getTime() / 1000}`);
    expect(sub('$__timeFilter(time) AND $__timeGroupAlias(time, $__interval)')).toBe('$__timeFilter(time) AND $__timeGroupAlias(time, 30s)');
  });

  it('refuses a variable the dashboard does not define', () => {
    expect(() => sub('site = $sites')).toThrow('unknown template variable $sites');
  });

  it('renderSql runs both steps in Grafana’s order', () => {
    expect(renderSql('SELECT $__timeGroupAlias(t, $__interval) FROM x WHERE s IN (${site:sqlstring}) AND $__timeFilter(t)', context).sql).toBe(
      "SELECT floor(extract(epoch from t)/30)*30 AS \"time\" FROM x WHERE s IN ('a','o''hare') AND t BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'",
    );
  });
});
