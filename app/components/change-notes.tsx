/** A version's change notes as meta.json has them: paragraphs, then "- " lines as a list. */
export function ChangeNotes({ text }: { text: string }) {
  const lines = text.split('\n').filter((line) => line.trim());
  const paragraphs = lines.filter((line) => !line.startsWith('- '));
  const points = lines.filter((line) => line.startsWith('- '));
  return (
    <div className="change-notes">
      {paragraphs.map((line, i) => (
        <p key={i}>{line}</p>
      ))}
      {points.length ? (
        <ul>
          {points.map((line, i) => (
            <li key={i}>{line.slice(2)}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
