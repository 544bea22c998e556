"""Importing the territory from Etalab's découpage administratif (shipped extract or package)."""

import gzip
import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from communes.models import Commune, Epci
from communes.services import SHIPPED_EXTRACT, territory_import

REPOSITORY = Path(__file__).resolve().parents[2]
EXTRACT_SCRIPT = REPOSITORY / "scripts" / "extract_territory.py"
LAMBALLE_TERRE_ET_MER = "200069391"

pytestmark = pytest.mark.django_db


def _commune(code, name, region, *, population=None, siren=None, postal_codes=(), kind=None):
    record = {
        "code": code,
        "nom": name,
        "type": kind or "commune-actuelle",
        "departement": code[:2],
        "region": region,
        "codesPostaux": list(postal_codes),
    }
    if population is not None:
        record["population"] = population
    if siren is not None:
        record["siren"] = siren
    return record


def _member(code, name, population):
    return {
        "code": code,
        "siren": f"21{code}00",
        "nom": name,
        "populationTotale": population + 10,
        "populationMunicipale": population,
    }


@pytest.fixture
def package_data(tmp_path):
    """A tiny copy of the package: data/communes.json, data/epci.json and package.json."""
    package = tmp_path / "package"
    data = package / "data"
    data.mkdir(parents=True)
    (package / "package.json").write_text(
        json.dumps({"name": "@etalab/decoupage-administratif", "version": "6.0.0-test"}),
        encoding="utf-8",
    )
    communes = [
        _commune(
            "22901", "Armorville", "53", population=1200, siren="212290100", postal_codes=["22400"]
        ),
        # No population in communes.json: the membership's populationMunicipale is used.
        _commune(
            "22902", "Bourg-sur-Lié", "53", siren="212290200", postal_codes=["22640", "22120"]
        ),
        _commune(
            "44901",
            "Conquereuil-Test",
            "52",
            population=800,
            siren="214490100",
            postal_codes=["44290"],
        ),
        _commune(
            "01901", "Dombes-Test", "84", population=500, siren="210190100", postal_codes=["01400"]
        ),
        # An island of region 53 in no EPCI.
        _commune(
            "29901", "Île-Test", "53", population=830, siren="212990100", postal_codes=["29242"]
        ),
        # A former commune merged into 22901: not a current commune, never imported.
        _commune("22901", "Ancienne-Armorville", "53", kind="commune-deleguee"),
    ]
    epcis = [
        {
            "code": "200000001",
            "nom": "CC Test Armor",
            "type": "CC",
            "modeFinancement": "FPU",
            "populationTotale": 2500,
            "populationMunicipale": 2450,
            "membres": [
                _member("22901", "Armorville", 1190),
                _member("22902", "Bourg-sur-Lié", 450),
                _member("44901", "Conquereuil-Test", 790),
            ],
        },
        {
            "code": "200000002",
            "nom": "CA Test Dombes",
            "type": "CA",
            "modeFinancement": "FA",
            "populationTotale": 510,
            "populationMunicipale": 500,
            "membres": [_member("01901", "Dombes-Test", 500)],
        },
    ]
    _write_data(data, communes, epcis)
    return data


def _write_data(data, communes, epcis):
    (data / "communes.json").write_text(json.dumps(communes), encoding="utf-8")
    (data / "epci.json").write_text(json.dumps(epcis), encoding="utf-8")


