"""sites.json, read and written through msgspec Structs: today's files load and are written back the
same, byte for byte; a damaged or hand-edited file never stops LabelDesk from starting."""

from __future__ import annotations

import json
import logging

import pytest

from labeldesk.api.urls import DEFAULT_BASE_URL as WIX
from labeldesk.sites import Site, SiteDirectory

CAFE = "cafecafe-0000-4000-8000-0000000000f1"
BAKERY = "bakebake-0000-4000-8000-0000000000f2"

#: A sites.json exactly as LabelDesk wrote it before msgspec (json.dumps, indent 2, non-ASCII kept).
TODAYS_FILE = f"""{{
  "last_used": "{BAKERY}",
  "sites": [
    {{
      "site_id": "{CAFE}",
      "name": "Café ☕ \\"Lune\\"",
      "api_base": "{WIX}"
    }},
    {{
      "site_id": "{BAKERY}",
      "name": "",
      "api_base": "{WIX}"
    }}
  ]
}}"""


def test_a_file_in_todays_format_loads_and_is_written_back_unchanged(tmp_path):
    path = tmp_path / "sites.json"
    path.write_text(TODAYS_FILE, encoding="utf-8")
    directory = SiteDirectory(path)
    assert directory.sites == [Site(BAKERY, ""), Site(CAFE, 'Café ☕ "Lune"')]
    assert directory.last_used == Site(BAKERY, "")
    directory.remember(Site(BAKERY, ""))  # a save that changes nothing
    assert path.read_text(encoding="utf-8") == TODAYS_FILE
    directory.use(CAFE)
    assert json.loads(path.read_text(encoding="utf-8"))["last_used"] == CAFE


def test_a_file_saved_by_an_editor_with_a_byte_order_mark_still_loads(tmp_path):
    path = tmp_path / "sites.json"
    path.write_bytes(b"\xef\xbb\xbf" + TODAYS_FILE.encode())  # as Windows Notepad saves "UTF-8 with BOM"
    assert [site.site_id for site in SiteDirectory(path).sites] == [BAKERY, CAFE]


def test_a_first_save_writes_what_an_older_labeldesk_reads(tmp_path):
    path = tmp_path / "sites.json"
    SiteDirectory(path).remember(Site(CAFE, "Café"))
    assert path.read_text(encoding="utf-8") == json.dumps(
        {"last_used": CAFE, "sites": [{"site_id": CAFE, "name": "Café", "api_base": WIX}]}, indent=2, ensure_ascii=False
    )


@pytest.mark.parametrize(
    "damaged",
    [
        b"",  # emptied
        b'{"last_used": null, "sites": [{"site_id": "',  # cut off mid-write
        b"\xff\xfe{\x00}\x00",  # not UTF-8
        b"[]",  # JSON, but not an object (this one crashed LabelDesk at start-up)
        b"null",
        b'{"sites": 5}',  # (and this one)
        b'{"sites": "cafe"}',
    ],
)
def test_a_damaged_file_starts_with_no_sites_says_so_and_is_replaced_on_the_next_save(tmp_path, caplog, damaged):
    path = tmp_path / "sites.json"
    path.write_bytes(damaged)
    with caplog.at_level(logging.WARNING, logger="labeldesk.sites"):
        directory = SiteDirectory(path)
    assert directory.sites == [] and directory.last_used is None
    assert f"couldn't read {path}" in caplog.text and "starting with no saved sites" in caplog.text
    assert path.read_bytes() == damaged  # left alone until something is saved
    directory.remember(Site(CAFE, "Café"))
    assert SiteDirectory(path).sites == [Site(CAFE, "Café")]


def test_damaged_entries_are_left_out_and_the_others_kept(tmp_path, caplog):
    path = tmp_path / "sites.json"
    entries = [
        {"site_id": CAFE, "name": "Café", "api_base": WIX, "colour": "red"},  # a field added by hand: ignored
        {"site_id": 12345, "name": "number", "api_base": WIX},
        {"site_id": BAKERY, "name": "no address"},
        {"site_id": BAKERY, "name": None, "api_base": WIX},
        {"site_id": BAKERY, "name": "not an address", "api_base": "wixapis"},
        "cafe",
        [CAFE],
        {"site_id": BAKERY, "api_base": WIX},  # no name: one the person never named
    ]
    path.write_text(json.dumps({"last_used": CAFE, "sites": entries}), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="labeldesk.sites"):
        directory = SiteDirectory(path)
    assert directory.sites == [Site(BAKERY, ""), Site(CAFE, "Café")]
    assert directory.last_used == Site(CAFE, "Café")
    damaged = [r.getMessage() for r in caplog.records if "damaged site entry" in r.getMessage()]
    assert len(damaged) == 6 and all(str(path) in message for message in damaged)
    assert "Expected `str`, got `int` - at `$.site_id`" in damaged[0]  # msgspec says where


@pytest.mark.parametrize("last_used", [BAKERY, 7, [CAFE], {"site_id": CAFE}])
def test_a_last_used_that_names_no_saved_site_is_forgotten_and_the_sites_kept(tmp_path, last_used):
    path = tmp_path / "sites.json"
    path.write_text(json.dumps({"last_used": last_used, "sites": [{"site_id": CAFE, "name": "", "api_base": WIX}]}))
    directory = SiteDirectory(path)
    assert directory.last_used is None and directory.sites == [Site(CAFE, "")]


def test_no_last_used_at_all_is_none(tmp_path):
    path = tmp_path / "sites.json"
    path.write_text(json.dumps({"sites": [{"site_id": CAFE, "name": "", "api_base": WIX}]}))  # no last_used
    directory = SiteDirectory(path)
    assert directory.last_used is None and directory.sites == [Site(CAFE, "")]
