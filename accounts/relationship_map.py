"""Layout of the relationship map: who of ours knows whom at the customer, drawn as a
server-rendered SVG (no JavaScript). Our people on the left, the customer's contacts on the
right, a line per relationship (thicker and darker when stronger), and reports-to lines
between contacts drawn as dashed arcs on the contacts' side."""

from __future__ import annotations

from dataclasses import dataclass

ROW = 46  # vertical distance between two people
TOP = 40  # room for the column headings
WIDTH = 760
LEFT_X = 150  # where our people's nodes sit
RIGHT_X = 520  # where the contacts' nodes sit
MAX_PEOPLE = 40  # per side; a bigger map is unreadable, the table below lists everyone

STROKE = {1: 1.2, 2: 2.6, 3: 4.5}
COLOR = {1: "#94a3b8", 2: "#3b82f6", 3: "#1e3a8a"}
ATTITUDE_COLOR = {
    "supporter": "#16a34a",
    "neutral": "#64748b",
    "critic": "#dc2626",
    "unknown": "#cbd5e1",
}


@dataclass
class Node:
    key: int
    label: str
    sublabel: str
    x: int
    y: int
    color: str = "#2563eb"
    title: str = ""


@dataclass
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int
    width: float
    color: str
    title: str


@dataclass
class Arc:
    path: str
    title: str


@dataclass
class RelationshipMap:
    users: list[Node]
    contacts: list[Node]
    edges: list[Edge]
    arcs: list[Arc]
    height: int
    width: int = WIDTH
    left_x: int = LEFT_X
    right_x: int = RIGHT_X
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not self.contacts


def build(contacts, relationships) -> RelationshipMap:
    """``contacts``: the contacts the user may see (with ``subsidiary.country`` loaded);
    ``relationships``: theirs (with ``user`` loaded). No queries."""
    contacts = list(contacts)
    relationships = [r for r in relationships if r.contact_id in {c.pk for c in contacts}]
    # People with relationships first, so a truncated map keeps what matters.
    linked = {r.contact_id for r in relationships}
    contacts.sort(key=lambda c: (c.pk not in linked, c.subsidiary.country_id or 0, c.name))
    users = {}
    for r in relationships:
        users.setdefault(r.user_id, r.user)
    user_list = sorted(users.values(), key=lambda u: u.display_name.lower())
    truncated = len(contacts) > MAX_PEOPLE or len(user_list) > MAX_PEOPLE
    contacts, user_list = contacts[:MAX_PEOPLE], user_list[:MAX_PEOPLE]

    contact_nodes = {}
    for i, c in enumerate(contacts):
        role = c.get_buying_role_display() if c.buying_role else ""
        country = c.subsidiary.country.code if c.subsidiary.country_id else ""
        contact_nodes[c.pk] = Node(
            key=c.pk,
            label=_short(c.name),
            sublabel=" · ".join(p for p in (role, country) if p),
            x=RIGHT_X,
            y=TOP + i * ROW,
            color=ATTITUDE_COLOR.get(c.attitude, ATTITUDE_COLOR["unknown"]),
            title=f"{c.name} — {c.title}" if c.title else c.name,
        )
    count = max(len(contact_nodes), len(user_list), 1)
    # Centre the shorter column against the longer one.
    user_offset = (count - len(user_list)) * ROW // 2
    user_nodes = {
        u.pk: Node(
            key=u.pk,
            label=_short(u.display_name),
            sublabel="",
            x=LEFT_X,
            y=TOP + user_offset + i * ROW,
            title=u.display_name,
        )
        for i, u in enumerate(user_list)
    }
    edges = []
    for r in relationships:
        a, b = user_nodes.get(r.user_id), contact_nodes.get(r.contact_id)
        if a is None or b is None:
            continue
        edges.append(
            Edge(
                x1=a.x + 8,
                y1=a.y,
                x2=b.x - 8,
                y2=b.y,
                width=STROKE.get(r.strength, 2),
                color=COLOR.get(r.strength, COLOR[2]),
                title=f"{a.title} ↔ {b.title}: {r.get_strength_display()}",
            )
        )
    arcs = []
    for c in contacts:
        boss = contact_nodes.get(c.reports_to_id)
        me = contact_nodes.get(c.pk)
        if boss is None or me is None:
            continue
        bulge = 40 + abs(me.y - boss.y) // 5
        arcs.append(
            Arc(
                path=f"M {me.x - 9} {me.y} C {me.x - bulge} {me.y}, "
                f"{boss.x - bulge} {boss.y}, {boss.x - 9} {boss.y}",
                title=f"{me.title} → {boss.title}",
            )
        )
    return RelationshipMap(
        users=list(user_nodes.values()),
        contacts=list(contact_nodes.values()),
        edges=edges,
        arcs=arcs,
        height=TOP + count * ROW,
        truncated=truncated,
    )


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
