// The summary that the in-editor mocha run writes and the launcher reads. The launcher trusts
// only this file, never a bare exit code, so a suite that never ran cannot pass.

export interface IntegrationTestResult {
  readonly title: string;
  readonly file: string;
  readonly state: 'passed' | 'failed' | 'pending';
  readonly durationMs: number;
  readonly error?: string;
}

export interface IntegrationRunSummary {
  readonly vscodeVersion: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
  readonly tests: readonly IntegrationTestResult[];
}

/** Environment variable naming the JSON summary file; set by the launcher. */
export const resultFileVariable = 'HYPERBO_INTEGRATION_RESULT';
/** Optional mocha grep, passed through by the launcher. */
export const grepVariable = 'HYPERBO_INTEGRATION_GREP';
