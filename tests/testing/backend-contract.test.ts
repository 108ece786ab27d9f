/**
 * The shared ModelBackend contract suite (tests/ops/backend-contract.ts), run against
 * the testing backend through an adapter from ContractScenario to a State.
 */
import { describeBackendContract } from '../ops/backend-contract.js';
import { testingBackendFor } from './contract-backend.js';

describeBackendContract('testing backend', (scenario) => ({ backend: testingBackendFor(scenario) }));
