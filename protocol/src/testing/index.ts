/**
 * @packageDocumentation
 * Compliance suites and fixtures other packages run against their own components
 * (the libp2p interface-compliance-tests pattern). vitest is a peer dependency of this entry.
 */
export { TOY_CONFIG } from './fixtures.js'
export { type GradcheckParameters, type GradcheckResult, gradcheck } from './gradcheck.js'
export { OP_CASES, type OpCase } from './op-cases.js'
export { purityViolations } from './purity.js'
export { type ComplianceOptions, describeRuntimeCompliance, OP_ATOL, OP_RTOL, worstViolation } from './runtime-compliance.js'
