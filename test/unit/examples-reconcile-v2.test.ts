import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { parseDesiredState } from '../../src/domain/desired-state-yaml.js';
import { makePolicyCheck } from '../../src/domain/policy.js';
import { countReportV2 } from '../../src/domain/reconciliation-report.js';
import { reconciliationReportV2Schema } from '../../src/domain/reconciliation-report-schema.js';

// The examples of the desired state v2 and the reconciliation report v2 (examples/), against the
// service's code and the published JSON Schema files, as examples-contracts.test.ts checks version 1's.

const root = join(import.meta.dirname, '..', '..');
const read = (...path: string[]): string => readFileSync(join(root, ...path), 'utf8');
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);
const published = (file: string): ValidateFunction => ajv.compile(JSON.parse(read('schemas', file)));

const publishedDesiredState = published('desired-state.v2.schema.json');
const publishedReport = published('reconciliation-report.v2.schema.json');
const reports = readdirSync(join(root, 'examples', 'reports')).filter((file) => file.endsWith('.v2.json'));

describe('examples of the desired state and the reconciliation report, version 2', () => {
  it('the desired state is valid for both, and passes the default policy with every target allowed', () => {
    // Prepare
    const text = read('examples', 'desired-state.v2.yaml');
    const { policy } = loadConfig({
      RESULTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/results',
      ALLOWED_GROUPS: '*',
      ALLOWED_CLUSTERS: '*',
      ALLOWED_WORKGROUPS: '*',
      ALLOWED_SECURITY_GROUP_IDS: 'sg-*',
    });

    // Act
    const state = parseDesiredState(text, 'examples/desired-state.v2.yaml', {
      checkPolicy: makePolicyCheck(policy),
    });

    // Assess
    expect(state.vpcTargets?.map((target) => `${target.section}.${target.name}`)).toEqual([
      'clusters.analytics-prod',
      'workgroups.bi-serverless',
      'securityGroups.sg-0a1b2c3d',
    ]);
    expect(publishedDesiredState(parseYaml(text)), JSON.stringify(publishedDesiredState.errors)).toBe(true);
  });

  it('a version 1 document is not a version 2 one for the published schema', () => {
    expect(publishedDesiredState(parseYaml(read('examples', 'desired-state.yaml')))).toBe(false);
  });

  it.each(reports)('reconciliation report %s is valid for both, its counts adding up', (file) => {
    // Act
    const report = reconciliationReportV2Schema.parse(JSON.parse(read('examples', 'reports', file)));

    // Assess
    expect(publishedReport(report), JSON.stringify(publishedReport.errors)).toBe(true);
    expect(report.counts).toEqual(countReportV2(report.groups, report.targets));
    expect(reports.length).toBeGreaterThanOrEqual(1);
  });
});
