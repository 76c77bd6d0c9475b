export * from './names.js';
export * from './time.js';
export * from './reading.js';
export * from './prediction.js';
export * from './tasks.js';
export * from './topics.js';
export * from './config.js';
export * from './observability.js';
