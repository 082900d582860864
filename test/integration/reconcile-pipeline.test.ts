import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizeClusterSecurityGroupIngressCommand } from '@aws-sdk/client-redshift';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LocalService } from '../../local/service.js';
import { DesiredStateError } from '../../src/domain/desired-state.js';
import type { ReconciliationReport } from '../../src/domain/reconciliation-report.js';
import { readResults, startTestService } from '../helpers/local-service.js';

let service: LocalService | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
});

const scratch = mkdtempSync(join(tmpdir(), 'redshift-ingress-reconcile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let files = 0;
const desiredStateFile = (yaml: string): string => {
  files += 1;
  const file = join(scratch, `desired-state-${files}.yaml`);
  writeFileSync(file, yaml);
  return file;
};

const cidrsOf = (name: string) =>
  [...(service?.emulator?.redshiftGroups().find((group) => group.name === name)?.cidrIps ?? [])].sort();

/** Runs the reconcile handler and waits until every request it enqueued has an outcome. */
async function reconcileAndSettle(): Promise<ReconciliationReport> {
  const report = (await (service as LocalService).reconcile()) as ReconciliationReport;
  const expected = report.counts.enqueued + report.counts.pruned;
  await readResults(
    service as LocalService,
    (results) => results.reports.length === 1 && results.outcomes.length >= expected,
  );
  return report;
}

describe('reconciliation over the local stack', () => {
  it('reports drift made by hand, restores missing rules through the pipeline, and then reports no changes', async () => {
    // Prepare: the desired state has two CIDRs; one exists, and someone added an extra rule by hand.
    service = await startTestService({
      groups: { 'analytics-prod': ['203.0.113.0/24'] },
      env: {
        DESIRED_STATE_PATH: desiredStateFile(
          'version: 1\ngroups:\n  analytics-prod:\n    cidrIps: [203.0.113.0/24, 198.51.100.7]\n  analytics-ghost:\n    cidrIps: [10.0.0.0/16]\n',
        ),
      },
    });
    await service.redshift.send(
      new AuthorizeClusterSecurityGroupIngressCommand({
        ClusterSecurityGroupName: 'analytics-prod',
        CIDRIP: '10.66.0.0/16',
      }),
    );

    // Act
    const first = await reconcileAndSettle();
    const second = await reconcileAndSettle();

    // Assess
    expect(first.groups[0]).toMatchObject({
      clusterSecurityGroupName: 'analytics-prod',
      missing: [{ cidrIp: '198.51.100.7/32' }],
      extra: [{ cidrIp: '10.66.0.0/16' }],
      enqueued: [{ action: 'authorize', target: { cidrIp: '198.51.100.7/32' } }],
      pruned: [],
    });
    expect(first.groups[1]).toMatchObject({
      clusterSecurityGroupName: 'analytics-ghost',
      exists: false,
      enqueued: [],
    });
    expect(cidrsOf('analytics-prod')).toEqual(['10.66.0.0/16', '198.51.100.7/32', '203.0.113.0/24']);
    expect(second.groups[0]).toMatchObject({
      missing: [],
      enqueued: [],
      extra: [{ cidrIp: '10.66.0.0/16' }],
    });
    expect(second.counts).toMatchObject({ missing: 1, enqueued: 0, pruned: 0 });
  });

  it('prunes only what is extra, within MAX_PRUNE_PER_RUN, and is quiet on the next run', async () => {
    // Prepare: prod has 2 extras (fits the cap of 2), dev has 3 (exceeds what is left).
    service = await startTestService({
      groups: {
        'analytics-prod': ['203.0.113.0/24', '10.1.0.0/16', '10.2.0.0/16'],
        'analytics-dev': ['10.3.0.0/16', '10.4.0.0/16', '10.5.0.0/16'],
      },
      env: {
        MAX_PRUNE_PER_RUN: '2',
        DESIRED_STATE_PATH: desiredStateFile(
          'version: 1\ngroups:\n  analytics-prod:\n    prune: true\n    cidrIps: [203.0.113.0/24]\n  analytics-dev:\n    prune: true\n    cidrIps: []\n',
        ),
      },
    });

    // Act
    const first = await reconcileAndSettle();

    // Assess
    expect(first.groups[0]?.pruned.map((p) => p.target)).toEqual([
      { cidrIp: '10.1.0.0/16' },
      { cidrIp: '10.2.0.0/16' },
    ]);
    expect(first.groups[1]?.pruned).toEqual([]);
    expect(first.groups[1]?.errors[0]).toMatch(
      /^prune skipped: 3 extra rules exceed the 0 revokes left of MAX_PRUNE_PER_RUN \(2\)/,
    );
    expect(cidrsOf('analytics-prod')).toEqual(['203.0.113.0/24']);
    expect(cidrsOf('analytics-dev')).toEqual(['10.3.0.0/16', '10.4.0.0/16', '10.5.0.0/16']);

    // Act again: prod is in sync; dev still exceeds the cap on its own.
    const second = await reconcileAndSettle();

    // Assess
    expect(second.groups[0]).toMatchObject({ missing: [], extra: [], pruned: [], errors: [] });
    expect(second.groups[1]?.errors[0]).toMatch(/^prune skipped: 3 extra rules exceed the 2 revokes left/);
  });
});

describe('the desired state of the local stack', () => {
  it('is compiled to a temporary JSON file the handler reads, deleted on stop', async () => {
    // Prepare
    const source = desiredStateFile(
      'version: 1\ngroups:\n  analytics-prod:\n    cidrIps: [203.0.113.0/24]\n',
    );
    service = await startTestService({
      groups: { 'analytics-prod': ['203.0.113.0/24'] },
      env: { DESIRED_STATE_PATH: source },
    });
    const compiled = service.desiredState?.path as string;

    // Act
    const report = await reconcileAndSettle();
    const json = JSON.parse(readFileSync(compiled, 'utf8')) as unknown;
    const envWhileRunning = process.env.DESIRED_STATE_PATH;
    await service.stop();
    service = undefined;

    // Assess
    expect(compiled).toMatch(/desired-state\.json$/);
    expect(json).toEqual({ version: 1, groups: { 'analytics-prod': { cidrIps: ['203.0.113.0/24'] } } });
    expect(envWhileRunning).toBe(compiled);
    expect(report.groups).toMatchObject([{ clusterSecurityGroupName: 'analytics-prod', missing: [] }]);
    expect(existsSync(compiled)).toBe(false);
    expect(process.env.DESIRED_STATE_PATH).toBe(source);
  });

  it('stops the start when invalid, naming each problem with its file and line', async () => {
    // Prepare
    const source = desiredStateFile(
      'version: 1\ngroups:\n  analytics-prod:\n    cidrIps:\n      - 203.0.113.5/24\n',
    );

    // Act
    const start = startTestService({ env: { DESIRED_STATE_PATH: source } });

    // Assess
    await expect(start).rejects.toThrow(DesiredStateError);
    await expect(start).rejects.toThrow(`${source}:5:9: groups.analytics-prod.cidrIps.0: has host bits set`);
  });
});
