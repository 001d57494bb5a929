// A streaming reader of CSV/TSV records as qrun and GNU parallel write --results tables: fields
// quoted with " when they hold the separator, a quote or white space (newlines included).

/** Only the first columns matter to a report: the rest (a job's whole output) is skipped as read. */
const keptFields = 9;

/** A reader fed text chunk by chunk. */
export interface DelimitedReader {
  /** The records completed by this chunk. */
  readonly feed: (text: string) => string[][];
  /** The last record, if the text did not end with a newline. */
  readonly end: () => string[][];
}

/** A reader of records separated by `separator` (',' or a tab). */
export function delimitedRecords(separator: string): DelimitedReader {
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  /** A quote inside a quoted field: the end of the quotes, or the first of a doubled pair. */
  let quoteSeen = false;
  const endField = (): void => {
    if (fields.length < keptFields) fields.push(field);
    field = '';
  };
  const feed = (text: string): string[][] => {
    const records: string[][] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      if (quoted) {
        if (quoteSeen) {
          quoteSeen = false;
          if (c === '"') {
            if (fields.length < keptFields) field += '"';
            continue;
          }
          quoted = false;
        } else if (c === '"') {
          quoteSeen = true;
          continue;
        } else {
          if (fields.length < keptFields) field += c;
          continue;
        }
      }
      if (c === '"' && field === '') quoted = true;
      else if (c === separator) endField();
      else if (c === '\n') {
        endField();
        records.push(fields);
        fields = [];
      } else if (c !== '\r' && fields.length < keptFields) field += c;
    }
    return records;
  };
  return { feed, end: () => (fields.length > 0 || field !== '' || quoted ? feed('\n') : []) };
}
