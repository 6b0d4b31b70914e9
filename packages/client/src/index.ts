export * from './main.js';
export * from './config.js';
export * from './core/ports.js';
export * from './core/work-name.js';
export { StabilityTracker } from './core/stability.js';
export {
  CardFileSigner,
  checkCardFileMode,
  readCardFile,
  writeCardFile,
  CARD_FILE_FORMAT,
  type CardFile,
} from './adapters/card/card-file.js';
export { writeFileAtomic } from './adapters/fs/atomic.js';
export { HttpTransport } from './adapters/http/transport.js';
export { FsBusinessFolders, WORK_FOLDER } from './adapters/fs/business-folders.js';
export { deviceFingerprint } from './adapters/machine/device.js';
export { loadClientConfig, loadStatusPageSettings, CONFIG_ENV } from './config.js';
export type { StatusSnapshot } from './adapters/status/status-page.js';
export {
  DEFAULT_STATUS_PAGE_HOSTS,
  hashStatusPagePassword,
  startStatusPage,
  STATUS_PAGE_REQUEST_HEADER,
  type StatusControl,
  type StatusPageOptions,
} from './adapters/status/status-page.js';
export { C144_MESSAGE } from './adapters/card/card-file.js';
export { RemoteSigner, type RemoteSignerOptions } from './adapters/signer/remote-signer.js';
export * from './signer/config.js';
export { buildSignerApp, SIGNER_API, type SignerAppDeps } from './signer/app.js';
export { SignerKeyring, type SignerCardInfo } from './signer/keyring.js';
export { addSignerClient, addSignerKey, initSigner, removeSignerClient, startSigner, type RunningSigner } from './signer/main.js';
export { selfSignedCertificate } from './signer/tls-certificate.js';
