// Finds a NUL character in request input before it is validated: PostgreSQL cannot store one in text or
// jsonb while SQLite can, so without this the same request answered 201 on one adapter and 500 on the other.
//
// Iterative (an explicit stack), so a deeply nested JSON body cannot overflow the call stack.

/** The path of the first string or object key holding U+0000 in `value`, or null when there is none. */
export function nulTextPath(value: unknown): string | null {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value: item, path } = next;
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return path;
    } else if (Array.isArray(item)) {
      item.forEach((element, index) => stack.push({ value: element, path: `${path}.${index}` }));
    } else if (item !== null && typeof item === 'object') {
      for (const [key, field] of Object.entries(item)) {
        if (key.includes('\u0000')) return path;
        stack.push({ value: field, path: `${path}.${JSON.stringify(key)}` });
      }
    }
  }
  return null;
}
