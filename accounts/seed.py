"""Demo data of customers (``seed_demo``, right after the platform's users and countries):
tiers and selection criteria, six industrial groups with subsidiaries in all 13 demo
countries, their account teams, contacts with buying roles, attitudes and reporting lines,
who-knows-whom relationships, framework agreements (one active for DE/FR/ES/IT, one
expired), a few local customers, and deliberate duplicate customers for the conflict
engine (DESIGN.md, ``duplicate_customer``):

- the same German company entered twice, with its VAT number once as ``DE129273398`` and
  once as the national ``129 273 398``;
- the same web domain (``nordhavnfoods.com``) on a Danish group's subsidiary and on a
  Dutch local customer;
- the same name with another legal form (``Volvia Italia S.p.A.`` / ``Volvia Italia Srl``)
  and another spelling (``Müller Antriebstechnik GmbH`` / ``Mueller Antriebstechnik AG``),
  entered as local customers, unlinked to the global account.

Everything is written through ``accounts.services`` and ``teams.services`` (validation,
history, audit, guardian permissions), by the demo admin unless a record is deliberately
entered by someone else. Dates are relative to today so the demo never goes stale.

What later seed modules find in ``ctx.extra``:

- ``accounts``: {account name: GlobalAccount}
- ``subsidiaries``: {(account name, or None for a local customer, country code, name):
  Subsidiary}
- ``contacts``: {contact name: Contact}
- ``agreements``: {agreement name: FrameworkAgreement}
- ``tiers``: {tier name: Tier}; ``criteria``: {criterion name: SelectionCriterion}
- ``duplicates``: list of (reason, Subsidiary, Subsidiary) — the pairs entered twice on
  purpose, for the conflict seed and its tests
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts import services
from teams.models import TeamRole
from teams.services import team_member_add

D = Decimal

TIERS = [
    # name, rank, min score, plan review every (days)
    ("Premier", 1, "4.00", 30),
    ("Gold", 2, "3.00", 60),
    ("Silver", 3, "2.00", 90),
    ("Bronze", 4, "0.00", 180),
]

CRITERIA = [
    # name, kind, weight, value scoring 5
    ("Annual revenue (EUR)", "numeric", "3", "5000000000"),
    ("EBIT margin (%)", "numeric", "2", "15"),
    ("Strategic fit", "manual", "2", None),
    ("Relationship quality", "manual", "1", None),
]

# name: (headquarters, industry, website, GAM, description, criterion values in CRITERIA
# order, subsidiaries as (country, name, registration number, website))
ACCOUNTS = {
    "Volvia Group": (
        "SE",
        "Trucks, buses and construction equipment",
        "volvia.com",
        "gam",
        "Truck and bus maker with plants across Europe and the US; buys pumps, drives and "
        "service for its paint shops and test benches under one group agreement.",
        ("6200000000", "9.5", "5", "4"),
        [
            ("SE", "Volvia Sverige AB", "556012-5790", "volvia.se"),
            ("DE", "Volvia Deutschland GmbH", "DE811234565", "volvia.de"),
            ("FR", "Volvia France SAS", "", "volvia.fr"),
            ("GB", "Volvia Trucks UK Ltd", "", "volvia.co.uk"),
            ("ES", "Volvia Iberia S.A.", "", "volvia.es"),
            ("IT", "Volvia Italia S.p.A.", "", "volvia.it"),
            ("NL", "Volvia Benelux B.V.", "", "volvia.nl"),
            ("PL", "Volvia Polska Sp. z o.o.", "", "volvia.pl"),
            ("US", "Volvia North America Inc.", "", "volvia-na.com"),
        ],
    ),
    "Kestrel Chemicals": (
        "DE",
        "Specialty chemicals",
        "kestrel-chemicals.com",
        "gam2",
        "Specialty chemicals group from Ludwigshafen; process pumps and valves in corrosive "
        "service, long qualification cycles, strong central procurement.",
        ("3400000000", "12", "4", "3"),
        [
            ("DE", "Kestrel Chemie AG", "DE129273398", "kestrel-chemicals.com"),
            ("FR", "Kestrel Chimie SA", "", "kestrel-chemicals.fr"),
            ("ES", "Kestrel Química S.L.", "", "kestrel-chemicals.es"),
            ("IT", "Kestrel Chimica S.r.l.", "", "kestrel-chemicals.it"),
            ("NL", "Kestrel Chemicals Rotterdam B.V.", "", "kestrel-chemicals.nl"),
            ("US", "Kestrel Chemicals Inc.", "", "kestrel-chemicals.us"),
            ("JP", "Kestrel Japan K.K.", "", "kestrel-chemicals.jp"),
        ],
    ),
    "Hallberg Mining": (
        "SE",
        "Mining and minerals",
        "hallbergmining.com",
        "gam",
        "Iron ore and base metals in the Nordics; slurry pumps and condition monitoring "
        "for remote sites.",
        ("2100000000", "14", "4", "4"),
        [
            ("SE", "Hallberg Gruvor AB", "556677-8899", "hallbergmining.se"),
            ("FI", "Hallberg Finland Oy", "", "hallbergmining.fi"),
            ("NO", "Hallberg Norge AS", "", "hallbergmining.no"),
            ("PL", "Hallberg Polska S.A.", "", "hallbergmining.pl"),
        ],
    ),
    "Nordhavn Foods": (
        "DK",
        "Food and beverages",
        "nordhavnfoods.com",
        "gam",
        "Dairy and seafood processor; hygienic pumps and spare parts, price-driven local "
        "buying with a new central sourcing team.",
        ("1500000000", "6", "3", "3"),
        [
            ("DK", "Nordhavn Foods A/S", "", "nordhavnfoods.com"),
            ("SE", "Nordhavn Sverige AB", "", "nordhavnfoods.se"),
            ("NO", "Nordhavn Sjømat AS", "", "nordhavnfoods.no"),
            ("FI", "Nordhavn Suomi Oy", "", "nordhavnfoods.fi"),
            ("DE", "Nordhavn Deutschland GmbH", "", "nordhavnfoods.de"),
            ("GB", "Nordhavn Foods UK Ltd", "", "nordhavnfoods.co.uk"),
        ],
    ),
    "Meridian Water": (
        "GB",
        "Water utilities",
        "meridianwater.co.uk",
        "gam2",
        "Operator of water and wastewater plants under long concessions; framework tenders "
        "every four years.",
        ("900000000", "8", "4", "2"),
        [
            ("GB", "Meridian Water Services Ltd", "", "meridianwater.co.uk"),
            ("ES", "Meridian Aguas S.A.", "", "meridianaguas.es"),
            ("IT", "Meridian Acque S.p.A.", "", "meridianacque.it"),
            ("FR", "Meridian Eaux SAS", "", "meridianeaux.fr"),
            ("US", "Meridian Water Inc.", "", "meridianwater.us"),
        ],
    ),
    "Aurora Paper": (
        "FI",
        "Pulp and paper",
        "aurorapaper.fi",
        "gam2",
        "Pulp and board mills in Finland and Sweden; a former Premier account, now "
        "consolidating suppliers.",
        ("700000000", "3", "2", "3"),
        [
            ("FI", "Aurora Paper Oyj", "", "aurorapaper.fi"),
            ("SE", "Aurora Bruk AB", "", "aurorapaper.se"),
            ("DE", "Aurora Papier GmbH", "", "aurorapaper.de"),
        ],
    ),
    # A new prospect group: no team and no assessment yet.
    "Castellane Ciments": (
        "FR",
        "Building materials",
        "castellane.fr",
        None,
        "Cement and aggregates; prospect since the Lyon trade fair.",
        None,
        [
            ("FR", "Castellane Ciments SA", "", "castellane.fr"),
            ("ES", "Castellane Cementos S.L.", "", "castellane.es"),
        ],
    ),
}

# Who works which account: (account, user, role, country of a local account manager)
TEAMS = [
    ("Volvia Group", "lam.de", TeamRole.LOCAL_ACCOUNT_MANAGER, "DE"),
    ("Volvia Group", "lam.fr", TeamRole.LOCAL_ACCOUNT_MANAGER, "FR"),
    ("Volvia Group", "lam.gb", TeamRole.LOCAL_ACCOUNT_MANAGER, "GB"),
    ("Volvia Group", "lam.es", TeamRole.LOCAL_ACCOUNT_MANAGER, "ES"),
    ("Volvia Group", "lam.it", TeamRole.LOCAL_ACCOUNT_MANAGER, "IT"),
    ("Volvia Group", "rep.nl", TeamRole.LOCAL_ACCOUNT_MANAGER, "NL"),
    ("Volvia Group", "sponsor", TeamRole.SPONSOR, None),
    ("Volvia Group", "marketing", TeamRole.MEMBER, None),
    ("Kestrel Chemicals", "lam.de", TeamRole.LOCAL_ACCOUNT_MANAGER, "DE"),
    ("Kestrel Chemicals", "lam.fr", TeamRole.LOCAL_ACCOUNT_MANAGER, "FR"),
    ("Kestrel Chemicals", "lam.es", TeamRole.LOCAL_ACCOUNT_MANAGER, "ES"),
    ("Kestrel Chemicals", "lam.it", TeamRole.LOCAL_ACCOUNT_MANAGER, "IT"),
    ("Kestrel Chemicals", "sponsor", TeamRole.SPONSOR, None),
    ("Hallberg Mining", "rep.fi", TeamRole.LOCAL_ACCOUNT_MANAGER, "FI"),
    ("Hallberg Mining", "rep.pl", TeamRole.LOCAL_ACCOUNT_MANAGER, "PL"),
    ("Hallberg Mining", "gam2", TeamRole.MEMBER, None),
    ("Nordhavn Foods", "lam.de", TeamRole.LOCAL_ACCOUNT_MANAGER, "DE"),
    ("Nordhavn Foods", "lam.gb", TeamRole.LOCAL_ACCOUNT_MANAGER, "GB"),
    ("Nordhavn Foods", "rep.fi", TeamRole.LOCAL_ACCOUNT_MANAGER, "FI"),
    ("Meridian Water", "lam.gb", TeamRole.LOCAL_ACCOUNT_MANAGER, "GB"),
    ("Meridian Water", "lam.es", TeamRole.LOCAL_ACCOUNT_MANAGER, "ES"),
    ("Meridian Water", "lam.it", TeamRole.LOCAL_ACCOUNT_MANAGER, "IT"),
    ("Meridian Water", "lam.fr", TeamRole.LOCAL_ACCOUNT_MANAGER, "FR"),
    ("Meridian Water", "sponsor", TeamRole.SPONSOR, None),
    ("Aurora Paper", "rep.fi", TeamRole.LOCAL_ACCOUNT_MANAGER, "FI"),
]

# Who sells in a country when the account has no local account manager there.
COUNTRY_SELLER = {
    "SE": "gam",
    "DE": "lam.de",
    "GB": "lam.gb",
    "FR": "lam.fr",
    "ES": "lam.es",
    "IT": "lam.it",
    "NL": "rep.nl",
    "FI": "rep.fi",
    "DK": "gam",
    "NO": "gam",
    "PL": "rep.pl",
    "US": "gam2",
    "JP": "gam2",
}

# Contacts: (account, country of their subsidiary, name, title, email, buying role,
# attitude, reports to (name) or None)
CONTACTS = [
    ("Volvia Group", "SE", "Karin Åberg", "Chief Procurement Officer", "karin.aberg@volvia.se",
     "decision_maker", "neutral", None),
    ("Volvia Group", "SE", "Johan Lund", "Category Manager Industrial Equipment",
     "johan.lund@volvia.se", "gatekeeper", "supporter", "Karin Åberg"),
    ("Volvia Group", "SE", "Eva Strand", "VP Manufacturing Engineering", "eva.strand@volvia.se",
     "influencer", "supporter", None),
    ("Volvia Group", "DE", "Markus Weber", "Werkleiter Werk Bremen", "markus.weber@volvia.de",
     "user", "critic", "Eva Strand"),
    ("Volvia Group", "DE", "Anna Vogel", "Einkaufsleiterin", "anna.vogel@volvia.de",
     "gatekeeper", "neutral", "Johan Lund"),
    ("Volvia Group", "FR", "Claire Dubois", "Responsable maintenance", "claire.dubois@volvia.fr",
     "champion", "supporter", "Eva Strand"),
    ("Volvia Group", "ES", "Javier Ruiz", "Director de planta", "javier.ruiz@volvia.es",
     "user", "unknown", "Eva Strand"),
    ("Volvia Group", "US", "Mike Carter", "Director Strategic Sourcing",
     "mike.carter@volvia-na.com", "blocker", "critic", "Karin Åberg"),
    ("Kestrel Chemicals", "DE", "Dr. Stefan Hoffmann", "Vorstand Technik",
     "stefan.hoffmann@kestrel-chemicals.com", "decision_maker", "supporter", None),
    ("Kestrel Chemicals", "DE", "Julia Krause", "Leiterin Zentraleinkauf",
     "julia.krause@kestrel-chemicals.com", "gatekeeper", "neutral", "Dr. Stefan Hoffmann"),
    ("Kestrel Chemicals", "FR", "Pierre Laurent", "Directeur d'usine",
     "pierre.laurent@kestrel-chemicals.fr", "user", "neutral", "Dr. Stefan Hoffmann"),
    ("Kestrel Chemicals", "IT", "Giulia Conti", "Process Safety Manager",
     "giulia.conti@kestrel-chemicals.it", "influencer", "supporter", "Dr. Stefan Hoffmann"),
    ("Kestrel Chemicals", "JP", "Takeshi Sato", "General Manager, Plant Engineering",
     "takeshi.sato@kestrel-chemicals.jp", "champion", "supporter", "Dr. Stefan Hoffmann"),
    ("Hallberg Mining", "SE", "Anders Nyström", "Head of Maintenance",
     "anders.nystrom@hallbergmining.se", "decision_maker", "supporter", None),
    ("Hallberg Mining", "FI", "Mikko Korhonen", "Procurement Manager",
     "mikko.korhonen@hallbergmining.fi", "gatekeeper", "neutral", "Anders Nyström"),
    ("Hallberg Mining", "NO", "Ingrid Berg", "Site Manager Kirkenes",
     "ingrid.berg@hallbergmining.no", "user", "unknown", "Anders Nyström"),
    ("Nordhavn Foods", "DK", "Mette Jensen", "Group Sourcing Director",
     "mette.jensen@nordhavnfoods.com", "decision_maker", "critic", None),
    ("Nordhavn Foods", "DK", "Søren Madsen", "Technical Director",
     "soren.madsen@nordhavnfoods.com", "influencer", "supporter", "Mette Jensen"),
    ("Nordhavn Foods", "GB", "Emma Clarke", "Engineering Manager",
     "emma.clarke@nordhavnfoods.co.uk", "user", "neutral", "Søren Madsen"),
    ("Meridian Water", "GB", "David Hughes", "Asset Director", "david.hughes@meridianwater.co.uk",
     "decision_maker", "neutral", None),
    ("Meridian Water", "ES", "Carmen López", "Jefa de compras", "carmen.lopez@meridianaguas.es",
     "gatekeeper", "supporter", "David Hughes"),
    ("Meridian Water", "IT", "Luca Ferrari", "Responsabile impianti",
     "luca.ferrari@meridianacque.it", "user", "critic", "David Hughes"),
    ("Aurora Paper", "FI", "Sanna Mäkinen", "SVP Operations", "sanna.makinen@aurorapaper.fi",
     "decision_maker", "neutral", None),
    ("Aurora Paper", "SE", "Per Holm", "Mill Manager Skutskär", "per.holm@aurorapaper.se",
     "user", "supporter", "Sanna Mäkinen"),
]  # fmt: skip

# Who knows whom: (user, contact, strength 1..3, days since the last contact)
RELATIONSHIPS = [
    ("gam", "Karin Åberg", 3, 12),
    ("gam", "Eva Strand", 2, 40),
    ("gam", "Johan Lund", 3, 5),
    ("sponsor", "Karin Åberg", 2, 95),
    ("lam.de", "Markus Weber", 1, 30),
    ("lam.de", "Anna Vogel", 2, 8),
    ("lam.fr", "Claire Dubois", 3, 3),
    ("lam.es", "Javier Ruiz", 1, 120),
    ("gam2", "Mike Carter", 1, 200),
    ("gam2", "Dr. Stefan Hoffmann", 3, 20),
    ("gam2", "Julia Krause", 2, 14),
    ("lam.de", "Julia Krause", 3, 2),
    ("lam.fr", "Pierre Laurent", 2, 25),
    ("lam.it", "Giulia Conti", 2, 60),
    ("sponsor", "Dr. Stefan Hoffmann", 2, 150),
    ("gam", "Anders Nyström", 3, 10),
    ("rep.fi", "Mikko Korhonen", 2, 18),
    ("gam", "Mette Jensen", 1, 75),
    ("gam", "Søren Madsen", 2, 33),
    ("lam.gb", "Emma Clarke", 2, 9),
    ("gam2", "David Hughes", 2, 45),
    ("lam.es", "Carmen López", 3, 6),
    ("lam.it", "Luca Ferrari", 1, 180),
    ("rep.fi", "Sanna Mäkinen", 1, 300),
]

# Local customers (no global account): (country, name, registration number, website, owner)
LOCAL_CUSTOMERS = [
    ("SE", "Småland Verkstad AB", "559123-4561", "smalandverkstad.se", "gam"),
    ("NL", "Brouwerij De Valk B.V.", "", "brouwerijdevalk.nl", "rep.nl"),
    ("FI", "Saimaan Konepaja Oy", "", "saimaankonepaja.fi", "rep.fi"),
    ("PL", "Zakłady Mechaniczne Wisła S.A.", "", "zmwisla.pl", "rep.pl"),
    ("ES", "Talleres Hernández S.L.", "", "talleres-hernandez.es", "lam.es"),
    ("DE", "Müller Antriebstechnik GmbH", "", "", "lam.de"),
]

# The same company entered twice, on purpose: (reason, the existing record's key, the new
# record as (country, name, registration number, website, who enters it))
DUPLICATES = [
    (
        "registration_number",
        ("Kestrel Chemicals", "DE", "Kestrel Chemie AG"),
        ("DE", "Kestrel Chemie Deutschland GmbH", "129 273 398", "", "rep.nl"),
    ),
    (
        "website",
        ("Nordhavn Foods", "DK", "Nordhavn Foods A/S"),
        ("NL", "Nordhavn Benelux", "", "www.nordhavnfoods.com/nl", "rep.nl"),
    ),
    (
        "name",
        ("Volvia Group", "IT", "Volvia Italia S.p.A."),
        ("IT", "Volvia Italia Srl", "", "", "lam.fr"),
    ),
    (
        "name",
        (None, "DE", "Müller Antriebstechnik GmbH"),
        ("DE", "Mueller Antriebstechnik AG", "", "", "rep.pl"),
    ),
]


def seed(ctx) -> None:
    admin = ctx.users["admin"]
    today = timezone.localdate()
    users, countries = ctx.users, ctx.countries

    tiers = {
        name: services.tier_create(
            actor=admin,
            name=name,
            rank=rank,
            min_score=D(minimum),
            review_interval_days=interval,
        )
        for name, rank, minimum, interval in TIERS
    }
    criteria = {
        name: services.criterion_create(
            actor=admin,
            name=name,
            kind=kind,
            weight=D(weight),
            scale_max=D(scale) if scale else None,
            order=i,
        )
        for i, (name, kind, weight, scale) in enumerate(CRITERIA)
    }
    criterion_list = list(criteria.values())

    accounts, subsidiaries = {}, {}
    for name, (hq, industry, website, gam, description, values, _subs) in ACCOUNTS.items():
        account = services.global_account_create(
            actor=admin,
            name=name,
            headquarters_country=countries[hq],
            industry=industry,
            website=website,
            description=description,
        )
        accounts[name] = account
        if gam:
            team_member_add(
                account=account,
                user=users[gam],
                role=TeamRole.GLOBAL_ACCOUNT_MANAGER,
                actor=admin,
            )
        if values:
            services.criterion_scores_set(
                actor=admin,
                account=account,
                values={c.pk: D(v) for c, v in zip(criterion_list, values, strict=True)},
            )
    local_managers = {}
    for account_name, user, role, country in TEAMS:
        team_member_add(
            account=accounts[account_name],
            user=users[user],
            role=role,
            country=countries[country] if country else None,
            actor=admin,
        )
        if country:
            local_managers[(account_name, country)] = users[user]

    for name, (_hq, _ind, _web, gam, _desc, _values, subs) in ACCOUNTS.items():
        for code, sub_name, registration, web in subs:
            owner = (
                local_managers.get((name, code))
                or (users[gam] if gam else None)
                or users[COUNTRY_SELLER[code]]
            )
            subsidiaries[(name, code, sub_name)] = services.subsidiary_create(
                actor=admin,
                name=sub_name,
                country=countries[code],
                global_account=accounts[name],
                registration_number=registration,
                website=web,
                address=_address(code),
                owner=owner,
            )
    for code, sub_name, registration, web, owner in LOCAL_CUSTOMERS:
        subsidiaries[(None, code, sub_name)] = services.subsidiary_create(
            actor=users[owner],
            name=sub_name,
            country=countries[code],
            registration_number=registration,
            website=web,
            address=_address(code),
        )

    # A manual tier decision, with its reason, so the override shows.
    services.tier_override_set(
        actor=admin,
        account=accounts["Meridian Water"],
        tier=tiers["Gold"],
        reason="Concession renewals in GB and ES in the next 18 months: treat as Gold.",
    )

    contacts = {}
    for account_name, code, name, title, email, role, attitude, boss in CONTACTS:
        sub = next(s for (a, c, _n), s in subsidiaries.items() if a == account_name and c == code)
        contacts[name] = services.contact_create(
            actor=admin,
            subsidiary=sub,
            name=name,
            title=title,
            email=email,
            phone=_phone(code, len(contacts)),
            buying_role=role,
            attitude=attitude,
            reports_to=contacts[boss] if boss else None,
        )
    for user, contact, strength, days in RELATIONSHIPS:
        services.relationship_set(
            actor=admin,
            user=users[user],
            contact=contacts[contact],
            strength=strength,
            last_contact=today - timedelta(days=days),
        )

    year = today.year
    agreements = {}
    for account, name, codes, discount, shipping, terms, start, end in [
        (
            "Volvia Group",
            f"Volvia Group frame agreement {year}–{year + 1}",
            ["DE", "FR", "ES", "IT"],
            "8.00",
            "DAP Incoterms 2020, delivery within 10 working days",
            "Group price list with 8% discount on pumps and drives; 2-year warranty; "
            "payment 60 days net; annual volume bonus 2% above EUR 2 M.",
            date(year, 1, 1),
            date(year + 1, 12, 31),
        ),
        (
            "Volvia Group",
            f"Volvia Nordic agreement {year - 3}–{year - 2}",
            ["SE", "NO", "DK", "FI"],
            "5.00",
            "FCA Göteborg",
            "Expired; replaced by the group frame agreement.",
            date(year - 3, 1, 1),
            date(year - 2, 12, 31),
        ),
        (
            "Kestrel Chemicals",
            "Kestrel process equipment frame",
            ["DE", "NL", "FR"],
            "6.50",
            "DDP to plant",
            "Approved-vendor status for ATEX pumps; quarterly price review.",
            date(year - 1, 7, 1),
            None,
        ),
    ]:
        agreements[name] = services.framework_agreement_create(
            actor=admin,
            global_account=accounts[account],
            name=name,
            countries=[countries[c] for c in codes],
            discount_percent=D(discount),
            shipping_terms=shipping,
            terms=terms,
            valid_from=start,
            valid_until=end,
        )

    duplicates = []
    for reason, existing_key, (code, name, registration, web, who) in DUPLICATES:
        entered = services.subsidiary_create(
            actor=users[who],
            name=name,
            country=countries[code],
            registration_number=registration,
            website=web,
        )
        subsidiaries[(None, code, name)] = entered
        duplicates.append((reason, subsidiaries[existing_key], entered))

    ctx.extra["accounts"] = accounts
    ctx.extra["subsidiaries"] = subsidiaries
    ctx.extra["contacts"] = contacts
    ctx.extra["agreements"] = agreements
    ctx.extra["tiers"] = tiers
    ctx.extra["criteria"] = criteria
    ctx.extra["duplicates"] = duplicates


_STREETS = {
    "SE": "Industrivägen 12, 417 55 Göteborg",
    "DE": "Industriestraße 40, 70565 Stuttgart",
    "GB": "Unit 4, Riverside Park, Birmingham B6 7EU",
    "FR": "12 rue de l'Industrie, 69007 Lyon",
    "ES": "Polígono Industrial Norte, Nave 7, 28108 Alcobendas",
    "IT": "Via dell'Industria 21, 20090 Segrate (MI)",
    "NL": "Havenweg 3, 3089 JK Rotterdam",
    "FI": "Teollisuuskatu 9, 00510 Helsinki",
    "DK": "Havnegade 22, 8000 Aarhus C",
    "NO": "Industriveien 5, 0581 Oslo",
    "PL": "ul. Przemysłowa 14, 40-020 Katowice",
    "US": "2200 Commerce Drive, Greensboro, NC 27409",
    "JP": "2-3-1 Marunouchi, Chiyoda-ku, Tokyo 100-0005",
}

_DIALLING = {
    "SE": "+46 31",
    "DE": "+49 711",
    "GB": "+44 121",
    "FR": "+33 4",
    "ES": "+34 91",
    "IT": "+39 02",
    "NL": "+31 10",
    "FI": "+358 9",
    "DK": "+45 86",
    "NO": "+47 22",
    "PL": "+48 32",
    "US": "+1 336",
    "JP": "+81 3",
}


def _address(code: str) -> str:
    return _STREETS.get(code, "")


def _phone(code: str, n: int) -> str:
    return f"{_DIALLING.get(code, '+00')} {400 + n * 7:03d} {1000 + n * 37:04d}"
