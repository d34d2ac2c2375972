/**
 * The `secret_file` store handler: the file handler for secrets in the embedded mode. Files are
 * mode 0600 in a 0700 directory, and only this kind of handler (and custodia) may hold HostCreds.
 */
import { FileStoreHandler } from "./file.js";

export class SecretFileStoreHandler extends FileStoreHandler {
  static override readonly secret = true;
  override readonly type = "secret_file";
  override readonly secret = true;
  protected override readonly fileMode = 0o600;
}
