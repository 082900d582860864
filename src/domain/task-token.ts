/** A task token shortened for logs: a token lets anyone answer a running execution, so it is never logged whole. */
export function redactToken(taskToken: string): string {
  return taskToken.length <= 16 ? '***' : `${taskToken.slice(0, 4)}...${taskToken.slice(-4)}`;
}

/** A text (an error message, a reason) with every occurrence of a task token replaced by its redacted form. */
export function redactTokenIn(text: string, taskToken: string): string {
  return text.split(taskToken).join(redactToken(taskToken));
}
