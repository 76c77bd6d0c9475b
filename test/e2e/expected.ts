import type { Prediction } from '@headstream/core';
import { loadServingVersion, PredictionEngine, type EngineReading } from '@headstream/serving';
import type { SqlClient } from '@headstream/store';

/**
 * What a predictor must publish for a replay: the predictions the engine makes in-process from the same
 * readings — each (task, site) window fed its history (what the predictor rebuilds from the readings
 * table), then the replayed readings in order, predicting each step from the first replayed reading on
 * (a predictor never predicts the past). Keyed `task/site/issued_at`.
 */
export async function expectedPredictions(db: SqlClient, version: string, streams: readonly { history: readonly EngineReading[]; replayed: readonly EngineReading[] }[]): Promise<Map<string, Prediction>> {
  const loaded = await loadServingVersion(db, version);
  const expected = new Map<string, Prediction>();
  try {
    const engine = new PredictionEngine(loaded);
    for (const { history, replayed } of streams) {
      for (const r of history) engine.add(r);
      const firstLive = replayed[0]?.time ?? Infinity;
      for (const r of replayed) {
        const due = engine.add(r).filter((d) => d.issueTime >= firstLive);
        for (const p of engine.predict(due).predictions) expected.set(`${p.task}/${p.site}/${p.issued_at}`, p);
      }
    }
  } finally {
    loaded.dispose();
  }
  return expected;
}
