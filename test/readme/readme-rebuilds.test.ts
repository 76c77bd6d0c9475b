import { describeReadmeCommands } from './readme-suite.js';

// The README's npm scripts that build (they rewrite dist/ and generated files that other test files read
// while they run): last, alone (vitest.config.ts, project "readme").
describeReadmeCommands('last');
