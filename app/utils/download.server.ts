/** The content types of the files Stocktake sends, by extension. */
const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/** A file to download: its type from the name's extension, saved under that name, never cached (it holds answers). */
export function download(body: BodyInit, fileName: string): Response {
  const extension = fileName.split('.').pop() as keyof typeof CONTENT_TYPES;
  return new Response(body, {
    headers: {
      'Content-Type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${fileName}"`,
      'Cache-Control': 'no-store',
    },
  });
}
