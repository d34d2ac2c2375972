/**
 * Helpers for testing services in a few lines, shipped with the library
 * (`import { startTestService } from "commissaire-ts/testing"`).
 */
export { type CallHandlerOptions, callHandler } from "./call-handler.js";
export * from "./fake-executor.js";
export { NotificationRecorder, type StorageNotification } from "./notifications.js";
export {
  memoryBus,
  startTestService,
  type TestService,
  type TestServiceOptions,
} from "./test-service.js";
export { type WaitForOptions, waitFor } from "./wait-for.js";
