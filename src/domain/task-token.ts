/** A task token shortened for logs: a token lets anyone answer a running execution, so it is never logged whole. */
export function redactToken(taskToken: string): string {
  return taskToken.length <= 16 ? '***' : `${taskToken.slice(0, 4)}...${taskToken.slice(-4)}`;
}

/** The longest run of a token's characters a log line may show: any longer quote of it is redacted. */
export const MAX_TOKEN_RUN = 15;

/**
 * A text (an error message, a reason) with every quote of a task token removed: the whole token becomes
 * its redacted form, and any run of 16 or more of its characters (an AWS message may quote part of it)
 * becomes `***`.
 */
export function redactTokenIn(text: string, taskToken: string): string {
  const run = MAX_TOKEN_RUN + 1;
  if (taskToken.length === 0) return text;
  if (taskToken.length < run) return text.split(taskToken).join(redactToken(taskToken));
  const windows = new Set<string>();
  for (let start = 0; start + run <= taskToken.length; start += 1)
    windows.add(taskToken.slice(start, start + run));
  // Marks every character inside a run that is part of the token, then replaces each marked stretch.
  const covered = new Uint8Array(text.length);
  let any = false;
  for (let start = 0; start + run <= text.length; start += 1) {
    if (windows.has(text.slice(start, start + run))) {
      covered.fill(1, start, start + run);
      any = true;
    }
  }
  if (!any) return text;
  let redacted = '';
  let index = 0;
  while (index < text.length) {
    if (covered[index] === 0) {
      redacted += text[index];
      index += 1;
      continue;
    }
    let end = index;
    while (end < text.length && covered[end] === 1) end += 1;
    redacted += text.slice(index, end) === taskToken ? redactToken(taskToken) : '***';
    index = end;
  }
  return redacted;
}
