"""A small development set for group discovery, written by hand from public knowledge of how
multinationals' national companies are named, and typed the ways sellers type them. Each
line: name, country, registration number, website, group, entity. Records with the same
group are one group; with the same group and entity, one legal entity entered twice.
Look-alikes (different companies sharing words by chance) are groups of their own.

For development only: the independent labelled set is tests/data/group_discovery/.
"""

from __future__ import annotations

from dataclasses import dataclass

# name | country | registration | website | group | entity
ROWS = """
Robert Bosch GmbH|DE|||bosch|de
ROBERT BOSCH FRANCE SAS|FR|||bosch|fr
Bosch Ltd|IN|||bosch|in
Robert Bosch AB|SE||bosch.se|bosch|se
Bosch Sverige|SE||www.bosch.se|bosch|se
Robert Bosch Kft.|HU|||bosch|hu
KONE Inc.|US|||kone|us
KONE France S.A.|FR|||kone|fr
Kone Oyj|FI|FI01077069||kone|fi
KONE Corporation|FI|0107706-9||kone|fi
Kone Elevators Ltd|GB|||kone|gb
Walmart Inc.|US|||walmart|us
Wal-Mart Stores, Inc.|US|||walmart|us
Walmart de México S.A.B. de C.V.|MX|||walmart|mx
Intl Business Machines Corp.|US|||ibm|us
International Business Machines Corporation|US|||ibm|us
IBM Deutschland GmbH|DE||ibm.com|ibm|de
IBM Svenska AB|SE||ibm.com/se|ibm|se
Compagnie IBM France SAS|FR|||ibm|fr
ScaniaCV AB|SE|||scania|se
Scania Ab|SE|||scania|se
Scania Deutschland GmbH|DE|||scania|de
Scania Great Britain Ltd|GB|||scania|gb
Wartsila Deutschland GmbH|DE|||wartsila|de
Wärtsilä Oyj Abp|FI|||wartsila|fi
Wartsila Finland Oy|FI|||wartsila|fi2
Waertsilae Italia S.p.A.|IT|||wartsila|it
Pak Tetra Italiana|IT|||tetrapak|it
Tetra Pak|SE|||tetrapak|se
Tetra Pak GmbH & Co KG|DE|||tetrapak|de
Tetra Laval International SA|CH|||tetrapak|ch
Siemens AG|DE|DE129274202|siemens.com|siemens|de
Siemens Schweiz AG|CH||siemens.ch|siemens|ch
Siemens Healthcare GmbH|DE|||siemens|hc
SIEMENS AKTIENGESELLSCHAFT|DE|DE 129274202||siemens|de
Seimens plc|GB|||siemens|gb
Nestlé S.A.|CH|||nestle|ch
Nestle Deutschland AG|DE|||nestle|de
Nestlé España S.A.|ES|||nestle|es
Nestle UK Ltd|GB|||nestle|gb
Nestle UK Limited|GB|||nestle|gb
Volvia Group|SE||volvia.com|volvia|grp
Volvia Nederland BV|NL||volvia.com|volvia|nl
Volvia Sverige AB|SE|||volvia|se
Volvia Polska Sp. z o.o.|PL|||volvia|pl
H&M Hennes & Mauritz AB|SE|||hm|se
H & M Hennes & Mauritz GmbH|DE|||hm|de
HM Hennes Mauritz UK Ltd|GB|||hm|gb
Procter & Gamble Company|US|||pg|us
Procter & Gamble UK|GB|||pg|gb
P&G Nordic AB|SE|||pg|se
ABB Ltd|CH|||abb|ch
ABB AB|SE|||abb|se
ABB Asea Brown Boveri Ltd|CH|||abb|ch
Asea Brown Boveri S.A.|ES|||abb|es
Schneider Electric SE|FR|||schneider|fr
Schneider Electric España S.A.|ES|||schneider|es
Schneider Electric Sverige AB|SE|||schneider|se
Schnieder Electric Italia Spa|IT|||schneider|it
Deutsche Bank AG|DE|||db|de
Deutsche Bank Luxembourg S.A.|LU|||db|lu
Deutsche Bank S.p.A.|IT|||db|it
Atlas Copco AB|SE|556014-2720|atlascopco.com|atlas|se
Atlas Copco Airpower n.v.|BE||atlascopco.com|atlas|be
Atlas Copco (India) Ltd.|IN|||atlas|in
AtlasCopco Kompressorteknik AB|SE|||atlas|kt
Sandvik Coromant AB|SE|||sandvik|cor
Sandvik AB|SE|556000-3468||sandvik|se
Sandvik Mining and Construction Oy|FI|||sandvik|fi
Novo Nordisk A/S|DK|||novo|dk
Novo Nordisk Pharma GmbH|DE|||novo|de
Novo Nordisk Ltd|GB|||novo|gb
Ericsson AB|SE|||ericsson|se
Telefonaktiebolaget LM Ericsson|SE|556016-0680||ericsson|lme
Ericsson GmbH|DE|||ericsson|de
Ericsson España SA|ES|||ericsson|es
McDonald's Corporation|US|||mcd|us
McDonalds Deutschland LLC|DE|||mcd|de
Mc Donald's France SAS|FR|||mcd|fr
Unilever PLC|GB|||unilever|gb
Unilever N.V.|NL|||unilever|nl
Unilever Deutschland GmbH|DE|||unilever|de
Unilver Polska Sp. z o.o.|PL|||unilever|pl
Maersk Line A/S|DK|||maersk|line
A.P. Møller - Mærsk A/S|DK|||maersk|apm
AP Moller Maersk AS|DK|||maersk|apm
Maersk Deutschland GmbH|DE|||maersk|de
Danone SA|FR|||danone|fr
Danone GmbH|DE|||danone|de
Groupe Danone|FR|||danone|fr
Danone Nutricia|NL|||danone|nut
Nordic Steel AB|SE|||nordicsteel|se
Nordic Stone AB|SE|||nordicstone|se
Nordic Systems Oy|FI|||nordicsys|fi
Global Logistics Ltd|GB|||globallog|gb
Global Solutions GmbH|DE|||globalsol|de
Alpha Consulting SAS|FR|||alphacons|fr
Alpha Engineering AB|SE|||alphaeng|se
Apple Inc.|US|||apple|us
Apple Retail UK Ltd|GB|||apple|gb
Apple Sverige AB|SE|||apple|se
Applied Materials Inc.|US|||applied|us
Shell plc|GB|||shell|gb
Shell Deutschland GmbH|DE|||shell|de
Shell Nederland B.V.|NL|||shell|nl
Shellfish Trading Ltd|GB|||shellfish|gb
Delta Air Lines Inc.|US|||deltaair|us
Delta Electronics Inc.|TW|||deltael|tw
Delta Electronics (Netherlands) BV|NL|||deltael|nl
Continental AG|DE|||conti|de
Continental Automotive France SAS|FR|||conti|fr
Continental Airlines Inc|US|||contiair|us
Mercedes-Benz Group AG|DE|||mb|de
Mercedes Benz Sverige AB|SE|||mb|se
MercedesBenz Italia S.p.A.|IT|||mb|it
Bayer AG|DE|||bayer|de
Bayer CropScience SA|FR|||bayer|crop
Bayer Nordic SE|DK|||bayer|nordic
Bayern Invest GmbH|DE|||bayerninv|de
Lindt & Sprüngli AG|CH|||lindt|ch
Lindt & Spruengli GmbH|DE|||lindt|de
Chocoladefabriken Lindt & Sprüngli AG|CH|||lindt|ch2
Skanska AB|SE|||skanska|se
Skanska UK Plc|GB|||skanska|gb
Skanska Polska Sp. z o.o.|PL|||skanska|pl
Skansen AB|SE|||skansen|se
Orkla ASA|NO|||orkla|no
Orkla Foods Sverige AB|SE|||orkla|se
Orkla Foods Danmark A/S|DK|||orkla|dk
Ørkla Care AB|SE|||orkla|care
Statoil ASA|NO|||equinor|no
Equinor ASA|NO|||equinor|no2
Fazer Group|FI|||fazer|fi
Oy Karl Fazer Ab|FI|||fazer|fi
Fazer Bageri AB|SE|||fazer|se
Kraft Heinz Company|US|||kraft|us
Kraft Heinz Polska Sp. z o.o.|PL|||kraft|pl
Heinz UK Ltd|GB|||kraft|gb
Kraftwerk Union AG|DE|||kraftwerk|de
Stora Enso Oyj|FI|||stora|fi
Stora Enso Skoghall AB|SE|||stora|se
StoraEnso Deutschland GmbH|DE|||stora|de
Stora Kopparbergs Bergslags AB|SE|||storakop|se
Husqvarna AB|SE|||husq|se
Husqvarna Deutschland GmbH|DE||husqvarna.de|husq|de
Husqvarna UK Ltd|GB||husqvarna.co.uk|husq|gb
Husky Injection Molding Systems Ltd|CA|||husky|ca
"""


@dataclass(frozen=True)
class Row:
    ref: int
    name: str
    country: str
    registration_number: str
    website: str
    group: str
    entity: str


def rows() -> list[Row]:
    out = []
    for line in ROWS.strip().splitlines():
        name, country, reg, web, group, entity = line.split("|")
        out.append(Row(len(out), name, country, reg, web, group, f"{group}/{entity}"))
    return out
