"""Writes the two Excel fixtures of this folder (the CSV ones are kept as written):

- dynamics365_accounts.xlsx: Dynamics 365 "Export to Excel" of the Active Accounts view, its
  first three columns the hidden "(Do Not Modify)" ones (record GUID, checksum, modified on).
- kunder_sverige.xlsx: a Swedish customer list typed in Excel, a title and a blank row above
  the header.

Run from the repository root: python tests/data/imports/make_xlsx.py
"""

from __future__ import annotations

import datetime
import zlib
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent


def dynamics() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Active Accounts"
    sheet.append(
        [
            "(Do Not Modify) Account",
            "(Do Not Modify) Row Checksum",
            "(Do Not Modify) Modified On",
            "Account Name",
            "Main Phone",
            "Address 1: Street 1",
            "Address 1: City",
            "Address 1: ZIP/Postal Code",
            "Address 1: Country/Region",
            "Primary Contact",
            "Email",
            "Website",
            "Parent Account",
            "Owner",
        ]
    )
    modified = datetime.datetime(2026, 11, 3, 9, 14, 2)
    rows = [
        ("7d8e2c1a-51b4-ef11-a72f-000d3ab2c3d4", "Helvar Holding Oyj", "+358 9 5654 100",
         "Yrittäjäntie 23", "Espoo", "02600", "Finland", "Kari Salo", "info@helvar.example",
         "https://www.helvar.example", "", "Greta GAM"),
        ("8a1f3d2b-51b4-ef11-a72f-000d3ab2c3d4", "Helvar Sverige AB", "+46 8 120 510 00",
         "Kungsgatan 8", "Stockholm", "111 43", "Sweden", "", "", "helvar.example/se",
         "Helvar Holding Oyj", "Greta GAM"),
        ("9b2e4c3d-51b4-ef11-a72f-000d3ab2c3d4", "Helvar Deutschland GmbH", "+49 89 200 0",
         "Leopoldstraße 9", "München", "80802", "Germany", "", "", "helvar.example/de",
         "Helvar Holding Oyj", "Lukas LAM"),
        ("0c3f5d4e-51b4-ef11-a72f-000d3ab2c3d4", "Brunnsvik Bygg AB", "+46 31 70 10 00",
         "Södra Vägen 1", "Göteborg", "412 54", "Sweden", "", "", "brunnsvikbygg.example",
         "", "Olle Owner"),
    ]  # fmt: skip
    for guid, *cells in rows:
        sheet.append([guid, str(zlib.crc32(guid.encode())), modified, *cells])
    for column in "ABC":
        sheet.column_dimensions[column].hidden = True
    workbook.save(HERE / "dynamics365_accounts.xlsx")


def swedish() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kunder"
    sheet.append(["Kundlista Sverige – uppdaterad november 2026"])
    sheet.append([])
    sheet.append(["Kund", "Org.nr", "Webbplats", "Land", "Ansvarig", "Adress", "Koncern"])
    sheet.append(["Älvdalens Trä AB", "556123-4567", "alvdalenstra.example", "Sverige",
                  "olle owner", "Storgatan 1, 796 30 Älvdalen", ""])  # fmt: skip
    sheet.append(["Norrsken Energi AB", "5569876543", "www.norrsken-energi.example", "SE",
                  "owner@acme.test", "Norra Strandgatan 4, 903 26 Umeå", ""])  # fmt: skip
    sheet.append(["Volvia Sverige AB", "", "", "Sverige", "", "", "Volvia Group"])
    workbook.save(HERE / "kunder_sverige.xlsx")


if __name__ == "__main__":
    dynamics()
    swedish()
