/**
 * @packageDocumentation
 * Compliance suites and fixtures other packages run against their own components
 * (the libp2p interface-compliance-tests pattern). vitest is a peer dependency of this entry.
 */
export { purityViolations } from './purity.js'
