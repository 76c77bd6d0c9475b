export * from './protocols.js';
export * from './splits.js';
export * from './scoring.js';
export * from './pipeline.js';
export * from './report.js';
export * from './bundle.js';
export * from './folds.js';
export * from './fold-study.js';
