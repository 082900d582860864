import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/errors.js';
import { createQueueResolver, readStackOutputs } from '../../cli/queues.js';

const directory = mkdtempSync(join(tmpdir(), 'cli-queues-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const URL_A = 'https://sqs.us-east-1.amazonaws.com/123456789012/requests';
const URL_B = 'https://sqs.us-east-1.amazonaws.com/123456789012/other';

function write(name: string, json: unknown): string {
  const path = join(directory, name);
  writeFileSync(path, JSON.stringify(json));
  return path;
}

describe('queue URL resolution', () => {
  it('prefers the flag, then the environment, then the stack outputs', () => {
    // Prepare
    const outputs = write('flat.json', {
      RequestsQueueUrl: URL_B,
      ResultsQueueUrl: URL_B,
      RequestsDlqUrl: URL_B,
    });

    // Act
    const resolver = createQueueResolver(
      { queueUrl: URL_A, stackOutputs: outputs },
      { RESULTS_QUEUE_URL: URL_A },
      directory,
    );

    // Assess
    expect(resolver.require('requests')).toBe(URL_A);
    expect(resolver.require('results')).toBe(URL_A);
    expect(resolver.require('dlq')).toBe(URL_B);
  });

  it('reads the describe-stacks answer, its Outputs list and a CDK outputs file', () => {
    // Prepare
    const list = [
      { OutputKey: 'RequestsQueueUrl', OutputValue: URL_A },
      { OutputKey: 'Unrelated', OutputValue: 'x' },
    ];

    // Act
    const described = readStackOutputs(
      write('described.json', { Stacks: [{ StackName: 's', Outputs: list }] }),
    );
    const bare = readStackOutputs(write('list.json', list));
    const cdk = readStackOutputs(write('cdk.json', { RedshiftIngressStack: { ResultsQueueUrl: URL_B } }));

    // Assess
    expect(described).toEqual({ RequestsQueueUrl: URL_A });
    expect(bare).toEqual({ RequestsQueueUrl: URL_A });
    expect(cdk).toEqual({ ResultsQueueUrl: URL_B });
  });

  it('builds the URL from an ARN output, at the custom endpoint when one is set', () => {
    // Prepare
    const outputs = write('arn.json', { RequestsDlqArn: 'arn:aws:sqs:eu-west-1:123456789012:requests-dlq' });

    // Act
    const aws = createQueueResolver({ stackOutputs: outputs }, {}, directory).require('dlq');
    const local = createQueueResolver(
      { stackOutputs: outputs },
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' },
      directory,
    ).require('dlq');

    // Assess
    expect(aws).toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/requests-dlq');
    expect(local).toBe('http://127.0.0.1:4566/123456789012/requests-dlq');
  });

  it('names the source of a value that is not a URL, and a file without known outputs', () => {
    // Prepare
    write('empty.json', { Something: 'else' });

    // Act
    const badFlag = () => createQueueResolver({ resultsUrl: 'results' }, {}, directory).require('results');
    const badFile = () => createQueueResolver({ stackOutputs: 'empty.json' }, {}, directory).find('requests');
    const missing = () => createQueueResolver({}, {}, directory).require('results');

    // Assess
    expect(badFlag).toThrow(new UsageError('--results-url: must be an http(s) queue URL, got "results"'));
    expect(badFile).toThrow(/^--stack-outputs empty\.json: holds none of the outputs RequestsQueueUrl, /);
    expect(missing).toThrow(
      'results queue URL: not given; pass --results-url, set RESULTS_QUEUE_URL, or pass --stack-outputs FILE holding ResultsQueueUrl',
    );
  });
});
