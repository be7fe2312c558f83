// One place that waits for libsodium's WebAssembly to load, so every protection module can stay synchronous.
// The sumo build is the one with Argon2id (crypto_pwhash), which the PIN verifier needs.
import lib from 'libsodium-wrappers-sumo';

await lib.ready;

export const sodium = lib;
