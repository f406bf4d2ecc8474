// the samples live in src/ so the fuzzer (protocol/src/fuzz) seeds from the same messages
export * from '../src/messages/samples.js'
