"""The access matrix: one row per URL pattern of the project, and who gets what.

Read a row as: the pattern, the objects its URL is built from (`objects=` names a list of
`tests/access/world.py`), and for each method the outcome of each role (`tests/access/
policies.py`: `P(agent=..., referent=..., staff=...)`, relative to the object's owner:
someone else's object is a 404 unless said otherwise). Unsafe methods refused to a role are
checked to change nothing in the database and to send no e-mail.

To add a page: add its row here (the matrix fails listing any pattern without one). The admin
site's rows are built from the admin registry (`tests/access/admin_table.py`).
"""

from .admin_table import admin_rows
from .matrix import Row
from .policies import DONE, LOGIN, OK, REDIRECT, P, Relayed, not_allowed

GET, POST = "GET", "POST"

# --- the rules, named ---------------------------------------------------------------------

PUBLIC = P(anonymous=OK, agent=OK, referent=OK, staff=OK)
PUBLIC_FORM = P(anonymous=DONE, agent=DONE, referent=DONE, staff=DONE)
LOGGED_IN = P(agent=OK, referent=OK, staff=OK)
# Refusals either way: the page's role check (403) or the object out of scope (404).
NO = {403, 404}
LOGGED_IN_FORM = P(agent=DONE, referent=DONE, staff=DONE)
# The referent's pages: no other role's, the syndicat mixte works in the admin site.
REFERENT = P(agent=403, referent=OK, staff=403)
REFERENT_FORM = P(agent=403, referent=DONE, staff=403)
# The commune agent's pages.
AGENT = P(agent=OK, referent=403, staff=403)
AGENT_FORM = P(agent=DONE, referent=403, staff=403)
# A request: its commune's agents, its EPCI's referent, the syndicat mixte once relayed.
REQUEST = P(agent=OK, referent=OK, staff=Relayed(OK))
# Writing in its thread: no write path on the portal for the syndicat mixte (a 404).
REQUEST_WRITE = P(agent=DONE, referent=DONE, staff=404)
# The referent's actions on a request.
REQUEST_REFERENT = P(agent=NO, other_agent=404, referent=DONE, staff=404)
# A request's file: as the request; an internal note's file, its EPCI's referent only.
_FILE = P(agent=OK, referent=OK, staff=Relayed(OK))
_NOTE_FILE = P(agent=404, referent=OK, staff=404)


def ATTACHMENT(role, obj):
    return (_NOTE_FILE if obj.label.startswith("note_") else _FILE)(role, obj)


# A signed link (RSVP, survey): its bearer, whoever they are.
BEARER = P(anonymous=OK, agent=OK, other_agent=OK, referent=OK, other_referent=OK, staff=OK)
BEARER_FORM = P(
    anonymous=DONE, agent=DONE, other_agent=DONE, referent=DONE, other_referent=DONE, staff=DONE
)


# The API: a token or a session; each reads within its scope (another EPCI's object: 404).
API = P(anonymous=401, agent=OK, referent=OK, staff=OK)
API_REFERENT = P(anonymous=401, agent=403, referent=OK, staff=OK)
SHUT = {403, 503}


def both(rule, form=None):
    """A page that answers GET with `rule` and POST (its form) with `form`."""
    return {GET: rule, POST: form or rule}


def post_only(form):
    return {GET: not_allowed(form), POST: form}


def get_only(rule):
    return {GET: rule, POST: not_allowed(rule)}


def read_only(rule):
    """An API resource: read, never written (the answer has its own action)."""
    refused = not_allowed(rule)
    return {GET: rule, POST: refused, "PUT": refused, "PATCH": refused, "DELETE": refused}


def pk(name="pk"):
    return lambda obj: {name: obj.value.pk}


def ref(obj):
    return {"reference": obj.value.reference}


def insee(obj):
    return {"insee_code": obj.value.insee_code}


