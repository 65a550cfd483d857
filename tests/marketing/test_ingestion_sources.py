"""Reading import files: the CSV fast path gives exactly what the csv module gives (property test)."""

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from marketing.ingestion.sources import Source

# Fields made of the characters that matter to CSV: delimiters, quotes, line breaks, blanks, NUL-free.
FIELD = st.text(alphabet=st.sampled_from(list('ab ,\t"\r\n;x中')), max_size=6)


def _expected(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [(reader.line_num, values) for values in reader]


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(FIELD, min_size=1, max_size=4), max_size=6), delimiter=st.sampled_from([",", "\t"]),
       quote_all=st.booleans(), ending=st.sampled_from(["\n", "\r\n", "\r"]), blank_lines=st.booleans())
def test_csv_records_match_the_csv_module(tmp_path_factory, rows, delimiter, quote_all, ending, blank_lines):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=ending,
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow(row)
        if blank_lines:
            out.write(ending)
    text = out.getvalue()
    path = tmp_path_factory.mktemp("csv") / "in.csv"
    path.write_bytes(text.encode())
    with Source(path, delimiter=delimiter, fieldnames=["x"]) as source:
        assert list(source._csv_records()) == _expected(text, delimiter)


def test_unquoted_lines_with_stray_quotes_and_empty_fields(tmp_path):
    text = 'a,b\n,,\nx"y,z\n\n"multi\nline",2\nlast'
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    with Source(path, fieldnames=["x"]) as source:
        assert list(source._csv_records()) == _expected(text, ",")
