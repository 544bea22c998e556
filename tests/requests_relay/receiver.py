"""A real HTTP receiver on 127.0.0.1 standing in for the syndicat mixte's webhook endpoint.

It checks the Standard Webhooks signature of every call and honours the webhook id as an
idempotency key, as a well-behaved receiver does: it counts every call and every distinct
delivery, and can be told how to answer (status codes in turn, or a failure ratio).
"""

import contextlib
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRET = "whsec_" + "c2VjcmV0LWR1LXN5bmRpY2F0LW1peHRlLXBvdXItbGVzLXRlc3Rz"


class Receiver:
    def __init__(self, secret: str = SECRET):
        self.webhook = Webhook(secret)
        self.lock = threading.Lock()
        self.calls = Counter()  # webhook id -> number of calls
        self.delivered = {}  # webhook id -> payload, first accepted call only
        self.bad_signatures = 0
        self.answers = []  # status codes to answer in turn; then `default`
        self.default = 200
        self.location = None
        self.answer_after = 0.0  # seconds to hold the answer once the call is recorded
        self.received = threading.Event()  # set at every recorded call
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/portail"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _next_status(self):
        with self.lock:
            return self.answers.pop(0) if self.answers else self.default

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    payload = receiver.webhook.verify(body, dict(self.headers))
                except (WebhookVerificationError, ValueError):
                    with receiver.lock:
                        receiver.bad_signatures += 1
                    self._answer(401)
                    return
                webhook_id = self.headers["webhook-id"]
                status = receiver._next_status()
                with receiver.lock:
                    receiver.calls[webhook_id] += 1
                    if 200 <= status < 300:
                        receiver.delivered.setdefault(webhook_id, payload)
                receiver.received.set()
                if receiver.answer_after:
                    time.sleep(receiver.answer_after)
                # The caller may have gone away (a killed worker): the call still counted.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer(status)

            def _answer(self, status):
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.location or receiver.url + "/moved")
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"status": status}).encode())

        return Handler
