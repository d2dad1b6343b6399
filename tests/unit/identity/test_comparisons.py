"""Field comparisons: each kind's levels on pairs of values, and comparing whole columns."""

from __future__ import annotations

import numpy as np
import pytest

from leadwerk.identity.comparisons import (
    COMPARISONS,
    EXACT,
    MISSING,
    Column,
    FieldKind,
    compare,
    date_digits,
)


def level(kind: FieldKind, a: str | None, b: str | None) -> str:
    column = Column.build(COMPARISONS[kind], [a, b])
    found = compare(column, np.array([0]), np.array([1]))
    return COMPARISONS[kind].labels[int(found[0])]


@pytest.mark.parametrize(
    ("kind", "a", "b", "expected"),
    [
        (FieldKind.FIRST_NAME, "Anna", "anna", "exact"),
        (FieldKind.FIRST_NAME, "Bob", "Robert", "same name (short form)"),
        (FieldKind.FIRST_NAME, "Sepp", "Josef", "same name (short form)"),
        (FieldKind.FIRST_NAME, "Jürgen", "Juergen", "exact"),  # folded alike
        (FieldKind.FIRST_NAME, "Christina", "Kristina", "same sound"),
        (FieldKind.FIRST_NAME, "Elisabeth", "Elisabetz", "very similar"),
        (FieldKind.FIRST_NAME, "Anna", "Paul", "different"),
        (FieldKind.FIRST_NAME, "Anna", None, "missing"),
        (FieldKind.FIRST_NAME, None, None, "missing"),
        (FieldKind.FIRST_NAME, "  ", "Anna", "missing"),
        (FieldKind.LAST_NAME, "Müller", "Muller", "same sound"),
        (FieldKind.LAST_NAME, "Meier", "Meyer", "same sound"),
        (FieldKind.LAST_NAME, "Schneider", "Schneiber", "very similar"),
        (FieldKind.LAST_NAME, "Schneider", "Schnieder", "same sound"),
        (FieldKind.LAST_NAME, "Schneider", "Becker", "different"),
        (FieldKind.FULL_NAME, "Anna Müller", "Müller, Anna", "same words, other order"),
        (FieldKind.FULL_NAME, "Anna Müller", "Anna Muller", "same sound"),
        (FieldKind.EMAIL, "a.nna@gmail.com", "anna@googlemail.com", "exact"),
        (FieldKind.EMAIL, "anna.mueller@firma.de", "anna.mueller@gmx.de", "different"),
        # nothing between exact and different: a mailbox name is made of the person's names,
        # so its likeness repeats the names' (b.kraemer@ and l.kraemer@ are two colleagues,
        # anna.mueller@ at two domains may be two Anna Müllers), and companies number
        # namesakes (jerome2@)
        (FieldKind.EMAIL, "b.kraemer@firma.de", "l.kraemer@firma.de", "different"),
        (FieldKind.EMAIL, "jerome@firma.ch", "jerome2@firma.ch", "different"),
        (FieldKind.EMAIL, "anna@firma.de", "paul@other.org", "different"),
        (FieldKind.PHONE, "+49 30 1234567", "030 1234567", "same number, other prefix"),
        (FieldKind.PHONE, "+49 30 1234567", "0049 (30) 123-4567", "exact"),
        (FieldKind.PHONE, "030 1234567", "030 1234568", "one typo"),
        (FieldKind.COMPANY, "Müller Bau GmbH", "Mueller Bau AG", "exact"),
        (FieldKind.COMPANY, "Müller Bau", "Müller Bau Nord", "very similar"),
        (FieldKind.HOUSE_NUMBER, "12a", "12 A", "exact"),
        (FieldKind.HOUSE_NUMBER, "12a", "12", "same number"),
        (FieldKind.POSTCODE, "10115", "10116", "one typo"),
        (FieldKind.POSTCODE, "10115", "80331", "different"),
        (FieldKind.DATE_OF_BIRTH, "1975-03-09", "9.3.1975", "exact"),
        (FieldKind.DATE_OF_BIRTH, "19750309", "19750308", "one typo"),
        (FieldKind.DATE_OF_BIRTH, "1975-03-09", "1975-09-03", "day and month swapped"),
        (FieldKind.DATE_OF_BIRTH, "19750309", "19570308", "two typos"),
        (FieldKind.DATE_OF_BIRTH, "19750309", "19751224", "same year"),
        (FieldKind.DATE_OF_BIRTH, "19750309", "19881224", "different"),
        (FieldKind.NATIONAL_ID, "1234567", "1234576", "one typo"),
        (FieldKind.NATIONAL_ID, "1234567", "1234-567", "exact"),
        (FieldKind.REGION, "NSW", "nsw", "exact"),
        (FieldKind.REGION, "NSW", "VIC", "different"),
    ],
)
def test_levels(kind: FieldKind, a: str | None, b: str | None, expected: str) -> None:
    assert level(kind, a, b) == expected
    assert level(kind, b, a) == expected  # symmetric


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("1975-03-09", "19750309"),
        ("1975-3-9", "19750309"),
        ("09.03.1975", "19750309"),
        ("9/3/1975", "19750309"),  # day first, as in Germany
        ("19750309", "19750309"),
        ("1975-03-09T00:00:00", "19750309"),
        ("19751309", "19751309"),  # an impossible month still compares
        ("n/a", None),
    ],
)
def test_date_digits(raw: str, digits: str | None) -> None:
    assert date_digits(raw) == digits


def test_every_kind_has_a_comparison_with_missing_exact_and_different() -> None:
    for kind in FieldKind:
        labels = COMPARISONS[kind].labels
        assert (labels[MISSING], labels[EXACT], labels[-1]) == ("missing", "exact", "different")
        assert COMPARISONS[kind].different == len(labels) - 1


def test_column_factorises_values_and_counts_them() -> None:
    column = Column.build(COMPARISONS[FieldKind.LAST_NAME], ["Müller", "Mueller", None, "Weiß"])
    assert column.values == ["mueller", "weiss"]
    assert column.codes.tolist() == [0, 0, -1, 1]
    assert column.counts.tolist() == [2, 1]


def test_compare_a_column_of_many_pairs_measures_each_distinct_pair_once() -> None:
    names = ["Meier", "Meyer", "Schulz", None, "Meier"]
    column = Column.build(COMPARISONS[FieldKind.LAST_NAME], names)
    left = np.array([0, 0, 1, 2, 0, 4, 1])
    right = np.array([1, 4, 0, 3, 2, 1, 4])
    labels = [COMPARISONS[FieldKind.LAST_NAME].labels[x] for x in compare(column, left, right)]
    assert labels == [
        "same sound",
        "exact",
        "same sound",
        "missing",
        "different",
        "same sound",
        "same sound",
    ]
