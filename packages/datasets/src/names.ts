import { nameProblem } from '@headstream/core';

/**
 * Turns a free-form column or station name into a Headstream name: lower case, every run of
 * characters outside [a-z0-9] becomes one "_", no leading or trailing "_".
 * E.g. "Volume Flow RateRMS" → "volume_flow_raterms", "PM2.5" → "pm2_5".
 * The built-in loaders name their metrics explicitly (see README); this serves user files.
 */
export function sanitizeName(raw: string): string {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 128);
  const problem = nameProblem(name);
  if (problem) throw new Error(`cannot make a name of ${JSON.stringify(raw)}: the result ${problem}`);
  return name;
}
