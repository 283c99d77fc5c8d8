import { isStorableText } from './storable-text';

/** A page form's fields, read once: a NUL character in a name or a value is refused with a 400 before any is used. */
export async function readForm(request: Request): Promise<FormData> {
  const form = await request.formData();
  for (const [name, value] of form) {
    if (!isStorableText(name) || (typeof value === 'string' && !isStorableText(value))) {
      throw new Response('The form holds text that cannot be stored: a NUL character.', { status: 400 });
    }
  }
  return form;
}
