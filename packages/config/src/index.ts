export { envBoolean, envInt, envList, envLogLevel, envMap, envPort, envUrl } from "./env-types.js";
export { ConfigError, configLoader, loadConfig, loadConfigOrExit } from "./load-config.js";
export { type DatabaseSettings, databaseEnv, databaseSettingsOf, ServiceEnv } from "./service-env.js";
