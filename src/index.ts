// The package's public API: signing helpers, typestring parsing and the server itself.
export { signMediaUrl, signature, verifySignature, type SignOptions } from './signing.js';
export { parseTypestring, canonicalTypestring, type Target, type TargetOptions } from './typestring.js';
export { start, serve, type Omnic, type StartOptions } from './main.js';
export { configEnvNames, configSchema, loadConfig, type Config } from './config.js';
