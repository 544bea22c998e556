"""`make bench`: speed and memory figures of the portal, printed as a table.

Runs against PostgreSQL (database `portal_bench`, dropped, created and migrated at every run
so figures compare; override with BENCH_DATABASE_URL), with a real SMTP server (aiosmtpd) and
a real webhook receiver on 127.0.0.1. Targets live here, never in timed tests.

    python bench/run.py                      # everything
    python bench/run.py outbox relay pages   # some benchmarks only

The France import needs the full data folder of `@etalab/decoupage-administratif`; it is
fetched with `npm pack` into var/etalab/ when missing (or set BENCH_ETALAB_DATA).
"""

import os
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
os.environ["DATABASE_URL"] = BENCH_DB
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
os.environ["DJANGO_SETTINGS_MODULE"] = "referent_portal.settings"
os.environ["DEBUG"] = "true"
ETALAB_VERSION = "6.0.0"


def fresh_database():
    import psycopg2
    from psycopg2 import sql

    name = BENCH_DB.rsplit("/", 1)[-1]
    admin = psycopg2.connect(BENCH_DB.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def setup_django():
    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class Table:
    HEADER = ("benchmark", "value", "unit", "conditions")

    def __init__(self):
        self.rows = []

    def add(self, name, value, unit, note=""):
        self.rows.append((name, value, unit, note))
        print(f"  {name}: {value} {unit} ({note})", flush=True)

    def print(self):
        rows = [self.HEADER, *self.rows]
        widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
        print()
        for index, row in enumerate(rows):
            print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
            if index == 0:
                print("-+-".join("-" * w for w in widths))


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def bench_epci(n_communes=158):
    """An EPCI of n communes (the largest in France has 158), a referent, agents, contacts."""
    from communes.models import Commune, Contact, Epci
    from referent_portal.accounts.models import User

    epci, _ = Epci.objects.get_or_create(
        siren=f"9{n_communes:08d}", defaults={"name": f"Bench EPCI {n_communes}", "kind": "CA"}
    )
    if epci.communes.count() < n_communes:
        communes = Commune.objects.bulk_create(
            Commune(
                insee_code=f"99{i:03d}",
                name=f"Commune {i:03d}",
                population=300 + 17 * i,
                epci=epci,
                postal_codes=["22000"],
                siren=f"21{i:07d}",
            )
            for i in range(n_communes)
        )
        for commune in communes:
            for k in range(3):
                contact = Contact.objects.create(
                    epci=epci,
                    first_name=f"Prénom{k}",
                    last_name=f"Nom{commune.insee_code}",
                    function=["maire", "secretaire", "dgs"][k],
                    email=f"c{k}.{commune.insee_code}@bench.invalid",
                )
                contact.communes.add(commune)
    referent, _created = User.objects.get_or_create(
        username=f"bench-referent-{n_communes}",
        defaults={"role": User.Role.REFERENT, "epci": epci, "email": "ref@bench.invalid"},
    )
    agent, _ = User.objects.get_or_create(
        username=f"bench-agent-{n_communes}",
        defaults={"role": User.Role.AGENT, "epci": epci, "email": "agent@bench.invalid"},
    )
    contact = Contact.objects.filter(epci=epci, function="secretaire").first()
    if contact.user_id is None:
        contact.user = agent
        contact.save()
    return epci, referent, agent


# --- benchmarks ---------------------------------------------------------------------------


def bench_territory(table):
    from bench.territory import bench_import_france

    data = Path(os.environ.get("BENCH_ETALAB_DATA", ROOT / "var/etalab/package/data"))
    if not (data / "communes.json").exists():
        target = ROOT / "var/etalab"
        target.mkdir(parents=True, exist_ok=True)
        archive = (
            subprocess.run(
                ["npm", "pack", f"@etalab/decoupage-administratif@{ETALAB_VERSION}", "--silent"],
                cwd=target,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        with tarfile.open(target / archive) as tar:
            tar.extractall(target, filter="data")
    seconds, peak, _result = bench_import_france(data)
    table.add(
        "territory: import all of France",
        f"{seconds:.1f}",
        "s",
        "1,255 EPCIs + 34,969 communes, into an empty database",
    )
    seconds, _peak, _result = bench_import_france(data)
    table.add("territory: re-import all of France", f"{seconds:.1f}", "s", "every row unchanged")
    table.add(
        "territory: import peak memory",
        f"{peak / (1024 * 1024):.0f}",
        "MiB",
        "Python allocations (tracemalloc)",
    )


def bench_outbox(table, n=300):
    from django.core.mail import mailers
    from django.db import transaction
    from django.test import override_settings

    from referent_portal.outbox.models import OutgoingEmail
    from referent_portal.outbox.services import email_deliver, email_queue
    from tests.fixtures_delivery import SmtpServer

    smtp = SmtpServer()
    smtp.start()
    _epci, _referent, agent = bench_epci()
    try:
        with (
            override_settings(MAILERS={"default": smtp.mailer_config(timeout=10)}),
            mock.patch("referent_portal.outbox.services._enqueue_after_commit"),
        ):
            assert mailers.default.port == smtp.port

            def queue():
                with transaction.atomic():
                    return [
                        email_queue(
                            to=f"agent{i}@bench.invalid",
                            template="accounts/email/magic_link",
                            context={"user": agent, "link": "http://x/", "valid_minutes": 15},
                            kind="bench",
                        ).pk
                        for i in range(n)
                    ]

            ids, seconds = timed(queue)
            table.add(
                "outbox: write messages",
                f"{n / seconds:,.0f}",
                "msg/s",
                f"{n} rendered and stored in one transaction",
            )
            _, seconds = timed(lambda: [email_deliver(email_id=i) for i in ids])
            table.add(
                "outbox: deliver to SMTP",
                f"{n / seconds:,.0f}",
                "msg/s",
                f"{len(smtp.messages)}/{n} received by aiosmtpd, one connection each",
            )
    finally:
        smtp.stop()
        OutgoingEmail.objects.filter(kind="bench").delete()


def bench_relay(table, n=200):
    from django.test import override_settings

    from requests_relay.models import Relay
    from requests_relay.services import dossier_create, dossier_relay, relay_deliver, request_submit
    from tests.requests_relay.receiver import SECRET, Receiver

    receiver = Receiver().start()
    _epci, referent, agent = bench_epci()
    commune = agent.contact.communes.get()
    try:
        with (
            override_settings(SYNDICAT_WEBHOOK_URL=receiver.url, SYNDICAT_WEBHOOK_SECRET=SECRET),
            mock.patch("requests_relay.services._enqueue_relay"),
            mock.patch("referent_portal.outbox.services._enqueue_after_commit"),
        ):

            def submit():
                return [
                    request_submit(
                        user=agent,
                        commune=commune,
                        category="usage",
                        subject=f"Bench {i}",
                        description="Mesure du débit.",
                    )
                    for i in range(n)
                ]

            requests, seconds = timed(submit)
            table.add(
                "requests: submit",
                f"{n / seconds:,.0f}",
                "req/s",
                "reference, row, acknowledgement and referent e-mails",
            )
            relay_ids = []
            for request in requests:
                dossier = dossier_create(requests=[request], by=referent, title="b", summary="b")
                dossier_relay(dossier=dossier, by=referent)
                relay_ids.append(dossier.relays.get().pk)
            _, seconds = timed(lambda: [relay_deliver(relay_id=i) for i in relay_ids])
            delivered = Relay.objects.filter(pk__in=relay_ids, state="delivered").count()
            table.add(
                "relay: deliver signed webhooks",
                f"{n / seconds:,.0f}",
                "relay/s",
                f"{delivered}/{n} delivered, {len(receiver.delivered)} distinct ids received",
            )
    finally:
        receiver.stop()


def bench_pages(table, repeat=30):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.history import build_history
    from meetings.models import Meeting

    epci, referent, _agent = bench_epci()
    history = build_history(epci, referent)
    table.add(
        "history of the bench EPCI",
        f"{history['requests']:,}",
        "requests",
        f"{history['meetings']} meetings, {history['invitations']:,} invitations, "
        f"{history['enrolments']:,} enrolments",
    )
    upcoming = Meeting.objects.get(epci=epci, title__startswith="Réunion à venir")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(referent)
    first_code = epci.communes.order_by("insee_code").first().insee_code
    for name, url in [
        ("page: communes list (158 communes)", reverse("communes:list")),
        (
            "page: commune detail",
            reverse("communes:detail", args=[epci.communes.first().insee_code]),
        ),
        ("page: referent requests inbox", reverse("requests_relay:list")),
        ("page: adoption matrix (158 communes × 7)", reverse("communes:adoption_matrix")),
        ("page: commune timeline", reverse("communes:commune_timeline", args=[first_code])),
        ("page: referent dashboard (3 years of history)", reverse("dashboard:home")),
        ("page: meetings to come", reverse("meetings:list")),
        ("page: meeting with 300 invitees", reverse("meetings:detail", args=[upcoming.pk])),
        ("page: attendance rates (158 communes)", reverse("meetings:attendance_rates")),
        ("page: training coverage (158 × 4)", reverse("trainings:coverage")),
    ]:
        client.get(url)  # warm up
        durations = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                _, seconds = timed(lambda url=url: client.get(url))
            durations.append(seconds * 1000)
        p95 = sorted(durations)[int(0.95 * len(durations)) - 1]
        table.add(
            name,
            f"{statistics.median(durations):.1f}",
            "ms median",
            f"p95 {p95:.1f} ms, {len(queries)} SQL queries, {repeat} runs",
        )


def bench_campaign(table, n=3000):
    """A campaign to every contact of the bench EPCI: the web request (freeze the audience),
    then the outbox rows written by the batches, as the Celery task does."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from communes.models import Contact
    from meetings.campaigns.services import campaign_send, campaign_send_batch
    from meetings.models import Campaign
    from referent_portal.outbox.models import OutgoingEmail

    epci, referent, _agent = bench_epci()
    missing = n - Contact.objects.filter(epci=epci).count()
    Contact.objects.bulk_create(
        Contact(
            epci=epci,
            first_name="Agent",
            last_name=f"N{i}",
            function="agent",
            email=f"extra{i}@bench.invalid",
        )
        for i in range(max(missing, 0))
    )
    campaign = Campaign.objects.create(
        epci=epci,
        subject="Campagne de bench",
        body="Texte.",
        created_by=referent,
        functions=[code for code, _label in Contact.Function.choices],
    )
    with (
        mock.patch("meetings.campaigns.services._enqueue_batch"),
        mock.patch("referent_portal.outbox.services._enqueue_after_commit"),
        CaptureQueriesContext(connection) as queries,
    ):
        recipients, seconds = timed(lambda: campaign_send(campaign=campaign, by=referent))
    table.add(
        "campaign: send (web request)",
        f"{seconds * 1000:,.0f}",
        "ms",
        f"{recipients:,} recipients frozen, {len(queries)} SQL queries, no e-mail written",
    )
    with mock.patch("referent_portal.outbox.services._enqueue_after_commit"):

        def batches():
            while campaign_send_batch(campaign_id=campaign.pk):
                pass

        _, seconds = timed(batches)
    written = OutgoingEmail.objects.filter(kind="campaigns.message").count()
    table.add(
        "campaign: e-mails written by the batches",
        f"{written / seconds:,.0f}",
        "msg/s",
        f"{written:,} e-mails, batches of 200, one transaction each",
    )


BENCHES = {
    "territory": bench_territory,
    "outbox": bench_outbox,
    "relay": bench_relay,
    "pages": bench_pages,
    "campaign": bench_campaign,
}


def main(names):
    unknown = set(names) - set(BENCHES)
    if unknown:
        sys.exit(f"Unknown benchmark(s) {sorted(unknown)}; choose from {list(BENCHES)}")
    setup_django()
    table = Table()
    for name in names or BENCHES:
        print(f"{name}…", flush=True)
        BENCHES[name](table)
    table.print()


if __name__ == "__main__":
    main(sys.argv[1:])
