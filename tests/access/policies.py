"""Who gets what, as reusable rules of the table (`P`), relative to the object's owner.

An agent « owns » an object of their commune (or, for an object of a whole EPCI, of their
commune's EPCI); a referent owns the objects of their EPCI. Without an object everybody owns.
"""

from dataclasses import dataclass

from .matrix import ADMIN_LOGIN, DONE, LOGIN, OK, REDIRECT, REFUSED
from .world import Obj, Role

__all__ = [
    "ADMIN_LOGIN",
    "DONE",
    "LOGIN",
    "OK",
    "REDIRECT",
    "P",
    "Relayed",
    "not_allowed",
]


@dataclass(frozen=True)
class Relayed:
    """One outcome for what was relayed to the syndicat mixte, another for the rest."""

    yes: object
    no: object = 404


def owns(role: Role, obj: Obj | None) -> bool:
    if obj is None:
        return True
    if role.commune:  # an agent
        return role.commune == obj.commune if obj.commune else role.epci == obj.epci
    return role.epci == obj.epci


def _refusal(outcome) -> bool:
    return outcome in REFUSED


class P:
    """A rule: the outcome of each role (anonymous, agent, referent, officer, superuser),
    with `other_agent` / `other_referent` for someone else's object (a 404 by default when the
    owner gets in, the owner's refusal otherwise) and `staff` for officer and superuser."""

    def __init__(
        self,
        *,
        anonymous=LOGIN,
        agent,
        referent,
        staff=None,
        officer=None,
        superuser=None,
        other_agent=None,
        other_referent=None,
    ):
        self.anonymous = anonymous
        self.agent = agent
        self.referent = referent
        self.officer = officer if officer is not None else staff
        self.superuser = superuser if superuser is not None else self.officer
        self.other_agent = other_agent if other_agent is not None else _other(agent)
        self.other_referent = other_referent if other_referent is not None else _other(referent)
        assert self.officer is not None, "say what the syndicat mixte gets (staff=...)"

    def __call__(self, role: Role, obj: Obj | None):
        if role.name == "anonymous":
            outcome = self.anonymous
        elif role.name.startswith("agent"):
            outcome = self.agent if owns(role, obj) else self.other_agent
        elif role.name.startswith("referent"):
            outcome = self.referent if owns(role, obj) else self.other_referent
        elif role.name == "officer":
            outcome = self.officer
        else:
            outcome = self.superuser
        if isinstance(outcome, Relayed):
            outcome = outcome.yes if obj is not None and obj.relayed else outcome.no
        return outcome


def _other(outcome):
    if isinstance(outcome, Relayed):
        return outcome
    return outcome if _refusal(outcome) else 404


def not_allowed(rule):
    """A method the view refuses: the rule's own refusal (it may come first), or a 405."""

    def policy(role, obj):
        outcome = rule(role, obj)
        return {outcome, 405} if _refusal(outcome) else 405

    return policy
