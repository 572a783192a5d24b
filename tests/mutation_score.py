"""The score of the last ``make mutation`` run, per mutated module, as a table.

Reads the verdicts mutmut wrote beside each mutated file (``mutants/*.py.meta``).
The score is the share of tested mutants (those with at least one test) that a
test killed or that ran past their time limit.
"""

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

COLUMNS = ("killed", "survived", "timeout", "no tests")


def verdicts(meta):
    codes = json.loads(meta.read_text())["exit_code_by_key"].values()
    return Counter(status_by_exit_code[code] for code in codes)


def score(counts):
    caught = counts["killed"] + counts["timeout"]
    tested = caught + counts["survived"]
    return f"{100 * caught / tested:.1f} %" if tested else "—"


def rows(root):
    total = Counter()
    for meta in sorted(root.rglob("*.py.meta")):
        counts = verdicts(meta)
        if not counts:
            continue
        total += counts
        yield str(meta.relative_to(root)).removesuffix(".meta"), counts
    yield "all", total


def main(root=Path("mutants")):
    if not root.is_dir():
        sys.exit("No mutants/ folder: run `make mutation` first.")
    print("| module | " + " | ".join(COLUMNS) + " | other | score |")
    print("|---" * (len(COLUMNS) + 3) + "|")
    for name, counts in rows(root):
        other = counts.total() - sum(counts[column] for column in COLUMNS)
        cells = [str(counts[column]) for column in COLUMNS]
        print(f"| {name} | " + " | ".join(cells) + f" | {other} | {score(counts)} |")


if __name__ == "__main__":
    main()
