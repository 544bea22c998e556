"""Real delivery peers for tests: a Celery worker on Redis and an SMTP server.

Loaded for the whole suite from tests/conftest.py (pytest_plugins). What it offers:

``smtp_server`` (function scope)
    A real aiosmtpd server on 127.0.0.1 and a free port; ``settings.MAILERS["default"]`` points
    at it (SMTP backend, 5 s timeout) for the test, for the in-thread worker too.
    ``smtp_server.wait_for(n, timeout=10)`` returns the first n ``ReceivedMessage``s (parsed
    message + envelope) or fails; ``expect_exactly(n)`` also checks that no extra copy comes.
    ``stop()`` / ``start()`` simulate an outage on the same port; ``data_reply`` /
    ``rcpt_reply`` make it answer e.g. "451 4.3.0 Try later" or "550 5.1.1 Unknown user";
    ``with smtp_server.stalled():`` holds every conversation at RCPT TO (``wait_until_stalled()``)
    to catch a sender in mid-delivery.

``celery_worker`` (function scope over one in-thread worker for the session)
    A real Celery worker (pool solo) consuming the queues default, mail and relay from the
    test Redis database, which is flushed once when the worker starts. It brings
    ``transactional_db`` along: the worker thread only sees committed rows.

``celery_worker_process`` (function scope)
    A factory: ``celery_worker_process("relay-kill", smtp_server=smtp_server)`` starts
    ``python -m celery -A referent_portal worker -P solo -Q relay-kill`` against the test
    database and Redis, waits until it is ready and returns a ``WorkerProcess`` (``.pid``,
    ``.kill()``, ``.stop()``, ``.log()``). Give it a queue of its own and publish to it with
    ``task.apply_async(..., queue=...)``: the in-thread worker consumes default, mail and relay.
    Every process still running is stopped after the test. The process reads its mailer from
    EMAIL_HOST/EMAIL_PORT (settings.py), not from this test's settings or monkeypatches. A task
    it was running when killed stays unacknowledged in Redis for the visibility timeout (an
    hour): the outbox sweepers are what recover the row.

``wait_until(predicate, timeout=10)``
    Polls until the predicate is truthy (and returns its value), e.g.
    ``wait_until(lambda: OutgoingEmail.objects.filter(pk=pk, status="sent").exists())``.

``broker_outage()``
    A context manager (not a fixture): while inside, the portal's producers point at a port
    where nothing listens, so publishing a task fails as when Redis is down.

None of these skip: without Redis or a free port the test errors.
"""

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connections

WORKER_QUEUES = ("default", "mail", "relay")
# aiosmtpd logs every SMTP command at INFO: keep test output about the test.
logging.getLogger("mail.log").setLevel(logging.WARNING)
BASE_DIR = Path(__file__).resolve().parent.parent


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05):
    """Poll `predicate` until it returns something truthy (returned); fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Still false after {timeout} s: {predicate}")
        time.sleep(interval)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# SMTP ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMessage:
    """One message as the SMTP server got it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""

    @property
    def attachments(self) -> list[EmailMessage]:
        return list(self.message.iter_attachments())


