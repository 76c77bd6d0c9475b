import { describe, expect, test } from 'vitest';
import { iso, scanDataset } from './helpers.js';

describe('beijing-air', () => {
  test('11 stations × 35,064 hourly rows in China Standard Time, NA dropped', async () => {
    const firstBySite = new Map<string, number>();
    const s = await scanDataset('beijing-air', (r) => {
      if (!firstBySite.has(r.site)) firstBySite.set(r.site, r.time);
    });
    expect(s.sites.size).toBe(11);
    expect([...s.sites.keys()].sort()).toEqual(
      ['aotizhongxin', 'changping', 'dingling', 'guanyuan', 'gucheng', 'huairou', 'nongzhanguan', 'shunyi', 'tiantan', 'wanliu', 'wanshouxigong'].map((n) => `beijing-${n}`),
    );
    for (const [site, n] of s.sites) expect(n, site).toBe(35064);
    expect(s.stats.rows).toBe(11 * 35064);
    expect(s.stats.emptyRecordsSkipped).toBe(0);
    // PM2.5 is NA in 382–953 rows per station (SOURCE.md): 8,189 in all, counted per station below.
    expect(11 * 35064 - (s.metricCounts.get('pm25') ?? 0)).toBe(925 + 774 + 779 + 616 + 646 + 953 + 628 + 913 + 677 + 382 + 696);
    for (const t of firstBySite.values()) expect(iso(t)).toBe('2013-02-28T16:00:00.000Z');
    expect(iso(s.last?.time)).toBe('2017-02-28T15:00:00.000Z');
    expect(s.first?.values).toMatchObject({ pm25: 4, pm10: 4, so2: 4, no2: 7, co: 300, o3: 77, temperature: -0.7, wind_dir_deg: 337.5, wind_speed: 4.4 });
  }, 180_000); // 22.6 s in a clean-clone CI run at load 6–8
});
