const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether PostgreSQL can store the text: it holds neither a NUL character nor half of a surrogate pair (JSON can
 * escape both, a form can carry a NUL). Text that fails is refused at the edge as a 400, never left to fail in the
 * database as a 500.
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\0') && !LONE_SURROGATE.test(text);
}
