/** A bench's flag errors: one line naming the bench and the flag, exit code 2; and its comma-separated positive integers (--folds, --seeds). */
export function benchFlags(bench: string): { fail: (message: string) => never; ints: (flag: string, text: string | undefined) => number[] | undefined } {
  const fail = (message: string): never => {
    process.stderr.write(`${bench}: ${message}\n`);
    process.exit(2);
  };
  const ints = (flag: string, text: string | undefined): number[] | undefined => {
    if (text === undefined) return undefined;
    const out = text.split(',').map((s) => Number(s.trim()));
    if (!out.length || !out.every((v) => Number.isInteger(v) && v > 0)) fail(`--${flag} expects positive integers, e.g. 1,2,3 (got ${JSON.stringify(text)})`);
    return out;
  };
  return { fail, ints };
}
