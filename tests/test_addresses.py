"""Which address a key, a site and a saved copy belong to (issue 13, item 1), without Qt."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from labeldesk.api.urls import DEFAULT_BASE_URL, is_wix, validate_base_url
from labeldesk.cache import ForeignAnswerError, LabelCache, cache_path
from labeldesk.credentials import key_account
from labeldesk.domain import Label, LabelType
from labeldesk.sites import Site, SiteDirectory

TEST_SERVER = "http://127.0.0.1:8765"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def labels(count: int, prefix: str = "L") -> list[Label]:
    return [Label(f"custom.{prefix.lower()}{n}", f"{prefix}{n}", LabelType.USER_DEFINED) for n in range(count)]


@pytest.mark.parametrize(
    "url",
    ["https://www.wixapis.com", "https://WWW.WixAPIs.com/", "https://www.wixapis.com:443", " https://www.wixapis.com"],
)
def test_wix_is_recognised_however_it_is_spelled_and_comes_back_as_one_address(url):
    assert is_wix(url)
    assert validate_base_url(url) == DEFAULT_BASE_URL


@pytest.mark.parametrize(
    "url",
    [
        TEST_SERVER,
        "http://www.wixapis.com",
        "https://www.wixapis.com:8443",
        "https://www.wixapis.com.example.net",
        "https://wixapis.com",
        "https://www.wixapis.com/proxy",
        "https://user@www.wixapis.com",
    ],
)
def test_anything_else_is_not_wix(url):
    assert not is_wix(url)


def test_a_key_is_kept_under_the_site_id_for_wix_and_under_site_and_address_elsewhere():
    assert key_account("site-1", DEFAULT_BASE_URL) == "site-1"  # as LabelDesk always kept Wix keys
    assert key_account("site-1", TEST_SERVER) == f"site-1 at {TEST_SERVER}"
    assert key_account("site-1", "http://127.0.0.1:8766") != key_account("site-1", TEST_SERVER)


def test_a_site_at_a_test_server_is_known_for_this_run_only_and_never_replaces_the_wix_site(tmp_path):
    path = tmp_path / "sites.json"
    directory = SiteDirectory(path)
    directory.remember(Site("a", "Bakery"))
    directory.remember(Site("a", "", TEST_SERVER))  # the same site ID at a test server
    directory.remember(Site("b", "Lab", TEST_SERVER))
    assert [(site.site_id, site.api_base) for site in directory.sites] == [
        ("a", DEFAULT_BASE_URL),
        ("a", TEST_SERVER),
        ("b", TEST_SERVER),
    ]
    assert directory.sites[1].name == "Bakery"  # the name is taken from the Wix site
    assert directory.last_used == Site("a", "Bakery")  # a plain start opens the Wix site
    saved = json.loads(path.read_text())
    assert saved == {"last_used": "a", "sites": [{"site_id": "a", "name": "Bakery", "api_base": DEFAULT_BASE_URL}]}
    assert [site.site_id for site in SiteDirectory(path).sites] == ["a"]
    directory.forget("a", TEST_SERVER)
    assert [site.identity for site in directory.sites] == [("a", DEFAULT_BASE_URL), ("b", TEST_SERVER)]


def test_an_address_saved_by_an_older_labeldesk_is_dropped_for_wix(tmp_path):
    path = tmp_path / "sites.json"
    old = {
        "last_used": "a",
        "sites": [
            {"site_id": "a", "name": "Bakery", "api_base": TEST_SERVER},
            {"site_id": "b", "name": "Shop", "api_base": "https://www.wixapis.com/"},
        ],
    }
    path.write_text(json.dumps(old))
    directory = SiteDirectory(path)
    assert [(site.site_id, site.api_base) for site in directory.sites] == [
        ("a", DEFAULT_BASE_URL),
        ("b", DEFAULT_BASE_URL),
    ]
    assert directory.last_used.site_id == "a"
    assert TEST_SERVER not in path.read_text()  # written back at once: no older copy can bring it back


def test_site_says_where_it_is():
    assert Site("a", "Bakery").where == ""
    assert Site("a", "Bakery", TEST_SERVER).where == f"Test server at {TEST_SERVER}, not Wix"


def test_each_address_has_its_own_saved_copy_and_wix_keeps_the_old_file_name(tmp_path):
    wix = cache_path(tmp_path, "site-1")
    assert wix == cache_path(tmp_path, "site-1", DEFAULT_BASE_URL) == tmp_path / "sites" / "site-1.sqlite3"
    test = cache_path(tmp_path, "site-1", TEST_SERVER)
    assert test != wix and test.parent == wix.parent
    assert cache_path(tmp_path, "site-1", "http://127.0.0.1:8766") not in (wix, test)


def test_an_answer_from_another_address_never_replaces_the_saved_copy(tmp_path):
    path = tmp_path / "site.sqlite3"
    cache = LabelCache(path, source=DEFAULT_BASE_URL)
    cache.replace_labels(labels(5), NOW, source=DEFAULT_BASE_URL)
    for write in (
        lambda: cache.replace_labels([], NOW, source=TEST_SERVER),
        lambda: cache.replace_counts({}, NOW, source=TEST_SERVER),
        lambda: cache.upsert(labels(1, "X")[0], NOW, source=TEST_SERVER),
        lambda: cache.remove("custom.l0", source=TEST_SERVER),
    ):
        with pytest.raises(ForeignAnswerError):
            write()
    cache.close()
    # Even a cache object made for the other address: the file says whose copy it is.
    other = LabelCache(path, source=TEST_SERVER)
    with pytest.raises(ForeignAnswerError):
        other.replace_labels([], NOW, source=TEST_SERVER)
    assert other.load().labels == ()  # and it isn't shown as that address's copy
    other.close()
    assert len(LabelCache(path, source=DEFAULT_BASE_URL).load().labels) == 5


def test_a_copy_saved_before_addresses_were_recorded_takes_the_address_of_its_next_save(tmp_path):
    path = tmp_path / "site.sqlite3"
    old = LabelCache(path)
    old.replace_labels(labels(3), NOW)
    old.close()
    cache = LabelCache(path, source=DEFAULT_BASE_URL)
    assert len(cache.load().labels) == 3
    cache.replace_labels(labels(4), NOW, source=DEFAULT_BASE_URL)
    with pytest.raises(ForeignAnswerError):
        cache.replace_labels([], NOW, source=TEST_SERVER)
    assert len(cache.load().labels) == 4
    cache.close()
