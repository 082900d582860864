import { describe, expect, it } from 'vitest';
import { redactToken, redactTokenIn } from '../../src/domain/task-token.js';

const TOKEN = `AQCEAAAAKgAAAAMAAAAAAAAAAf${'Qm9keU9mQVRhc2tUb2tlbg'.repeat(5)}==`;

/** Whether any run of 16 characters of the token appears in the text. */
function quotesToken(text: string, token: string): boolean {
  for (let start = 0; start + 16 <= token.length; start += 1) {
    if (text.includes(token.slice(start, start + 16))) return true;
  }
  return false;
}

describe('redactTokenIn', () => {
  it('replaces the whole token by its redacted form', () => {
    expect(redactTokenIn(`Invalid token ${TOKEN}.`, TOKEN)).toBe(`Invalid token ${redactToken(TOKEN)}.`);
  });

  it('redacts a partial quote of 16 characters or more, as an AWS message cut short shows it', () => {
    // Prepare: the head, a middle stretch and the tail of the token, each quoted alone.
    const text = `token '${TOKEN.slice(0, 40)}...' then ${TOKEN.slice(30, 46)} and ${TOKEN.slice(-20)}`;

    // Act
    const redacted = redactTokenIn(text, TOKEN);

    // Assess
    expect(redacted).toBe("token '***...' then *** and ***");
    expect(quotesToken(redacted, TOKEN)).toBe(false);
  });

  it('keeps a run of 15 characters and text that merely resembles the token', () => {
    const text = `x ${TOKEN.slice(3, 18)} y`;
    expect(redactTokenIn(text, TOKEN)).toBe(text);
    expect(redactTokenIn('nothing here', TOKEN)).toBe('nothing here');
  });

  it('redacts a short token wherever it appears', () => {
    expect(redactTokenIn('a tok-123 b tok-123', 'tok-123')).toBe('a *** b ***');
  });
});
