/**
 * The command lines README.md shows, and how the fresh-clone test runs each one.
 * Sources: shell code blocks (```sh, ```bash, ```shell) and inline code spans that start with
 * `npx ` or `npm ` (the command table's first column, "`npx headstream --help` lists them all"…).
 */

/** One command line as the README shows it. */
export interface ReadmeCommand {
  command: string;
  /** README.md:<line> of the line it starts on. */
  where: string;
  /** 'block': a line of a shell code block (`|` is a pipe); 'inline': a code span (`|` separates alternatives). */
  from: 'block' | 'inline';
}

/** What the test does with a command. */
export type CommandPlan =
  /** Run it to the end: exit code 0. */
  | { kind: 'run'; command: string }
  /** A usage line (placeholders, alternatives) or an explicit `--help`: its command with --help, exit 0 and a usage text. */
  | { kind: 'help'; command: string }
  /** A long-running service: it must start (log "… started" or answer /healthz), then stop on SIGTERM. */
  | { kind: 'service'; command: string }
  /** Not run here, for the reason given (long runs, services, system tools). */
  | { kind: 'skip'; reason: string }
  /** Cannot be run or reduced to --help: the test fails, naming the line, until it gets a skip entry below. */
  | { kind: 'unrunnable'; reason: string };

const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell']);

/** Every command line of a README, in document order, each once. */
export function extractReadmeCommands(markdown: string): ReadmeCommand[] {
  const found: ReadmeCommand[] = [];
  const lines = markdown.split('\n');
  let fence: { language: string } | undefined;
  let pending: { text: string; line: number } | undefined;
  lines.forEach((line, index) => {
    const fenceMatch = /^\s*```(\S*)/.exec(line);
    if (fenceMatch) {
      fence = fence ? undefined : { language: (fenceMatch[1] ?? '').toLowerCase() };
      pending = undefined;
      return;
    }
    if (fence) {
      if (!SHELL_LANGUAGES.has(fence.language)) return;
      // A line ending in `\`, or with a quote still open, continues on the next line.
      const text = pending ? `${pending.text}${line}` : line;
      const start = pending?.line ?? index + 1;
      if (/\\$/.test(text)) {
        pending = { text: text.replace(/\\$/, ' '), line: start }; // as the shell does: backslash-newline joins
        return;
      }
      if (hasOpenQuote(text)) {
        pending = { text: `${text}\n`, line: start };
        return;
      }
      pending = undefined;
      for (const command of splitCommandList(stripComment(text))) found.push({ command, where: `README.md:${start}`, from: 'block' });
      return;
    }
    for (const span of line.matchAll(/`([^`]+)`/g)) {
      // In a table cell a literal pipe is written \| (it would end the cell otherwise).
      const command = (span[1] ?? '').replaceAll('\\|', '|').trim();
      if (/^(npx|npm) /.test(command)) found.push({ command, where: `README.md:${index + 1}`, from: 'inline' });
    }
  });
  const seen = new Set<string>();
  return found.filter((c) => !seen.has(c.command) && seen.add(c.command));
}

function hasOpenQuote(text: string): boolean {
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
  }
  return quote !== undefined;
}

/** Drops a shell comment (` # …` outside quotes). */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) return text.slice(0, i);
  }
  return text;
}

