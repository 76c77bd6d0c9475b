import type { TaskDefinition } from '@headstream/core';
import { TASKS, type TaskName } from './registry.js';

/** The metric a task is judged by, from its kind: MAE for regression (lower is better), macro-F1 for classification. */
export interface HeadlineMetric {
  key: 'mae' | 'macro_f1';
  label: 'MAE' | 'macro-F1';
  higherIsBetter: boolean;
  /** Decimals a table shows it with. */
  digits: number;
}

const REGRESSION: HeadlineMetric = Object.freeze({ key: 'mae', label: 'MAE', higherIsBetter: false, digits: 2 });
const CLASSIFICATION: HeadlineMetric = Object.freeze({ key: 'macro_f1', label: 'macro-F1', higherIsBetter: true, digits: 3 });

export function headlineMetric(task: TaskName | TaskDefinition): HeadlineMetric {
  const kind = typeof task === 'string' ? TASKS[task].kind : task.kind;
  return kind === 'classification' ? CLASSIFICATION : REGRESSION;
}

/** The headline value of a task's metrics object (`{ mae, … }` or `{ macro_f1, … }`). */
export function headlineValue(task: TaskName | TaskDefinition, metrics: object): number {
  const value = (metrics as Record<string, unknown>)[headlineMetric(task).key];
  return typeof value === 'number' ? value : NaN;
}
