import { createHash } from 'node:crypto';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { loadModel, saveModel, type MultiTaskModel } from '@headstream/model';
import type { SavedArtifact, SaveVersionInput, TelemetryRow } from './registry.js';
import type { VersionReport } from './report.js';

/**
 * A model version as files: the registry's own format in a directory, the file sink of what saveVersion
 * stores in the database. `version.json` holds the version report (with the guard's decision), the artifacts'
 * names and checksums and the training telemetry; each artifact is a model directory (model.json, weights.bin)
 * named after it. `headstream train --from-datasets` writes one; `headstream models import` stores it.
 */
export const VERSION_FILES_FORMAT = 'headstream-version/1';
export const VERSION_FILE = 'version.json';

const versionFileSchema = z.object({
  format: z.literal(VERSION_FILES_FORMAT),
  report: z.looseObject({ version: z.string(), tasks: z.array(z.string()), decision: z.looseObject({ serving: z.record(z.string(), z.string()) }) }),
  artifacts: z.array(z.object({ name: z.string(), sha256: z.string(), bytes: z.number().int().nonnegative() })).min(1),
  telemetry: z.array(z.object({ model: z.string(), rows: z.array(z.looseObject({})) })).optional(),
});

/** Raised for a directory that holds no version, or a broken one: the CLI prints one line. */
export class VersionFilesError extends Error {}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Writes a version's artifacts and its version.json into `dir`; returns the artifacts' checksums. */
export async function writeVersionFiles(dir: string, input: SaveVersionInput): Promise<SavedArtifact[]> {
  await mkdir(dir, { recursive: true });
  const saved: SavedArtifact[] = [];
  for (const { name, model, info } of input.artifacts) {
    if (info.version !== input.report.version) throw new Error(`artifact ${JSON.stringify(name)} says version ${JSON.stringify(info.version)}, the report ${JSON.stringify(input.report.version)}`);
    await saveModel(model, join(dir, name), info);
    const weights = await readFile(join(dir, name, 'weights.bin'));
    saved.push({ name, sha256: sha256(weights), bytes: weights.byteLength });
  }
  const file = { format: VERSION_FILES_FORMAT, report: input.report, artifacts: saved, ...(input.telemetry ? { telemetry: input.telemetry } : {}) };
  await writeFile(join(dir, VERSION_FILE), `${JSON.stringify(file)}\n`);
  return saved;
}

/** A version's version.json alone (report, artifacts' checksums, telemetry), checked but without loading a model. */
export async function readVersionReport(dir: string): Promise<Omit<z.infer<typeof versionFileSchema>, 'report'> & { report: VersionReport }> {
  let text: string;
  try {
    text = await readFile(join(dir, VERSION_FILE), 'utf8');
  } catch {
    throw new VersionFilesError(`${dir} holds no ${VERSION_FILE}: write one with \`headstream train --from-datasets --out ${dir}\``);
  }
  try {
    const parsed = versionFileSchema.parse(JSON.parse(text));
    return { ...parsed, report: parsed.report as unknown as VersionReport };
  } catch (error) {
    throw new VersionFilesError(`${join(dir, VERSION_FILE)} is not a model version (${VERSION_FILES_FORMAT}): ${error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') : String(error)}`);
  }
}

/**
 * Reads a version written by writeVersionFiles: its report, telemetry and artifacts, each loaded on the
 * current backend after its weights matched the recorded checksum. The caller disposes the models.
 */
export async function readVersionFiles(dir: string): Promise<SaveVersionInput & { models: MultiTaskModel[] }> {
  const parsed = await readVersionReport(dir);
  const models: MultiTaskModel[] = [];
  try {
    const artifacts: SaveVersionInput['artifacts'][number][] = [];
    for (const a of parsed.artifacts) {
      const weights = await readFile(join(dir, a.name, 'weights.bin')).catch(() => {
        throw new VersionFilesError(`${dir}: artifact ${a.name} has no weights.bin`);
      });
      if (weights.byteLength !== a.bytes || sha256(weights) !== a.sha256) throw new VersionFilesError(`${dir}: artifact ${a.name}'s weights do not match their checksum in ${VERSION_FILE}`);
      const { model, metadata } = await loadModel(join(dir, a.name));
      models.push(model);
      const { format: _format, config: _config, weights: _weights, createdAt: _created, ...info } = metadata;
      artifacts.push({ name: a.name, model, info });
    }
    return { report: parsed.report, artifacts, ...(parsed.telemetry ? { telemetry: parsed.telemetry as unknown as { model: string; rows: TelemetryRow[] }[] } : {}), models };
  } catch (error) {
    for (const m of models) m.dispose();
    throw error;
  }
}
