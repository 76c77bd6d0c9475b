export { Rng, hashString, normaliseSeed, arStep } from './random.js';
export { simRecordToFrame, GROUND_TRUTH_PREFIX, DEFAULT_START_MS, type SimRecord, type SimFrameOptions } from './records.js';
export { simulateCity, City, demandProfile, citySiteName, CITY_METRICS, CITY_LABELS, type CityOptions } from './city.js';
export {
  simulateFactory,
  factorySites,
  faultClasses,
  lineSiteName,
  machineSiteName,
  FAULT_SIGNATURES,
  MACHINE_METRICS,
  MACHINE_LABELS,
  LINE_METRICS,
  LINE_LABELS,
  type FactoryOptions,
  type FaultSignature,
} from './factory.js';
export { simulate, simulatedSites, type SimulateOptions } from './simulate.js';
export { createRatePacer, parseRate, systemPacerClock, type PacerClock, type RatePacer } from './pacer.js';
export { startOpcuaSimServer, startFactoryOpcuaServer, factoryOpcuaConfig, opcuaSimNodeId, type OpcuaSimServer, type OpcuaSimServerOptions, type FactoryOpcuaServerOptions } from './opcua-server.js';
export { startSparkplugFactory, sparkplugAddressOf, type SparkplugFactory, type SparkplugFactoryOptions, type SparkplugReading } from './sparkplug-edge.js';
