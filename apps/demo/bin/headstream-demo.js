#!/usr/bin/env node
// The `headstream-demo` command. npm links a workspace's bin at install time only when its target exists,
// and dist/ appears only after the build: so the bin is this committed file, which loads the build.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('headstream-demo: apps/demo is not built: run `npm run build` first\n');
  process.exit(1);
}
await import(main.href);