class _Handler:
    """aiosmtpd handler: accepts, refuses or holds conversations as the test asks."""

    def __init__(self, server: "SmtpServer"):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self.server._hold_if_stalled()
        if self.server.rcpt_reply:
            return self.server.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.server.data_reply:
            return self.server.data_reply
        self.server._receive(envelope)
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server in a thread, collecting what it receives."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None):
        self.host = host
        self.port = port or free_port(host)
        self.data_reply: str | None = None  # e.g. "451 4.3.0 Try again later"
        self.rcpt_reply: str | None = None  # e.g. "550 5.1.1 No such user"
        self._received: list[ReceivedMessage] = []
        self._changed = threading.Condition()
        self._controller: Controller | None = None
        self._stall = threading.Event()
        self._stalled = threading.Event()

    # Lifecycle

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="smtp.test.invalid",  # no slow getfqdn()
            ready_timeout=5,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Close the server: connections to its port are refused until start()."""
        if self._controller is None:
            return
        self._stall.clear()
        self._controller.stop()
        self._controller = None

    def mailer_config(self, timeout: float = 5) -> dict:
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": self.host, "port": self.port, "timeout": timeout},
        }

    # What arrived

    def _receive(self, envelope) -> None:
        raw = envelope.original_content or envelope.content
        message = BytesParser(policy=policy.default).parsebytes(raw)
        received = ReceivedMessage(
            mail_from=envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos),
            message=message,
            raw=raw,
        )
        with self._changed:
            self._received.append(received)
            self._changed.notify_all()

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._changed:
            return list(self._received)

    def clear(self) -> None:
        with self._changed:
            self._received.clear()

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[ReceivedMessage]:
        """The first `count` messages, once they are there; fails after `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._received) >= count, timeout):
                raise AssertionError(
                    f"SMTP server {self.host}:{self.port} received {len(self._received)} "
                    f"message(s) within {timeout} s, expected {count}."
                )
            return list(self._received[:count])

    def expect_exactly(
        self, count: int = 1, timeout: float = 10.0, settle: float = 1.0
    ) -> list[ReceivedMessage]:
        """Wait for `count` messages, then check for `settle` seconds that no other comes."""
        messages = self.wait_for(count, timeout)
        with self._changed:
            self._changed.wait_for(lambda: len(self._received) > count, settle)
            extra = len(self._received) - count
        assert extra == 0, f"{extra} message(s) more than the {count} expected arrived."
        return messages

    # Holding a sender in mid-delivery

    @contextmanager
    def stalled(self) -> Iterator["SmtpServer"]:
        """Hold every SMTP conversation at RCPT TO until the block ends."""
        self._stalled.clear()
        self._stall.set()
        try:
            yield self
        finally:
            self._stall.clear()

    def wait_until_stalled(self, timeout: float = 10.0) -> None:
        if not self._stalled.wait(timeout):
            raise AssertionError(f"No SMTP client reached RCPT TO within {timeout} s.")

    async def _hold_if_stalled(self) -> None:
        if not self._stall.is_set():
            return
        self._stalled.set()
        while self._stall.is_set():
            await asyncio.sleep(0.05)


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpServer]:
    """A real SMTP server; Django's default mailer sends to it for this test.

    The test runner swapped every mailer to locmem: set MAILERS back to SMTP. Django's
    `mailers` handler builds a backend from settings.MAILERS on every access (no cache), so the
    change reaches the in-thread Celery worker at once; pytest-django restores it afterwards.
    """
    server = SmtpServer()
    server.start()
    settings.MAILERS = {"default": server.mailer_config()}
    try:
        yield server
    finally:
        server.stop()


# Celery worker in a thread -------------------------------------------------------------------


def _close_worker_thread_connections(**kwargs) -> None:
    # The worker thread keeps its own database connection; close it after every task so
    # that no connection outlives a test (flush) or the session (DROP DATABASE).
    if threading.current_thread() is not threading.main_thread():
        connections.close_all()


@pytest.fixture(scope="session")
def _celery_worker_session(django_db_setup, django_db_blocker):
    import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping for start_worker)
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from referent_portal.celery import app

    # The worker's start-up checks read each database's features; SQLite's (the tests' second
    # alias, tests/sqlite.py) asks its connection whether it supports JSON: answer it here.
    with django_db_blocker.unblock():
        for connection in connections.all():
            assert connection.features.supports_json_field

    # Fails (ConnectionError) rather than skips when Redis is not there.
    redis.Redis.from_url(app.conf.broker_url, socket_timeout=5).flushdb()
    task_postrun.connect(_close_worker_thread_connections, weak=False)
    try:
        with start_worker(
            app,
            pool="solo",
            concurrency=1,
            queues=list(WORKER_QUEUES),
            # The ping check needs a result backend; the portal has none (ignore_result).
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=30,
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_worker_thread_connections)


@pytest.fixture
def celery_worker(_celery_worker_session, transactional_db):
    """A real Celery worker on Redis (queues default, mail, relay), for this test."""
    return _celery_worker_session


# Celery worker in a subprocess ---------------------------------------------------------------


class WorkerProcess:
    """`python -m celery -A referent_portal worker -P solo -Q <queue>`, ended by its PID."""

    def __init__(self, queue: str, env: dict[str, str], log_path: Path):
        self.queue = queue
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def start(self, timeout: float = 30.0) -> "WorkerProcess":
        name = f"{self.queue}-{uuid.uuid4().hex[:8]}@%h"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "referent_portal",
            "worker",
            "-P",
            "solo",
            "-Q",
            self.queue,
            "-n",
            name,
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return self
            if self.process.poll() is not None:
                raise AssertionError(f"Celery worker exited early:\n{self.log()}")
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"Celery worker not ready within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` (SIGKILL: no warm shutdown, no ack) and wait for the process to end."""
        if self.alive:
            os.kill(self.pid, sig)
            self.process.wait(timeout=15)

    def stop(self) -> None:
        if not self.alive:
            return
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


def worker_process_env(smtp_server: SmtpServer | None = None, **extra: str) -> dict[str, str]:
    """The environment of a subprocess worker: this test's database, Redis and SMTP server."""
    db = connections["default"].settings_dict  # NAME is the test database's by now
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    database_url = (
        f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_TIMEOUT", "CELERY_BROKER_WRITE_URL"):
        env.pop(name, None)
    if smtp_server is not None:
        env |= {
            "EMAIL_HOST": smtp_server.host,
            "EMAIL_PORT": str(smtp_server.port),
            "EMAIL_TIMEOUT": "5",
        }
    return env | extra


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """Factory of subprocess workers on a queue of their own; all stopped after the test."""
    started: list[WorkerProcess] = []

    def start(
        queue: str, *, smtp_server: SmtpServer | None = None, env: dict | None = None
    ) -> WorkerProcess:
        worker = WorkerProcess(
            queue,
            worker_process_env(smtp_server, **(env or {})),
            tmp_path / f"worker-{queue}-{len(started)}.log",
        )
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


# Broker outage -------------------------------------------------------------------------------


@contextmanager
def broker_outage() -> Iterator[str]:
    """Make publishing fail as when Redis is down; the in-thread worker's consumer is untouched.

    Yields the unreachable URL the producers now use.
    """
    from referent_portal.celery import app

    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    saved = app.conf.get("broker_write_url")

    def reset_pools():
        # Producer and connection pools are built lazily from broker_write_url.
        app.amqp._producer_pool = None
        app._pool = None

    app.conf["broker_write_url"] = nowhere
    reset_pools()
    try:
        yield nowhere
    finally:
        app.conf["broker_write_url"] = saved
        reset_pools()
