// vitest globalSetup of the postgres project: one throwaway PostgreSQL cluster for the whole run (each
// hub in it gets a fresh database), stopped and deleted when the run ends, however it ends.
import type { TestProject } from 'vitest/node';
import { startThrowawayCluster } from '../scripts/postgres/throwaway-cluster.ts';

export default async function setup(project: TestProject): Promise<() => void> {
  const cluster = await startThrowawayCluster({ durable: false });
  const stop = () => cluster.stop();
  process.once('exit', stop);
  project.provide('postgresAdminUrl', cluster.adminUrl);
  return () => {
    process.removeListener('exit', stop);
    stop();
  };
}
