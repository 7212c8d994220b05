/**
 * The memory app's whole suite against one engine. Each engine gets one test
 * file (run in parallel) and one store for all suites: opening PGlite costs
 * seconds, and distinct principals keep the suites from seeing each other.
 */
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { contextsSuite } from './contexts.suite.js';
import { inputsSuite } from './inputs.suite.js';
import { isolationSuite } from './isolation.suite.js';
import { listedSchemasSuite } from './listed-schemas.suite.js';
import { retriesSuite } from './retries.suite.js';
import { searchSuite } from './search.suite.js';
import { openHarness, type EngineName, type Harness } from './support.js';
import { wakeUpSuite } from './wake-up.suite.js';

export function memoryAppSuites(engine: EngineName): void {
  describe(`memory app on ${engine}`, () => {
    let h: Harness | undefined;
    const harness = (): Harness => {
      if (!h) throw new Error('harness not open');
      return h;
    };
    before(async () => {
      h = await openHarness(engine);
    });
    after(async () => {
      await h?.close();
      assert.deepEqual(h?.loggedErrors, [], 'the app logged no errors');
    });

    contextsSuite(harness);
    wakeUpSuite(harness);
    searchSuite(harness);
    inputsSuite(harness);
    listedSchemasSuite(harness);
    retriesSuite(harness);
    // Last: it closes and reopens the store.
    isolationSuite(harness);
  });
}