/** `a && b; c` → a, b, c (outside quotes); empty parts dropped. */
function splitCommandList(text: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ';' || (ch === '&' && text[i + 1] === '&')) {
      parts.push(current);
      current = '';
      if (ch === '&') i++;
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** The services the README lists: long-running, started and stopped rather than run to the end. */
const SERVICES = new Set(['headstream-ingest', 'headstream-trainer', 'headstream-predictor']);

/**
 * Commands the test does not run, each with why. Checked against the line as the README writes it;
 * `help` = a usage line or an explicit --help (cheap: never skipped for being a long run). A README line
 * that is neither runnable nor listed here fails the test, naming itself.
 */
const SKIP: { matches: (command: string, help: boolean) => boolean; reason: string }[] = [
  { matches: (c) => /^npm ci\b/.test(c), reason: 'the setup step of this test (run once, before every other command)' },
  { matches: (c) => /^npm test\b/.test(c), reason: 'the whole test suite, which holds this test' },
  { matches: (c) => /^npm run test:fresh\b/.test(c), reason: 'this test again, on a fresh clone with its own npm ci and build' },
  { matches: (c) => /^npm run lint\b/.test(c), reason: 'type-aware ESLint over the repository: minutes on two cores; CI runs it' },
  { matches: (c) => /^npm run (results|soak|bench:[\w:-]+)\b/.test(c), reason: 'a long run: training experiments, a benchmark or the 10-minute soak' },
  { matches: (c) => /^npm run kafka:(start|stop)\b/.test(c), reason: 'downloads and runs an Apache Kafka broker (Java, Maven Central)' },
  { matches: (c) => /^(npm run demo\b|npx headstream-demo\b)/.test(c), reason: 'the demo: ingests, trains and serves for minutes' },
  { matches: (c, help) => !help && /^npx headstream (train|evaluate)\b/.test(c), reason: 'trains or scores a model: minutes (tested by the learning tests)' },
  { matches: (c) => /\bHS_(PG_URL|MQTT_URL|KAFKA_BROKERS)=/.test(c), reason: 'points at a service it names' },
];

/** What the test does with one README command (see CommandPlan). */
export function planCommand({ command, from }: ReadmeCommand): CommandPlan {
  const words = command.split(/\s+/);
  const program = words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) ?? '';
  if (program !== 'npx' && program !== 'npm') return { kind: 'skip', reason: `${program} is a system tool, or talks to a running service: only npx and npm lines run here` };
  const usageLine = isUsageLine(words, from);
  const skip = SKIP.find((s) => s.matches(command, usageLine || words.at(-1) === '--help'));
  if (skip) return { kind: 'skip', reason: skip.reason };
  if (usageLine) {
    if (program !== 'npx') return { kind: 'unrunnable', reason: 'a usage line of an npm script: run it with its options spelled out, or add a skip entry' };
    const end = words.findIndex((w) => isPlaceholderOrOption(w, from));
    return { kind: 'help', command: `${words.slice(0, end).join(' ')} --help` };
  }
  if (words.at(-1) === '--help') return { kind: 'help', command };
  if (program === 'npx' && words.length === 2 && SERVICES.has(words[1] ?? '')) return { kind: 'service', command };
  return { kind: 'run', command };
}

/** `<x>`, `[x]`, an ALL-CAPS placeholder (N, DIR, V) or, in a code span, `a|b` alternatives. */
function isUsageLine(words: string[], from: ReadmeCommand['from']): boolean {
  return words.some((w) => /^[<[]/.test(w) || /^[A-Z][A-Z0-9]*$/.test(w) || (from === 'inline' && w.includes('|')));
}

function isPlaceholderOrOption(word: string, from: ReadmeCommand['from']): boolean {
  return word.startsWith('-') || /^[<[]/.test(word) || /^[A-Z][A-Z0-9]*$/.test(word) || (from === 'inline' && word.includes('|'));
}

/**
 * Whether running a command rewrites files of this checkout that other test files read while they run: an
 * `npm run` script that builds (`npm run build`, `selfcheck`, `dashboards`, `schemas`… rewrite dist/ and the
 * generated dashboards and schemas, even when nothing changed). Read from the scripts of package.json, so a
 * new script is classified by what it runs. Such commands run last, alone; the others run beside the rest
 * of the suite.
 */
export function rewritesCheckout(command: string, scripts: Readonly<Record<string, string>>): boolean {
  const words = command.split(/\s+/).filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
  if (words[0] !== 'npm') return false;
  const script = words[1] === 'run' || words[1] === 'run-script' ? words[2] : words[1] === 'test' ? 'test' : undefined;
  if (script === undefined) return false;
  return /\b(build|turbo)\b/.test(scripts[script] ?? '');
}

