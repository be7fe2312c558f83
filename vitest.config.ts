// Test runner settings: plain Node, one fork per file so native handles (SQLite, wasm) never share state.
// Timeouts are generous because the CI machine has two cores shared with child processes under test.
// Two projects: every suite on SQLite, and the hub's contract, model-based, integration and bad-input
// suites again on PostgreSQL (a throwaway cluster, test/postgres-setup.ts), with the multi-instance tests.
import { defineConfig } from 'vitest/config';

/** Suites that need several hub instances on one database: PostgreSQL only. */
const postgresOnly = [
  'test/hub/multi-instance.test.ts',
  'test/hub/multi-instance-rekey.test.ts',
  'test/hub/multi-instance-gallery-reload.test.ts',
  'test/hub/multi-instance-duplicate-face.test.ts',
  'test/hub/rekey-commit-lost.test.ts',
  'test/hub/multi-instance-rekey-probe.test.ts',
  'test/hub/postgres-head-lock-timeout.test.ts',
  'test/hub/postgres-repeatable-read-default.test.ts',
  'test/hub/postgres-purge-skewed-clock.test.ts',
  'test/hub/postgres-purge-chunked.test.ts',
  'test/hub/rekey-start-beside.test.ts',
  'test/hub/rekey-key-file-after-lock.test.ts',
  'test/hub/multi-instance-rekey-next-key-file.test.ts',
  'test/hub/rekey-lock-timeout-no-discard.test.ts',
  'test/hub/rekey-commit-lost-after-follow.test.ts',
  'test/hub/rekey-resync-before-commit.test.ts',
];

/** The hub suites run on both adapters; the rest are about SQLite itself, a process or no store. */
const bothAdapters = [
  'test/contract/*.test.ts',
  'test/hub/attestation-required.test.ts',
  'test/hub/audit-verify-truncated.test.ts',
  'test/hub/bad-input.test.ts',
  'test/hub/categories.test.ts',
  'test/hub/cli.test.ts',
  'test/hub/client-tokens.test.ts',
  'test/hub/committed-sum-bound.test.ts',
  'test/hub/concurrency.test.ts',
  'test/hub/consent.test.ts',
  'test/hub/enrolment-idempotency.test.ts',
  'test/hub/erasure-stored-answer.test.ts',
  'test/hub/erasure-standing-limits.test.ts',
  'test/hub/erasure-guardian-audit.test.ts',
  'test/hub/erasure-retry.test.ts',
  'test/hub/erasure-lookup-index.test.ts',
  'test/hub/persons-guardian-index.test.ts',
  'test/hub/hub-slot.test.ts',
  'test/hub/test-hub-failed-start.test.ts',
  'test/hub/erasure-guardian-consents-audit.test.ts',
  'test/hub/rekey-files-own-key.test.ts',
  'test/hub/enrolment-scope.test.ts',
  'test/hub/delayed-rules.test.ts',
  'test/hub/enrolment-transfer.test.ts',
  'test/hub/find-person.test.ts',
  'test/hub/gallery-full-refusal.test.ts',
  'test/hub/guardian.test.ts',
  'test/hub/hold-bounds.test.ts',
  'test/hub/hold-deadline-account-expiry.test.ts',
  'test/hub/hold-deadline-delayed-rules.test.ts',
  'test/hub/hold-deadline-one-instant.test.ts',
  'test/hub/hold-history.test.ts',
  'test/hub/hold-placed-key.test.ts',
  'test/hub/holds-list-no-merchant.test.ts',
  'test/hub/idempotency-same-request-spelled-otherwise.test.ts',
  'test/hub/hub-client.test.ts',
  'test/hub/http-api.test.ts',
  'test/hub/identity.test.ts',
  'test/hub/kiosk-alerts.test.ts',
  'test/hub/kiosks.test.ts',
  'test/hub/ledger-model.test.ts',
  'test/hub/own-client.test.ts',
  'test/hub/own-kiosk.test.ts',
  'test/hub/pin-fallback.test.ts',
  'test/hub/pin-queue.test.ts',
  'test/hub/probe-replay-window-edge.test.ts',
  'test/hub/rekey-enrolment-race.test.ts',
  'test/hub/rekey-model-change.test.ts',
  'test/hub/rekey-refusals.test.ts',
  'test/hub/rekey-without-identity.test.ts',
  'test/hub/rekey-finish-no-templates.test.ts',
  'test/hub/replay-restart.test.ts',
  'test/hub/route-table.test.ts',
  'test/hub/sealed-fuzz.test.ts',
  'test/hub/sql-literals.test.ts',
  'test/hub/stored-responses-purge-fault.test.ts',
  'test/hub/use-cases.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    allowOnly: false,
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: postgresOnly },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: [...bothAdapters, ...postgresOnly],
          globalSetup: ['test/postgres-setup.ts'],
        },
      },
    ],
  },
});
