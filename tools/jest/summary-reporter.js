// Appends each Jest run's totals to $TEST_SUMMARY_FILE (one JSON line per project) so
// scripts/test.sh can print one closing "N passed, N failed, N skipped" line for all
// projects, and under it every failed test with the start of its message: a CI log is
// often read from its end, far below where Jest printed the failure.
const { appendFileSync } = require('node:fs');
const { relative } = require('node:path');

// ANSI colour codes, so the closing lines read the same in any log.
const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, '');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.TEST_SUMMARY_FILE;
    if (!file) return;
    const failures = [];
    for (const suite of results.testResults) {
      const where = relative(process.cwd(), suite.testFilePath);
      if (suite.testExecError) failures.push({ test: where, message: plain(suite.testExecError.message ?? String(suite.testExecError)) });
      for (const test of suite.testResults) {
        if (test.status !== 'failed') continue;
        failures.push({ test: `${where} > ${test.fullName}`, message: plain(test.failureMessages.join('\n')) });
      }
    }
    const line = {
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      skipped: results.numPendingTests + results.numTodoTests,
      suitesFailed: results.numFailedTestSuites + results.numRuntimeErrorTestSuites,
      // The first lines of each message: enough to tell a timeout from a wrong value.
      failures: failures.map(({ test, message }) => ({ test, message: message.split('\n').slice(0, 12).join('\n') })),
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }
}

module.exports = SummaryReporter;
