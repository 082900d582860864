import { describe, expect, it } from 'vitest';
import { describeTransient, isNetworkError } from '../../src/adapters/aws-error.js';

describe('isNetworkError', () => {
  it('is told by the missing HTTP answer, not by a missing $metadata', () => {
    const attempts = { attempts: 3, totalRetryDelay: 300 };
    expect(
      isNetworkError({ name: 'Error', message: 'socket hang up', code: 'ECONNRESET', $metadata: attempts }),
    ).toBe(true);
    expect(isNetworkError({ name: 'TimeoutError', message: 'timed out', $metadata: attempts })).toBe(true);
    expect(isNetworkError({ name: 'Error', message: 'x', code: 'ECONNRESET' })).toBe(true);
    expect(
      isNetworkError({
        name: 'InternalFailure',
        message: 'x',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      }),
    ).toBe(false);
    expect(isNetworkError({ name: 'SomethingNew', message: 'x', $metadata: { httpStatusCode: 400 } })).toBe(
      false,
    );
    // A client-side failure before any request (credentials, a bug) is no network error.
    expect(
      isNetworkError({ name: 'CredentialsProviderError', message: 'no credentials', $metadata: attempts }),
    ).toBe(false);
  });

  it('makes describeTransient say NetworkError for a final SDK error after retries', () => {
    expect(
      describeTransient({
        name: 'Error',
        message: 'read ECONNRESET',
        code: 'ECONNRESET',
        $metadata: { attempts: 3 },
      }),
    ).toEqual({ code: 'NetworkError', message: 'network error (ECONNRESET): read ECONNRESET' });
  });
});
