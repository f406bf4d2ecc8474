/**
 * @packageDocumentation
 * murmur's server peer and CLI. Programmatic use:
 *
 * @example
 * ```ts
 * import { run } from '@murmur/node'
 * process.exitCode = await run(['node', 'murmur', '--help'])
 * ```
 */

export type { Benchmark, BenchReport } from './bench/index.js'
export { benchmarks, machineInfo, median, timeMs, toMarkdown } from './bench/index.js'
export type { CliIo } from './cli.js'
export { buildProgram, run } from './cli.js'
// peer key: encrypted keystore, password source, `murmur keys` (issue #5)
export { type KeysCommandDeps, keysCommand } from './commands/keys.js'
// model folders: config.json + model.safetensors (sharded read), `murmur model` (issue #3)
export { modelCommand, parseSeed } from './commands/model.js'
export type { EnvironmentReport } from './environment.js'
export { describeEnvironment } from './environment.js'
export {
  DEFAULT_SCRYPT_N,
  decryptKey,
  defaultKeystorePath,
  encryptKey,
  generatePrivateKey,
  type KeyIdentity,
  keyIdentity,
  keystoreAddress,
  readKeystore,
  readKeystoreJson,
  writeKeystoreFile,
} from './keys/keystore.js'
export { getPassword, type PasswordSource, processPasswordSource } from './keys/password.js'
export {
  CONFIG_FILE,
  type ModelFile,
  type ModelFolder,
  readModelFolder,
  WEIGHTS_FILE,
  WEIGHTS_INDEX_FILE,
  type WriteModelFolderExtra,
  writeModelFolder,
} from './model/folder.js'
export {
  DEVICE_CHOICES,
  type DeviceChoice,
  DeviceUnavailableError,
  probeRuntime,
  type SelectedDevice,
  selectDevice,
} from './runtime/device.js'
export { type NodeDevice, nodeRuntime, wasmRuntime } from './runtime/runtimes.js'