def _run_extract_script(*args):
    return subprocess.run(
        [sys.executable, str(EXTRACT_SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPOSITORY,
    )


def test_importing_lamballe_terre_et_mer_from_the_shipped_extract_gives_its_38_communes():
    result = territory_import(epci_sirens=[LAMBALLE_TERRE_ET_MER])

    epci = Epci.objects.get()
    assert (epci.siren, epci.name, epci.kind, epci.financing, epci.population) == (
        LAMBALLE_TERRE_ET_MER,
        "CA Lamballe Terre et Mer",
        Epci.Kind.CA,
        "FPU",
        70807,
    )
    assert epci.communes.count() == 38
    assert Commune.objects.count() == 38
    lamballe = Commune.objects.get(insee_code="22093")
    assert (lamballe.name, lamballe.siren, lamballe.population, lamballe.postal_codes) == (
        "Lamballe-Armor",
        "200084176",
        17241,
        ["22400"],
    )
    assert (lamballe.departement, lamballe.region, lamballe.epci) == ("22", "53", epci)
    erquy = Commune.objects.get(insee_code="22054")
    assert (erquy.name, erquy.population, erquy.postal_codes) == ("Erquy", 3974, ["22430"])
    pleneuf = Commune.objects.get(insee_code="22186")
    assert (pleneuf.name, pleneuf.population) == ("Pléneuf-Val-André", 3988)
    assert (result.epcis_created, result.communes_created) == (1, 38)
    assert (result.epcis_updated, result.communes_updated) == (0, 0)


def test_importing_again_updates_stale_rows_and_never_duplicates():
    territory_import(epci_sirens=[LAMBALLE_TERRE_ET_MER])
    Epci.objects.filter(siren=LAMBALLE_TERRE_ET_MER).update(name="Lamballe Communauté")
    Commune.objects.filter(insee_code="22093").update(name="Lamballe", population=12000)
    Commune.objects.filter(insee_code="22054").update(postal_codes=[])

    result = territory_import(epci_sirens=[LAMBALLE_TERRE_ET_MER])

    assert Epci.objects.count() == 1
    assert Commune.objects.count() == 38
    assert Epci.objects.get().name == "CA Lamballe Terre et Mer"
    lamballe = Commune.objects.get(insee_code="22093")
    assert (lamballe.name, lamballe.population) == ("Lamballe-Armor", 17241)
    assert Commune.objects.get(insee_code="22054").postal_codes == ["22430"]
    assert (result.epcis_created, result.epcis_updated, result.epcis_unchanged) == (0, 1, 0)
    assert (result.communes_created, result.communes_updated, result.communes_unchanged) == (
        0,
        2,
        36,
    )


def test_importing_the_whole_brittany_extract_takes_a_few_bulk_queries(
    django_assert_max_num_queries,
):
    with django_assert_max_num_queries(20):
        result = territory_import()

    assert Epci.objects.count() == 61
    # 1,199 members in Brittany, 20 members in Loire-Atlantique, 3 islands in no EPCI.
    assert Commune.objects.count() == 1222
    assert Commune.objects.filter(region="53").count() == 1202
    assert Commune.objects.exclude(region="53").filter(epci__isnull=True).count() == 0
    assert set(Commune.objects.filter(epci__isnull=True).values_list("insee_code", flat=True)) == {
        "22016",
        "29083",
        "29155",
    }  # Île-de-Bréhat, Île-de-Sein, Ouessant
    assert Commune.objects.get(insee_code="44069").epci.name.startswith(
        "CA de la Presqu'île de Guérande"
    )
    assert (result.epcis, result.communes) == (61, 1222)


def test_the_shipped_extract_records_its_source_and_licence():
    with gzip.open(SHIPPED_EXTRACT, "rt", encoding="utf-8") as file:
        extract = json.load(file)

    assert extract["source"]["package"] == "@etalab/decoupage-administratif"
    assert extract["source"]["version"] == "6.0.0"
    assert extract["source"]["licence"] == "MIT"
    assert "Licence Ouverte" in extract["source"]["data_licence"]
    assert extract["regions"] == ["53"]


def test_command_imports_an_epci_from_a_package_data_folder(package_data):
    out = StringIO()

    call_command("import_territory", "--epci", "200000001", "--source", package_data, stdout=out)

    epci = Epci.objects.get()
    assert (epci.siren, epci.name, epci.kind, epci.financing, epci.population) == (
        "200000001",
        "CC Test Armor",
        Epci.Kind.CC,
        "FPU",
        2500,
    )
    communes = {c.insee_code: c for c in Commune.objects.all()}
    assert set(communes) == {"22901", "22902", "44901"}
    # The current commune wins over the commune déléguée sharing its code.
    assert communes["22901"].name == "Armorville"
    assert communes["22901"].population == 1200
    assert communes["22902"].population == 450
    assert communes["22902"].postal_codes == ["22120", "22640"]
    assert communes["44901"].region == "52"
    assert all(commune.epci == epci for commune in communes.values())
    assert "1 EPCIs (1 created" in out.getvalue()
    assert "3 communes (3 created" in out.getvalue()
    assert "6.0.0-test" in out.getvalue()


def test_command_all_imports_every_commune_including_those_in_no_epci(package_data):
    call_command("import_territory", "--all", "--source", package_data, stdout=StringIO())

    assert set(Epci.objects.values_list("siren", flat=True)) == {"200000001", "200000002"}
    assert Commune.objects.count() == 5
    island = Commune.objects.get(insee_code="29901")
    assert (island.name, island.epci) == ("Île-Test", None)
    assert Commune.objects.get(insee_code="01901").epci.siren == "200000002"


def test_a_commune_that_changed_epci_follows_the_source_on_reimport(package_data):
    territory_import(source=package_data)
    epcis = json.loads((package_data / "epci.json").read_text(encoding="utf-8"))
    moved = epcis[0]["membres"].pop()  # 44901 leaves CC Test Armor for CA Test Dombes
    epcis[1]["membres"].append(moved)
    communes = json.loads((package_data / "communes.json").read_text(encoding="utf-8"))
    _write_data(package_data, communes, epcis)

    result = territory_import(epci_sirens=["200000001"], source=package_data)

    assert Commune.objects.get(insee_code="44901").epci.siren == "200000002"
    assert Epci.objects.get(siren="200000001").communes.count() == 2
    assert (result.communes_updated, result.communes_unchanged) == (1, 2)


def test_unknown_siren_is_a_command_error_and_nothing_is_imported():
    with pytest.raises(CommandError, match="999999999"):
        call_command("import_territory", "--epci", LAMBALLE_TERRE_ET_MER, "--epci", "999999999")

    assert not Epci.objects.exists()
    assert not Commune.objects.exists()


def test_command_refuses_to_import_without_epci_or_all():
    with pytest.raises(CommandError, match="--all"):
        call_command("import_territory")

    assert not Epci.objects.exists()


def test_missing_source_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_territory", "--all", "--source", tmp_path / "nowhere")


def test_extract_script_writes_the_region_byte_identically_on_every_run(package_data, tmp_path):
    first, second = tmp_path / "first.json.gz", tmp_path / "second.json.gz"

    run = _run_extract_script(package_data, "--region", "53", "--output", first)
    _run_extract_script(package_data, "--region", "53", "--output", second)

    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[4:8] == b"\0\0\0\0"  # gzip mtime
    assert "1 EPCIs, 4 communes" in run.stdout
    extract = json.loads(gzip.decompress(first.read_bytes()))
    assert extract["format"] == 1
    assert extract["regions"] == ["53"]
    assert extract["source"]["package"] == "@etalab/decoupage-administratif"
    assert extract["source"]["version"] == "6.0.0-test"
    assert extract["source"]["licence"] == "MIT"
    assert extract["epcis"] == [
        {
            "siren": "200000001",
            "name": "CC Test Armor",
            "kind": "CC",
            "financing": "FPU",
            "population": 2500,
        }
    ]
    assert [c["insee_code"] for c in extract["communes"]] == ["22901", "22902", "29901", "44901"]
    assert extract["communes"][1] == {
        "insee_code": "22902",
        "siren": "212290200",
        "name": "Bourg-sur-Lié",
        "population": 450,
        "postal_codes": ["22120", "22640"],
        "departement": "22",
        "region": "53",
        "epci": "200000001",
    }
    assert extract["communes"][2]["epci"] is None


def test_an_extract_imports_the_same_rows_as_the_package_folder(package_data, tmp_path):
    extract = tmp_path / "territory-53.json.gz"
    _run_extract_script(package_data, "--region", "53", "--output", extract)
    from_extract = territory_import(source=extract)

    from_folder = territory_import(epci_sirens=["200000001"], source=package_data)

    assert (from_extract.epcis_created, from_extract.communes_created) == (1, 4)
    assert (from_folder.epcis_unchanged, from_folder.communes_unchanged) == (1, 3)
    assert (from_folder.epcis_updated, from_folder.communes_updated) == (0, 0)
