export * from './report.js';
export * from './registry.js';
export { formatVersion, formatVersionList, type VersionState } from './version-format.js';
export { listSeries, readSiteFrames, type SeriesInfo, type SiteFrameQuery } from './history.js';
