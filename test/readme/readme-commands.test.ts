import { describeReadmeCommands } from './readme-suite.js';

// The README's commands that rewrite nothing other test files read: they run beside the rest of the suite
// (in a fresh clone, `npm run test:fresh`: every command). The ones that rebuild: readme-rebuilds.test.ts.
describeReadmeCommands('beside');
