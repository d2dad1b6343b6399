"""Benchmark: deduplicating a large list of leads in memory, against exact-email grouping.

The list: `--records` people from the demo generator (names, business or private email,
phone, company, country in the DACH-heavy demo mix) plus 5 % of them again with what goes wrong
in real lists (`leadwerk.demo.duplicates`: another spelling, a surname typo, the phone typed
nationally, a private address instead of the business one, no address). The planted pairs are
the truth. The demo's name pools are small, so namesakes are far more common than in a real
list of that size: a hard case for blocking and for the model.

Measured: `identity.linkage.link` from the columns in memory to every candidate pair scored
(blocking, comparisons, u, EM, scores) plus the clusters, as `leadwerk dedupe` and the
whole-database duplicate search run it. Baseline in the same run: grouping by canonical email,
the exact match intake relied on before issue 4 (time, and how many planted pairs it finds).
Reported: recall of the planted pairs at probability ≥ 0.5, and the other pairs found, which
are mostly generator artefacts (two demo people given one private address, namesakes at one
company) and so an upper bound on false positives.

    .venv/bin/python bench/identity_bulk.py                    # 1,000,000 people
    .venv/bin/python bench/identity_bulk.py --quick            # 20,000 people

Benchmarks are not tests: nothing is asserted here.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import defaultdict
from typing import Any

import numpy as np

from _common import emit, machine, progress
from leadwerk.demo.duplicates import columns, people_with_duplicates
from leadwerk.identity import linkage
from leadwerk.identity.comparisons import FieldKind
from leadwerk.identity.rules import canonical_email

QUICK_RECORDS = 20_000


def exact_email_pairs(ids: list[str], emails: list[str | None]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for record_id, email in zip(ids, emails, strict=True):
        key = canonical_email(email)
        if key is not None:
            groups[key].append(record_id)
    return {
        tuple(sorted((a, b)))  # type: ignore[misc]
        for members in groups.values()
        for n, a in enumerate(members)
        for b in members[n + 1 :]
    }


def run(records: int) -> dict[str, Any]:
    progress(f"generating {records:,} people with 5 % planted duplicates")
    started = time.perf_counter()
    planted = people_with_duplicates(records, records // 20, seed=1, distinct_names=False)
    generate_seconds = time.perf_counter() - started
    ids = [row[0] for row in planted.rows]
    values = columns(planted.rows)
    truth = {tuple(sorted(pair)) for pair in planted.duplicates}

    progress("linking")
    started = time.perf_counter()
    result = linkage.link(values)
    chosen = result.above(linkage.DEFAULT_THRESHOLD)
    clusters = linkage.clusters(len(ids), result.left[chosen], result.right[chosen])
    seconds = time.perf_counter() - started
    found = {tuple(sorted((ids[result.left[p]], ids[result.right[p]]))) for p in chosen.tolist()}

    progress("baseline: exact email")
    started = time.perf_counter()
    baseline_pairs = exact_email_pairs(ids, values[FieldKind.EMAIL])
    baseline_seconds = time.perf_counter() - started
    sizes = np.bincount(clusters)
    return {
        "benchmark": "identity_bulk",
        "records": len(ids),
        "planted_pairs": len(truth),
        "generate_seconds": round(generate_seconds, 1),
        "leadwerk": {
            "seconds": round(seconds, 1),
            "steps": {k: round(v, 1) for k, v in result.seconds.items()},
            "candidate_pairs": len(result.left),
            "pairs": len(found),
            "planted_found": len(found & truth),
            "recall": round(len(found & truth) / len(truth), 4),
            "other_pairs": len(found - truth),
            "clusters": int((sizes > 1).sum()),
            "records_in_blocks_over_budget": result.blocking.skipped,
            "prior": result.model.prior,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        },
        "baseline": {
            "method": "pairs sharing a canonical email (the exact match intake used before)",
            "seconds": round(baseline_seconds, 2),
            "pairs": len(baseline_pairs),
            "planted_found": len(baseline_pairs & truth),
            "recall": round(len(baseline_pairs & truth) / len(truth), 4),
        },
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="People in the list.")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RECORDS:,} people.")
    args = parser.parse_args()
    result = run(QUICK_RECORDS if args.quick else args.records)
    result["quick"] = args.quick
    emit(result)


if __name__ == "__main__":
    main()
