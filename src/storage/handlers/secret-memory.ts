/**
 * The `secret_memory` store handler: secrets kept in this process only, for tests and the testing
 * helpers (`commissaire-ts/testing`), where no secret may touch a disk.
 */
import { MemoryStoreHandler } from "./memory.js";

export class SecretMemoryStoreHandler extends MemoryStoreHandler {
  static override readonly secret = true;
  override readonly type = "secret_memory";
  override readonly secret = true;
}
