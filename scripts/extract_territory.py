"""Write a compact extract of one or more regions from Etalab's *découpage administratif*.

The portal ships such an extract (``communes/data/territory-53.json.gz``, Brittany) so that
``manage.py import_territory --epci <SIREN>`` works without downloading anything. This script
regenerates it from the ``data/`` folder of the npm package ``@etalab/decoupage-administratif``::

    (mkdir -p /tmp/etalab && cd /tmp/etalab && npm pack @etalab/decoupage-administratif@6.0.0 \
        && tar xzf *.tgz)
    python scripts/extract_territory.py /tmp/etalab/package/data --region 53

Several regions give one file (``--region 52 --region 53`` writes ``territory-52-53.json.gz``);
``--output`` writes elsewhere. Only the standard library is used: no Django needed.

What goes in:

- every EPCI with at least one member commune in the region(s);
- every member commune of those EPCIs, even the few outside the region(s) (an EPCI is imported
  whole, so its referent sees all of its communes);
- the current communes of the region(s) that belong to no EPCI (islands such as Ouessant),
  with ``"epci": null``.

Only the fields the portal imports are kept, renamed after the model fields. A commune's
population is its municipal population from ``communes.json``, or else the
``populationMunicipale`` of its EPCI membership, or else 0. The file records the source package
(name, version, licence: read from the package's ``package.json`` next to ``data/``).

The output is deterministic (keys and lists sorted, gzip header with mtime 0 and no file name):
running the script twice on the same data gives identical bytes, so a regenerated extract only
shows up in ``git diff`` when the data changed.
"""

import argparse
import gzip
import json
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT_DIR = REPOSITORY / "communes" / "data"
FORMAT_VERSION = 1
CURRENT_COMMUNE = "commune-actuelle"
DATA_LICENCE = (
    "Licence Ouverte / Open Licence (Etalab): INSEE Code officiel géographique and "
    "populations légales, DGCL list of EPCI à fiscalité propre (formerly BANATIC), "
    "La Poste postal codes"
)


def read_package_metadata(data_dir: Path) -> dict:
    """Name, version and licence of the package whose ``data/`` folder this is."""
    package_json = data_dir.parent / "package.json"
    if not package_json.is_file():
        return {}
    package = json.loads(package_json.read_text(encoding="utf-8"))
    return {key: package[key] for key in ("name", "version", "license") if key in package}


def build_extract(communes: list[dict], epcis: list[dict], regions: list[str]) -> dict:
    """The extract of ``regions`` from the parsed ``communes.json`` and ``epci.json``."""
    current = {c["code"]: c for c in communes if c.get("type") == CURRENT_COMMUNE}
    wanted_regions = set(regions)

    def in_regions(code):
        return current.get(code, {}).get("region") in wanted_regions

    selected_epcis = [e for e in epcis if any(in_regions(m["code"]) for m in e["membres"])]

    extract_communes = {}
    for epci in selected_epcis:
        for member in epci["membres"]:
            commune = current.get(member["code"])
            if commune is None:
                raise SystemExit(
                    f"EPCI {epci['code']} lists member {member['code']}, "
                    "which is not a current commune in communes.json."
                )
            extract_communes[member["code"]] = _commune_record(commune, member, epci["code"])
    # A commune of the region missing now belongs to no EPCI: any EPCI it belonged to would
    # have a member in the region, hence be selected above.
    for code, commune in current.items():
        if commune.get("region") in wanted_regions and code not in extract_communes:
            extract_communes[code] = _commune_record(commune, None, None)

    return {
        "epcis": sorted(
            (
                {
                    "siren": e["code"],
                    "name": e["nom"],
                    "kind": e["type"],
                    "financing": e.get("modeFinancement") or "",
                    "population": e.get("populationTotale") or 0,
                }
                for e in selected_epcis
            ),
            key=lambda e: e["siren"],
        ),
        "communes": [extract_communes[code] for code in sorted(extract_communes)],
    }


def _commune_record(commune: dict, member: dict | None, epci_siren: str | None) -> dict:
    population = commune.get("population")
    if population is None and member is not None:
        population = member.get("populationMunicipale")
    return {
        "insee_code": commune["code"],
        "siren": commune.get("siren") or "",
        "name": commune["nom"],
        "population": population or 0,
        "postal_codes": sorted(commune.get("codesPostaux") or []),
        "departement": commune.get("departement") or "",
        "region": commune.get("region") or "",
        "epci": epci_siren,
    }


def dump(extract: dict) -> bytes:
    """Deterministic gzip-compressed JSON, one EPCI or commune a line (readable with zcat)."""

    def compact(value):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    lines = []
    for key in sorted(extract):
        value = extract[key]
        if isinstance(value, list) and value and isinstance(value[0], dict):
            rendered = "[\n" + ",\n".join(compact(item) for item in value) + "\n]"
        else:
            rendered = compact(value)
        lines.append(f"{compact(key)}:{rendered}")
    text = "{\n" + ",\n".join(lines) + "\n}\n"
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a compact extract of one or more regions from the data/ folder "
        "of the npm package @etalab/decoupage-administratif.",
    )
    parser.add_argument(
        "data_dir", type=Path, help="the package's data/ folder (communes.json, epci.json)"
    )
    parser.add_argument(
        "--region",
        action="append",
        required=True,
        help="INSEE region code, e.g. 53 for Brittany; repeat for several regions",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="file to write (default: communes/data/territory-<regions>.json.gz)",
    )
    parser.add_argument(
        "--package-version",
        help="version of the package, when data_dir has no package.json next to it",
    )
    args = parser.parse_args(argv)

    regions = sorted(set(args.region))
    try:
        communes = json.loads((args.data_dir / "communes.json").read_text(encoding="utf-8"))
        epcis = json.loads((args.data_dir / "epci.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        parser.error(f"{exc.filename} not found: data_dir must be the package's data/ folder")

    package = read_package_metadata(args.data_dir)
    if args.package_version:
        package["version"] = args.package_version
    if "version" not in package:
        parser.error(
            f"no package.json next to {args.data_dir}: give the package version "
            "with --package-version"
        )

    extract = build_extract(communes, epcis, regions)
    if not extract["epcis"]:
        parser.error(f"no EPCI has a member commune in region(s) {', '.join(regions)}")
    extract["format"] = FORMAT_VERSION
    extract["regions"] = regions
    extract["source"] = {
        "package": package.get("name", "@etalab/decoupage-administratif"),
        "version": package["version"],
        "licence": package.get("license", "MIT"),
        "data_licence": DATA_LICENCE,
        "url": "https://www.npmjs.com/package/@etalab/decoupage-administratif",
    }

    output = args.output or DEFAULT_OUTPUT_DIR / f"territory-{'-'.join(regions)}.json.gz"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(dump(extract))

    in_region = [c for c in extract["communes"] if c["region"] in regions]
    outside = [c for c in extract["communes"] if c["region"] not in regions]
    without_epci = [c for c in extract["communes"] if c["epci"] is None]
    print(
        f"{output}: {len(extract['epcis'])} EPCIs, {len(extract['communes'])} communes "
        f"({len(in_region)} in region(s) {', '.join(regions)}, {len(outside)} members outside, "
        f"{len(without_epci)} in no EPCI) from {extract['source']['package']} "
        f"{extract['source']['version']}"
    )
    for commune in outside:
        print(f"  outside: {commune['insee_code']} {commune['name']} (region {commune['region']})")
    for commune in without_epci:
        print(f"  no EPCI: {commune['insee_code']} {commune['name']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
