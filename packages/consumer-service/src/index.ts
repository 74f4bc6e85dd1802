export {
  type ConsumerApiDefinition,
  type ConsumerApiDeps,
  type ConsumerApiInfo,
  consumerApi,
  consumerApiApp,
  consumerApiDocument,
  type PersonalDataApiDeps,
} from "./api-app.js";
export {
  type ConsumerService,
  type ConsumerServiceContext,
  type ConsumerServiceDefinition,
  type ConsumerServiceParts,
  defineConsumerService,
  type OperatorCommand,
  pseudonymiserOf,
  type RunningConsumerService,
} from "./consumer-service.js";
export {
  ConcurrentConsumerEnv,
  type ConsumerServiceConfig,
  type ConsumerSettings,
  consumerApiEnv,
  consumerServiceConfigOf,
  consumerServiceEnv,
  consumerSettingsOf,
} from "./env.js";
