import type { TaskDefinition } from '@headstream/core';
import type { TaskName } from '@headstream/tasks';
import type { FeatureScalers, FeatureSpec } from '@headstream/features';
import type { MultiTaskModel } from '@headstream/model';
import type { SqlExecutor } from '@headstream/store';
import { getVersion, loadArtifact, servedArtifacts, servedPredictor, type ServedBy, type ServedPredictor, type TaskBindingReport } from '@headstream/registry';

/** One task as a version serves it: the model that answers it, with the spec and scalers saved inside it. */
export interface ServedTask {
  task: TaskName;
  definition: TaskDefinition;
  spec: FeatureSpec;
  scalers: FeatureScalers;
  /** Artifact names of the models that answer the task (shared or single-<task>; a blend's both, averaged). */
  artifacts: string[];
  /** The models of `artifacts`, in its order. */
  members: MultiTaskModel[];
  servedBy: ServedBy;
  /** What the task's forecast is: its one model, or its members' outputs averaged (averageModels). */
  model: Pick<MultiTaskModel, 'task' | 'inputOf' | 'predict'>;
  /** The model input the task reads. */
  input: string;
  binding: TaskBindingReport;
}

/** A version loaded for serving: each task's model (artifacts loaded once), and how readings reach it. */
export interface ServingVersion {
  version: string;
  tasks: Map<TaskName, ServedTask>;
  dispose(): void;
}

/** Raised when a version cannot serve (missing, no report, an artifact that does not load). */
export class VersionLoadError extends Error {}

/**
 * Loads a version from the database alone: the guard's serving decision says which artifact answers
 * each task; each artifact's metadata carries the task's feature spec and scalers.
 */
export async function loadServingVersion(db: SqlExecutor, version: string): Promise<ServingVersion> {
  const details = await getVersion(db, version);
  if (!details) throw new VersionLoadError(`no model version "${version}"`);
  if (!details.report) throw new VersionLoadError(`model version "${version}" has no report (its tasks' bindings are unknown)`);
  const loaded = new Map<string, Awaited<ReturnType<typeof loadArtifact>>>();
  const tasks = new Map<TaskName, ServedTask>();
  const dispose = () => {
    for (const a of loaded.values()) a.model.dispose();
  };
  try {
    for (const task of details.report.tasks) {
      const report = details.report.task_reports[task];
      if (!report?.binding) throw new VersionLoadError(`model version "${version}": task ${task} has no binding (trained before bindings were stored: retrain it)`);
      const servedBy: ServedBy = details.report.decision.serving[task] ?? report.served_by;
      const artifacts = servedArtifacts(servedBy, task);
      const members: Awaited<ReturnType<typeof loadArtifact>>[] = [];
      for (const artifact of artifacts) {
        let a = loaded.get(artifact);
        if (!a) {
          a = await loadArtifact(db, version, artifact);
          loaded.set(artifact, a);
        }
        if (!a.metadata.features[task]) throw new VersionLoadError(`model version "${version}": artifact ${artifact} has no ${task} input`);
        members.push(a);
      }
      const served = servedPredictor(task, servedBy, members, report) as ServedPredictor;
      const definition = served.predictor.task(task);
      tasks.set(task, { task, definition, spec: served.spec, scalers: served.scalers, artifacts, members: members.map((m) => m.model), servedBy, model: served.predictor, input: served.predictor.inputOf(definition), binding: report.binding });
    }
  } catch (error) {
    dispose();
    if (error instanceof VersionLoadError) throw error;
    throw new VersionLoadError(`model version "${version}" cannot serve: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return { version, tasks, dispose };
}
