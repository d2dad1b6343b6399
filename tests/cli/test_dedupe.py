"""`leadwerk dedupe FILE`: pairs, clusters and JSON on a list with planted duplicates, and a
clear message for every way to call it wrong."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from leadwerk.demo.duplicates import FIELD_KINDS, people_with_duplicates, write_list
from tests.cli.conftest import Invoke


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_finds_exactly_the_planted_duplicates(invoke: Invoke, tmp_path: Path) -> None:
    planted = people_with_duplicates(600, 60, seed=3)
    source = write_list(tmp_path / "messe.csv", planted)
    pairs_file, clusters_file = tmp_path / "pairs.csv", tmp_path / "clusters.csv"
    result = invoke(
        "dedupe",
        str(source),
        "--id-column",
        "Kundennummer",
        "--output",
        str(pairs_file),
        "--clusters",
        str(clusters_file),
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    pairs = _read(pairs_file)
    assert list(pairs[0]) == ["left_id", "right_id", "match_probability"]
    found = {tuple(sorted((p["left_id"], p["right_id"]))) for p in pairs}
    assert found == {tuple(sorted(p)) for p in planted.duplicates}
    probabilities = [float(p["match_probability"]) for p in pairs]
    assert all(0.5 <= p <= 1 for p in probabilities)
    assert probabilities == sorted(probabilities, reverse=True)
    # every column of the list is recognised by its German header
    assert summary["fields"] == {column: kind.value for column, kind in FIELD_KINDS.items()}
    assert (summary["records"], summary["pairs"], summary["clusters"]) == (
        len(planted.rows),
        60,
        60,
    )
    assert summary["records_in_clusters"] == 120
    assert summary["model"]["converged"] is True
    assert set(summary["seconds"]) >= {"read", "prepare", "block", "compare", "estimate"}
    clusters = {row["id"]: row for row in _read(clusters_file)}
    assert len(clusters) == len(planted.rows)
    for original, duplicate in planted.duplicates:
        assert clusters[original]["cluster_id"] == clusters[duplicate]["cluster_id"]
        assert clusters[original]["cluster_size"] == "2"


def test_a_higher_threshold_keeps_fewer_pairs(invoke: Invoke, tmp_path: Path) -> None:
    source = write_list(tmp_path / "list.csv", people_with_duplicates(300, 40, seed=5))
    counts = []
    for threshold in ("0.5", "0.9999999"):
        result = invoke(
            "dedupe",
            str(source),
            "--id-column",
            "Kundennummer",
            "--output",
            str(tmp_path / f"pairs-{threshold}.csv"),
            "--threshold",
            threshold,
            "--json",
        )
        assert result.exit_code == 0, result.output
        counts.append(json.loads(result.stdout)["pairs"])
    assert counts[0] == 40
    assert counts[1] < counts[0]


def test_field_overrides_map_unknown_headers(invoke: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "odd.csv"
    source.write_text(
        "key,who,mail\n"
        "1,Anna Müller,anna@firma.de\n2,Anna Mueller,ANNA@firma.de\n3,Paul Kim,p@k.de\n",
        encoding="utf-8",
    )
    result = invoke(
        "dedupe",
        str(source),
        "--id-column",
        "key",
        "--field",
        "who=full_name",
        "--field",
        "mail=email",
        "--output",
        str(tmp_path / "pairs.csv"),
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["fields"] == {"who": "full_name", "mail": "email"}


def test_human_output(invoke: Invoke, tmp_path: Path) -> None:
    source = write_list(tmp_path / "list.csv", people_with_duplicates(200, 20, seed=9))
    result = invoke(
        "dedupe", str(source), "--id-column", "Kundennummer", "--output", str(tmp_path / "p.csv")
    )
    assert result.exit_code == 0, result.output
    assert "records, " in result.stdout
    assert "20 pairs at or above 0.5 in 20" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--id-column", "Nummer"), "the file has no column 'Nummer'"),
        (("--id-column", "id", "--field", "Wer=first_name"), "Wer: the file has no such column"),
        (("--id-column", "id", "--field", "Vorname=vorname"), "unknown kind 'vorname'"),
        (("--id-column", "id", "--field", "Vorname"), "write COLUMN=KIND"),
        (("--id-column", "id", "--threshold", "0"), "a match probability above 0"),
        (("--id-column", "id", "--threshold", "1.5"), "a match probability above 0"),
        (("--id-column", "id", "--field", "id=email"), "the id column is not compared"),
    ],
)
def test_invalid_options_are_named(
    invoke: Invoke, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    source = tmp_path / "list.csv"
    source.write_text("id;Vorname;Nachname\n1;Anna;Müller\n", encoding="utf-8")
    result = invoke("dedupe", str(source), *args, "--output", str(tmp_path / "pairs.csv"))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "pairs.csv").exists()


def test_missing_and_repeated_ids_name_their_rows(invoke: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    source.write_text(
        "id;Vorname;Nachname\n1;Anna;Müller\n;Paul;Kim\n1;Eva;Ott\n", encoding="utf-8"
    )
    result = invoke(
        "dedupe", str(source), "--id-column", "id", "--output", str(tmp_path / "pairs.csv")
    )
    assert result.exit_code == 2
    assert "row 3: no id in column 'id'" in result.stderr
    assert "row 4: id '1' is also in row 2" in result.stderr


def test_no_known_header_asks_for_field(invoke: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    source.write_text("id;x;y\n1;a;b\n", encoding="utf-8")
    result = invoke("dedupe", str(source), "--id-column", "id", "--output", str(tmp_path / "p.csv"))
    assert result.exit_code == 2
    assert "--field COLUMN=KIND" in result.stderr


def test_refuses_to_overwrite_the_input(invoke: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    original = "id;Vorname;Nachname\n1;Anna;Müller\n"
    source.write_text(original, encoding="utf-8")
    result = invoke("dedupe", str(source), "--id-column", "id", "--output", str(source))
    assert result.exit_code == 2
    assert "three different files" in result.stderr
    assert source.read_text(encoding="utf-8") == original


def test_vorname_and_name_make_name_the_surname(invoke: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    source.write_text("Nr;Vorname;Name;PLZ\n1;Anna;Müller;10115\n2;Anna;Mueller;10115\n")
    result = invoke(
        "dedupe", str(source), "--id-column", "Nr", "--output", str(tmp_path / "p.csv"), "--json"
    )
    assert result.exit_code == 0, result.output
    fields = json.loads(result.stdout)["fields"]
    assert fields == {"Vorname": "first_name", "Name": "last_name", "PLZ": "postcode"}


def test_a_file_with_one_record_gives_no_pairs(invoke: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    source.write_text("id;E-Mail\n1;anna@firma.de\n", encoding="utf-8")
    pairs = tmp_path / "p.csv"
    result = invoke("dedupe", str(source), "--id-column", "id", "--output", str(pairs), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pairs"] == 0
    assert pairs.read_text(encoding="utf-8") == "left_id,right_id,match_probability\n"
