"""The texts of a conflict's alerts, and the one email per person that collects them.

Whoever may see every record of a conflict gets its full text; whoever may not see some
(DESIGN.md, sharing model) gets a hint: the country, the product line and which GAM to talk
to, never the hidden records' names, amounts or stages.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from gam.models import User
from opportunities.conflicts.detectors.findings import Finding, RecordInfo
from opportunities.conflicts.models import ConflictKind

logger = logging.getLogger(__name__)

EMAIL_LINES = 20


@dataclass
class Alerts:
    """Collects notification texts per user over a check or scan; one email each at the end."""

    lines: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, user_id: int, text: str) -> None:
        self.counts[user_id] += 1
        if len(self.lines[user_id]) < EMAIL_LINES:
            self.lines[user_id].append(text)

    def send(self) -> None:
        if not self.counts:
            return
        users = User.objects.filter(pk__in=list(self.counts), is_active=True).exclude(email="")
        messages = []
        inbox = url_or_empty("conflicts:conflict_list")
        for user in users:
            count = self.counts[user.pk]
            lines = self.lines[user.pk]
            body = "\n".join(f"- {line}" for line in lines)
            if count > len(lines):
                body += "\n" + _("... and %(n)d more.") % {"n": count - len(lines)}
            if inbox:
                body += "\n\n" + _("Conflict inbox: %(url)s") % {"url": _absolute(inbox)}
            subject = _("GAM: %(n)d new duplicate-work alert(s)") % {"n": count}
            messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
        try:
            get_connection().send_messages(messages)
        except Exception:  # mail down: the in-app notifications are the durable record
            logger.exception("sending %d conflict alert emails failed", len(messages))
        self.lines.clear()
        self.counts.clear()


def url_or_empty(name: str, *args) -> str:
    """The path of a named URL, or "" when it does not resolve."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _absolute(path: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return base + path if base else path


KIND_TITLES = {
    ConflictKind.DUPLICATE_CUSTOMER: "Possible duplicate customer",
    ConflictKind.UNLINKED_GROUP: "Companies of one group not linked to one global account",
    ConflictKind.PARALLEL_OPPORTUNITY: "Parallel opportunities",
    ConflictKind.CAMPAIGN_DURING_NEGOTIATION: "Campaign during a negotiation",
    ConflictKind.FRAMEWORK_AGREEMENT_MISSED: "Framework agreement not referenced",
}


def _describe(info: RecordInfo) -> str:
    where = f" ({info.country})" if info.country else ""
    return f"“{info.name}”{where}"


def full_text(finding: Finding, account: dict, *, reopened: bool = False, gettext=None) -> str:
    """For someone who may see every record of the conflict."""
    _ = gettext or globals()["_"]
    title = _(KIND_TITLES[finding.kind])
    if reopened:
        title = _("%(title)s (reopened)") % {"title": title}
    records = _(" and ").join(_describe(i) for i in finding.records)
    text = f"{title}: {records}"
    if account.get("name"):
        text += _(" at %(account)s") % {"account": account["name"]}
    return f"{text}. {finding.reason}."


def hint_text(
    finding: Finding, account: dict, hidden: list[RecordInfo], user_id: int, gettext=None
) -> str:
    """For someone who may not see some records: which country, which product line, which
    GAM to talk to. Never the hidden records' names, amounts or stages."""
    _ = gettext or globals()["_"]
    own = [i for i in finding.records if i not in hidden]
    countries = ", ".join(sorted({i.country for i in hidden if i.country})) or ", ".join(
        finding.countries
    )
    account_name = account.get("name") or _("the same global account")
    gam = account.get("manager__name") or _("the tenant admin")
    mine = _(" (your %(record)s)") % {"record": _describe(own[0])} if own else ""
    kind = finding.kind
    if kind == ConflictKind.PARALLEL_OPPORTUNITY:
        product = hidden[0].product_line or _("the same product line")
        text = _(
            "Another opportunity for %(product)s is open at %(account)s in %(countries)s%(mine)s."
        ) % {"product": product, "account": account_name, "countries": countries, "mine": mine}
    elif kind == ConflictKind.CAMPAIGN_DURING_NEGOTIATION:
        if hidden[0].type == "opportunity":
            text = _(
                "A negotiation is under way at %(account)s in %(countries)s while a campaign "
                "runs%(mine)s."
            ) % {"account": account_name, "countries": countries, "mine": mine}
        else:
            text = _(
                "A campaign targets %(account)s in %(countries)s during a negotiation%(mine)s."
            ) % {"account": account_name, "countries": countries, "mine": mine}
    elif kind == ConflictKind.FRAMEWORK_AGREEMENT_MISSED:
        text = _(
            "An active framework agreement of %(account)s covers %(countries)s and is not "
            "referenced%(mine)s."
        ) % {"account": account_name, "countries": ", ".join(finding.countries), "mine": mine}
    else:
        text = _("Possible duplicate work at %(account)s in %(countries)s%(mine)s.") % {
            "account": account_name,
            "countries": countries,
            "mine": mine,
        }
    return text + " " + _("Talk to %(gam)s, the global account manager.") % {"gam": gam}