ROWS = [
    # --- the dashboard, the account ------------------------------------------------------
    # Each is sent to their own home: the agent space, the dashboard, the admin site.
    Row("dashboard:home", both(P(agent=REDIRECT, referent=OK, staff=REDIRECT))),
    Row("dashboard:agent_home", both(P(agent=OK, referent=REDIRECT, staff=REDIRECT))),
    # The commune agent's e-mail choices; others are sent to their own home.
    Row(
        "dashboard:email_preferences",
        both(
            P(agent=OK, referent=REDIRECT, staff=REDIRECT),
            P(agent=DONE, referent=REDIRECT, staff=REDIRECT),
        ),
    ),
    Row("dashboard:chart_csv", both(REFERENT), kwargs=lambda obj: {"key": "demandes-mois"}),
    Row(
        "space/",
        both(P(anonymous=REDIRECT, agent=REDIRECT, referent=REDIRECT, staff=REDIRECT)),
        path=lambda world, obj: "/space/",
    ),
    Row(
        "^requests/(?P<rest>.*)$",
        both(P(anonymous=REDIRECT, agent=REDIRECT, referent=REDIRECT, staff=REDIRECT)),
        path=lambda world, obj: "/requests/",
    ),
    Row("healthz", get_only(PUBLIC)),
    # RGAA and RGPD pages: public, read-only.
    Row("legal:accessibility", get_only(PUBLIC)),
    Row("legal:notice", get_only(PUBLIC)),
    Row("legal:privacy", get_only(PUBLIC)),
    Row("set_language", both(PUBLIC_FORM)),
    # A logged-in person is sent on from the login page.
    Row(
        "accounts:login",
        both(P(anonymous=OK, agent=REDIRECT, referent=REDIRECT, staff=REDIRECT), PUBLIC_FORM),
    ),
    Row("accounts:logout", post_only(P(anonymous=LOGIN, agent=LOGIN, referent=LOGIN, staff=LOGIN))),
    Row("accounts:magic_link", both(PUBLIC, PUBLIC_FORM)),
    Row("accounts:magic_link_sent", get_only(PUBLIC)),
    # Without a token in the link: a 400 page that says so.
    Row("accounts:magic_link_login", both(PUBLIC_FORM)),
    Row("accounts:password_reset", both(PUBLIC, PUBLIC_FORM)),
    Row("accounts:password_reset_done", get_only(PUBLIC)),
    Row(
        "accounts:password_reset_confirm",
        both(PUBLIC, PUBLIC_FORM),
        kwargs=lambda obj: {"uidb64": "MQ", "token": "set-password"},
    ),
    Row("accounts:password_reset_complete", get_only(PUBLIC)),
    Row("accounts:password_change", both(LOGGED_IN, LOGGED_IN_FORM)),
    # --- communes ------------------------------------------------------------------------
    # An agent of one commune is sent to its page.
    Row("communes:list", both(P(agent={OK, REDIRECT}, referent=OK, staff=OK))),
    Row("communes:detail", both(P(agent=OK, referent=OK, staff=OK)), "commune", insee),
    Row("communes:commune_timeline", both(P(agent=OK, referent=OK, staff=OK)), "commune", insee),
    Row("communes:adoption_matrix", both(P(agent={OK, REDIRECT}, referent=OK, staff=OK))),
    # Without an EPCI chosen, the syndicat mixte is sent to the matrix to choose one.
    Row("communes:adoption_export", both(P(agent=403, referent=OK, staff=REDIRECT))),
    # No request of the world asks to join a service: a 404 for its referent too.
    Row(
        "communes:adoption_from_request",
        post_only(P(agent=404, referent=404, staff=404)),
        "request",
        ref,
    ),
    Row(
        "communes:adoption_change",
        # The syndicat mixte changes any commune's adoptions (adoption_communes_editable_by).
        both(P(agent=404, referent=OK, staff=OK), P(agent=404, referent=DONE, staff=DONE)),
        "adoption",
        lambda obj: {"insee_code": obj.value[0].insee_code, "service_code": obj.value[1].code},
    ),
    # An agent without a drive is sent to the agent space; the syndicat mixte uses the admin.
    Row("communes:drive_list", both(P(agent={OK, REDIRECT}, referent=OK, staff=403))),
    Row("communes:drive_create", both(REFERENT, REFERENT_FORM)),
    Row("communes:drive_detail", both(REFERENT), "drive", pk()),
    Row("communes:drive_open", both(REFERENT, REFERENT_FORM), "drive", pk()),
    Row("communes:drive_close", both(REFERENT, REFERENT_FORM), "drive", pk()),
    Row("communes:drive_cancel", both(REFERENT, REFERENT_FORM), "drive", pk()),
    Row(
        "communes:drive_answer",
        both(P(agent=OK, referent=OK, staff=NO), P(agent=DONE, referent=DONE, staff=NO)),
        "commitment",
        lambda obj: {"pk": obj.value[0].pk, "insee_code": obj.value[1].insee_code},
    ),
    Row("communes:network_list", both(LOGGED_IN)),
    Row("communes:network_create", both(REFERENT, REFERENT_FORM)),
    Row(
        "communes:network_detail",
        both(P(agent={OK, 404}, referent=OK, staff=OK)),
        "network",
        pk(),
    ),
    Row("communes:network_update", both(REFERENT, REFERENT_FORM), "network", pk()),
    Row(
        "communes:network_member_add",
        post_only(P(agent=NO, referent=DONE, staff=NO)),
        "network",
        pk(),
    ),
    Row(
        "communes:network_member_remove",
        post_only(P(agent=NO, referent=DONE, staff=NO)),
        "membership",
        lambda obj: {"pk": obj.value.network_id, "membership_pk": obj.value.pk},
    ),
    Row("communes:suggestion_list", both(P(agent=OK, referent=OK, staff=403))),
    Row("communes:suggestion_create", both(REFERENT, REFERENT_FORM)),
    Row("communes:suggestion_rules", both(REFERENT, REFERENT_FORM)),
    Row("communes:suggestion_propose_now", post_only(REFERENT_FORM)),
    Row(
        "communes:suggestion_answer",
        # The commune's answer: its agents' page; the referent follows it from the list.
        both(P(agent=OK, referent=404, staff=404), P(agent=DONE, referent=404, staff=404)),
        "suggestion",
        pk(),
    ),
    Row(
        "communes:suggestion_confirm",
        post_only(P(agent=NO, referent=DONE, staff=NO)),
        "suggestion",
        pk(),
    ),
    Row(
        "communes:suggestion_dismiss",
        post_only(P(agent=NO, referent=DONE, staff=NO)),
        "suggestion",
        pk(),
    ),
    Row("communes:contact_list", both(REFERENT)),
    Row("communes:contacts_export", get_only(REFERENT)),
    Row("communes:contacts_import", both(REFERENT, REFERENT_FORM)),
    Row("communes:contacts_import_preview", both(REFERENT_FORM)),
    # Without an import under way, the referent is sent back to the upload.
    Row(
        "communes:contacts_import_errors",
        get_only(P(agent=403, referent={OK, REDIRECT}, staff=403)),
    ),
    Row("communes:contact_export", get_only(REFERENT), "contact", pk()),
    Row("communes:contact_anonymise", both(REFERENT, REFERENT_FORM), "contact", pk()),
    # --- requests ------------------------------------------------------------------------
    Row("requests_relay:list", both(P(agent=OK, referent=OK, staff={OK, REDIRECT}))),
    Row("requests_relay:create", both(AGENT, AGENT_FORM)),
    Row("requests_relay:dossier_list", both(REFERENT)),
    Row("requests_relay:dossier_create", both(REFERENT_FORM)),
    Row("requests_relay:dossier_detail", both(REFERENT, REFERENT_FORM), "dossier", ref),
    Row("requests_relay:dossier_relay", both(REFERENT_FORM), "dossier", ref),
    Row("requests_relay:relay_list", both(REFERENT)),
    Row("requests_relay:relay_retry", post_only(REFERENT_FORM), "relay", pk()),
    Row("requests_relay:detail", both(REQUEST), "request", ref),
    Row("requests_relay:message_add", post_only(REQUEST_WRITE), "request", ref),
    Row("requests_relay:note_add", post_only(REQUEST_REFERENT), "request", ref),
    Row(
        "requests_relay:attachment",
        both(ATTACHMENT),
        "attachment",
        lambda obj: {"reference": obj.value.request.reference, "pk": obj.value.pk},
    ),
    Row("requests_relay:assign", post_only(REQUEST_REFERENT), "request", ref),
    Row("requests_relay:ask_information", post_only(REQUEST_REFERENT), "request", ref),
    Row("requests_relay:resolve", post_only(REQUEST_REFERENT), "request", ref),
    Row("requests_relay:relay", both(REQUEST_REFERENT), "request", ref),
    # --- meetings ------------------------------------------------------------------------
    # The meetings' pages are the referent's; invitees use their signed link.
    Row("meetings:list", both(REFERENT)),
    Row("meetings:past", both(REFERENT)),
    Row("meetings:calendar", both(REFERENT)),
    Row("meetings:create", both(REFERENT, REFERENT_FORM)),
    Row("meetings:detail", both(REFERENT), "meeting", pk()),
    Row("meetings:edit", both(REFERENT, REFERENT_FORM), "meeting", pk()),
    Row("meetings:cancel", both(REFERENT, REFERENT_FORM), "meeting", pk()),
    Row("meetings:document_add", both(REFERENT_FORM), "meeting", pk()),
    Row(
        "meetings:document",
        both(REFERENT),
        "meeting_document",
        lambda obj: {"pk": obj.value.meeting_id, "document_pk": obj.value.pk},
    ),
    Row("meetings:invitation_add", both(REFERENT, REFERENT_FORM), "meeting", pk()),
    Row(
        "meetings:invitation_resend",
        post_only(REFERENT_FORM),
        "invitation",
        lambda obj: {"pk": obj.value.meeting_id, "invitation_pk": obj.value.pk},
    ),
    Row("meetings:rsvp", both(BEARER), "rsvp", lambda obj: {"signed": obj.value}),
    Row(
        "meetings:rsvp_accept", both(BEARER, BEARER_FORM), "rsvp", lambda obj: {"signed": obj.value}
    ),
    Row(
        "meetings:rsvp_decline",
        both(BEARER, BEARER_FORM),
        "rsvp",
        lambda obj: {"signed": obj.value},
    ),
    Row(
        "meetings:rsvp_delegate",
        both(BEARER, BEARER_FORM),
        "rsvp",
        lambda obj: {"signed": obj.value},
    ),
    Row("meetings:rsvp_ics", both(BEARER), "rsvp", lambda obj: {"signed": obj.value}),
    Row(
        "meetings:rsvp_document",
        both(BEARER),
        "meeting_document",
        lambda obj: {"signed": obj.extra["signed"], "document_pk": obj.value.pk},
    ),
    Row("meetings:attendance_rates", both(REFERENT)),
    Row("meetings:attendance_rates_csv", both(REFERENT)),
    Row("meetings:checkin", both(REFERENT), "meeting", pk()),
    Row("meetings:attendance_sheet", both(REFERENT), "meeting", pk()),
    Row(
        "meetings:checkin_mark",
        both(REFERENT_FORM),
        "invitation",
        lambda obj: {"pk": obj.value.meeting_id, "invitation_pk": obj.value.pk},
    ),
    Row("meetings:checkin_walk_in", both(REFERENT_FORM), "meeting", pk()),
    Row("meetings:minutes_edit", both(REFERENT, REFERENT_FORM), "meeting", pk()),
    Row("meetings:minutes_send", both(REFERENT, REFERENT_FORM), "meeting", pk()),
    Row("meetings:follow_up_add", both(REFERENT, REFERENT_FORM), "meeting", pk()),
    Row(
        "meetings:follow_up_request",
        both(REFERENT, REFERENT_FORM),
        "follow_up",
        lambda obj: {"pk": obj.value.meeting_id, "follow_up_pk": obj.value.pk},
    ),
    Row(
        "meetings:follow_up_suggestion",
        both(REFERENT, REFERENT_FORM),
        "follow_up",
        lambda obj: {"pk": obj.value.meeting_id, "follow_up_pk": obj.value.pk},
    ),
    # --- campaigns -----------------------------------------------------------------------
    Row("campaigns:list", both(REFERENT)),
    Row("campaigns:create", both(REFERENT, REFERENT_FORM)),
    Row("campaigns:detail", both(REFERENT), "campaign", pk()),
    Row("campaigns:edit", both(REFERENT, REFERENT_FORM), "campaign", pk()),
    Row("campaigns:preview", both(REFERENT), "campaign", pk()),
    Row("campaigns:send", both(REFERENT, REFERENT_FORM), "campaign", pk()),
    Row("campaigns:export", both(REFERENT), "campaign", pk()),
    Row(
        "campaigns:document",
        both(REFERENT),
        "campaign_document",
        lambda obj: {"pk": obj.value.campaign_id, "document_pk": obj.value.pk},
    ),
    Row(
        "campaigns:resend",
        post_only(REFERENT_FORM),
        "campaign_recipient",
        lambda obj: {"pk": obj.value.campaign_id, "recipient_pk": obj.value.pk},
    ),
    # --- trainings -----------------------------------------------------------------------
    Row("trainings:catalogue", both(LOGGED_IN)),
    Row("trainings:my_trainings", both(LOGGED_IN)),
    Row("trainings:session_list", both(REFERENT)),
    Row("trainings:session_create", both(REFERENT, REFERENT_FORM)),
    Row("trainings:session_detail", both(P(agent=OK, referent=OK, staff=OK)), "session", pk()),
    Row("trainings:session_edit", both(REFERENT, REFERENT_FORM), "session", pk()),
    Row("trainings:session_open", post_only(REFERENT_FORM), "session", pk()),
    Row("trainings:session_cancel", both(REFERENT, REFERENT_FORM), "session", pk()),
    # Refused with a message (a redirect) or a 403/404; nothing changes either way.
    Row(
        "trainings:enrol_self",
        post_only(P(agent=DONE, referent={403, 404, REDIRECT}, staff={403, REDIRECT})),
        "session",
        pk(),
    ),
    Row(
        "trainings:enrol_others",
        # A commune's manager (its only agent here) enrols colleagues too.
        both(
            P(agent={OK, 403}, referent=OK, staff=403),
            P(agent={OK, REDIRECT, 400, 403}, referent=DONE, staff=403),
        ),
        "session",
        pk(),
    ),
    Row(
        "trainings:enrolment_withdraw",
        both(P(agent=OK, referent=OK, staff=NO), P(agent=DONE, referent=DONE, staff=NO)),
        "enrolment",
        pk(),
    ),
    Row("trainings:attendance", both(REFERENT), "session", pk()),
    Row("trainings:attendance_confirm", both(REFERENT, REFERENT_FORM), "session", pk()),
    Row(
        "trainings:attendance_mark",
        both(REFERENT_FORM),
        "enrolment",
        lambda obj: {"pk": obj.value.session_id, "enrolment_pk": obj.value.pk},
    ),
    Row("trainings:survey_session", both(REFERENT), "session", pk()),
    Row(
        "trainings:attestation",
        # The attendee's own (not a colleague's), the EPCI's referent's, the syndicat mixte's.
        both(P(agent=OK, other_agent=404, referent=OK, staff=OK)),
        "attestation",
        lambda obj: {"number": obj.value.number},
    ),
    Row("trainings:my_attestations", both(LOGGED_IN)),
    Row(
        "trainings:survey",
        both(BEARER, BEARER_FORM),
        "survey",
        lambda obj: {"token": obj.value},
    ),
    Row("trainings:survey_overview", both(REFERENT)),
    # No answer yet for the module: a 404 for the referent too.
    Row(
        "trainings:survey_module",
        both(P(agent=403, referent={OK, 404}, staff=403)),
        kwargs=lambda obj: {"code": "m2-actes"},
    ),
    Row("trainings:coverage", both(REFERENT)),
    Row("trainings:coverage_csv", both(REFERENT)),
    Row("trainings:demand", both(REFERENT)),
    Row(
        "trainings:demand_propose",
        both(REFERENT_FORM),
        kwargs=lambda obj: {"code": "m2-actes"},
    ),
    Row("trainings:demand_withdraw", post_only(REFERENT_FORM), "demand", pk()),
    # No request of the world asks for a training: a 404 for its referent too.
    Row(
        "trainings:demand_from_request",
        both(P(agent=403, referent=404, staff=403)),
        "request",
        ref,
    ),
    # --- the API -------------------------------------------------------------------------
    # Signed calls only; without a shared secret configured the endpoint is closed (503).
    Row("relay_inbound", post_only(P(anonymous=SHUT, agent=SHUT, referent=SHUT, staff=SHUT))),
    *(
        Row(f"api:{name}-list", read_only(API))
        for name in ("epci", "commune", "service", "adoption", "training-session")
    ),
    Row("api:dossier-list", read_only(API_REFERENT)),
    Row("api:meeting-list", read_only(API_REFERENT)),
    Row(
        "api:epci-detail",
        read_only(API),
        objects="epci",
        kwargs=lambda obj: {"siren": obj.value.siren},
    ),
    Row(
        "api:commune-detail",
        read_only(API),
        "commune",
        lambda obj: {"insee": obj.value.insee_code},
    ),
    Row(
        "api:service-detail",
        read_only(API),
        kwargs=lambda obj: {"code": "parapheur"},
    ),
    Row(
        "api:adoption-detail",
        read_only(API),
        "adoption_row",
        pk(),
    ),
    Row(
        "api:meeting-detail",
        read_only(API_REFERENT),
        "meeting",
        pk(),
    ),
    Row(
        "api:training-session-detail",
        read_only(API),
        "session",
        pk(),
    ),
    Row(
        "api:dossier-detail",
        read_only(P(anonymous=401, agent=403, referent=OK, staff=Relayed(OK))),
        "dossier",
        ref,
    ),
    Row(
        "api:dossier-answer",
        post_only(P(anonymous=401, agent=403, referent=403, staff=Relayed(400))),
        "dossier",
        ref,
    ),
    Row("api:schema", get_only(PUBLIC)),
    Row("api:docs", get_only(PUBLIC)),
    Row(
        "api/^",
        both(P(anonymous=404, agent=404, referent=404, staff=404)),
        path=lambda w, o: "/api/nowhere/",
    ),
    *admin_rows(),
]

BY_KEY = {row.key: row for row in ROWS}
assert len(BY_KEY) == len(ROWS), "two rows for one pattern"
