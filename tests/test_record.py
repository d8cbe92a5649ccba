import pytest

from herts_scraper.record import (
    Article,
    RecordError,
    parse_record,
    record_date,
    record_name,
    redumps_identically,
    render_record,
)
from tests.conftest import shared_path


@pytest.mark.slow  # the whole corpus
def test_every_corpus_record_and_seed_004_redumps_byte_identically():
    corpus = shared_path("corpus")
    files = sorted(corpus.glob("*/*.md")) + [shared_path("seeds", "004_ee92c0a2811ca956.txt")]
    assert len(files) > 1500
    for f in files:
        assert redumps_identically(f.read_text(encoding="utf-8")), f


def test_seed_004_file_name_is_the_sha1_of_its_url():
    meta, _ = parse_record(shared_path("seeds", "004_ee92c0a2811ca956.txt").read_text(encoding="utf-8"))
    assert record_name(meta["url"]) == "ab512f179f27756209c01e285911424965be2df5.md"


def test_record_dates():
    assert record_date("2021-03-04") == "4 Mar 2021"
    assert record_date("2024-08-20T09:45:00+01:00") == "20 Aug 2024"
    assert record_date(None) is None


def test_missing_values_are_left_out_and_non_ascii_escaped():
    a = Article(url="https://www.herts.police.uk/x", area="Hertfordshire", title="Fraud costs \u00a370,000",
                body="Text.\n")
    text = a.to_record()
    assert text == ('```yaml\narea: Hertfordshire\ntitle: "Fraud costs \\xA370,000"\n'
                    'url: https://www.herts.police.uk/x\n```\n\nText.\n')
    assert parse_record(text) == ({"area": "Hertfordshire", "title": "Fraud costs \u00a370,000",
                                   "url": "https://www.herts.police.uk/x"}, "Text.\n")
    assert redumps_identically(text)


def test_malformed_records_raise_record_error():
    for bad in ("", "no fence", "```yaml\narea: x\n", "```yaml\n- a list\n```\n\nbody"):
        with pytest.raises(RecordError):
            parse_record(bad)


def test_content_hash_ignores_nothing_a_reader_sees():
    a = Article(url="u", area="A", title="T", body="x\n")
    b = Article(url="u", area="A", title="T", body="y\n")
    assert a.content_hash() != b.content_hash()
    assert a.content_hash() == Article(url="u", area="A", title="T", body="x\n", found_by={"t": "og"}).content_hash()
    assert render_record(a.meta(), "") .endswith("```\n\n")
