import type { SqlExecutor } from '@headstream/store';
import type { TaskBindingInfo } from './tasks.js';

/** The model version the page describes: the active one, else the newest (e.g. before the first promotion). */
export interface ShownVersion {
  version: string;
  status: string;
  /** 'active' when it is the active version, 'latest' when none is active and it is the newest. */
  source: 'active' | 'latest';
  created_ms: number;
  strategy: string;
  regime: string;
  tasks: string[];
}

interface VersionRow {
  version: string;
  status: string;
  active: boolean;
  created_ms: number;
  strategy: string;
  regime: string;
  tasks: string[];
  bindings: Record<string, TaskBindingInfo | null> | string | null;
}

// Only each task's binding from the report (which also holds full metrics): small to read every poll.
const VERSION_SQL = `SELECT version, status, active, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms, strategy, regime, tasks,
    (SELECT jsonb_object_agg(e.key, e.value -> 'binding') FROM jsonb_each(COALESCE(report -> 'task_reports', '{}'::jsonb)) AS e) AS bindings
  FROM model_versions
  ORDER BY active DESC, created_at DESC, version DESC
  LIMIT 1`;

export async function shownVersion(db: SqlExecutor): Promise<{ version: ShownVersion; bindings: Record<string, TaskBindingInfo> } | null> {
  const row = (await db.query<VersionRow>(VERSION_SQL)).rows[0];
  if (!row) return null;
  // pg parses jsonb; be lenient with a driver that hands back text.
  const raw = typeof row.bindings === 'string' ? (JSON.parse(row.bindings) as Record<string, TaskBindingInfo | null>) : (row.bindings ?? {});
  const bindings: Record<string, TaskBindingInfo> = {};
  for (const [task, binding] of Object.entries(raw)) if (binding && typeof binding === 'object') bindings[task] = binding;
  return {
    version: {
      version: row.version,
      status: row.status,
      source: row.active ? 'active' : 'latest',
      created_ms: row.created_ms,
      strategy: row.strategy,
      regime: row.regime,
      tasks: row.tasks,
    },
    bindings,
  };
}
