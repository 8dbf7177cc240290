// Mocha root hooks for the e2e suite: one code-server and one browser for all test files, a
// screenshot of every failed test. Tests get the shared session through `workbench()`.
import type { Context } from 'mocha';
import { startSession, type E2eSession, type Workbench } from './harness';

let session: E2eSession | undefined;

/** The workbench shared by every e2e test (started once by the root hooks). */
export function workbench(): Workbench {
  if (!session) throw new Error('the e2e session is not running: run e2e tests through `npm run test:e2e`');
  return session.workbench;
}

export const mochaHooks = {
  async beforeAll(this: Context): Promise<void> {
    this.timeout(5 * 60_000);
    session = await startSession();
  },
  async afterEach(this: Context): Promise<void> {
    const test = this.currentTest;
    if (session && test?.state === 'failed') await session.workbench.recordFailure(test.fullTitle());
  },
  async afterAll(this: Context): Promise<void> {
    this.timeout(60_000);
    await session?.close();
    session = undefined;
  },
};
