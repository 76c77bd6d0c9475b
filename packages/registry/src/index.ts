export * from './report.js';
export * from './registry.js';
export { formatVersion, formatVersionList, type VersionState } from './version-format.js';
export { listSeries, readSiteFrames, type SeriesInfo, type SiteFrameQuery } from './history.js';
export { readVersionFiles, readVersionReport, VERSION_FILE, VERSION_FILES_FORMAT, VersionFilesError, writeVersionFiles } from './files.js';
