"""Page speed on the server side (issue 27): compressed text, versioned static URLs that browsers
keep for a year, pages that revalidate, robots.txt and a description for search results."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import brotli
import pytest
from flask.testing import FlaskClient

import server
from assets import IMMUTABLE, REVALIDATE

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}
STATIC_URL = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def model_json_url(name: str = "mnist_cnn") -> str:
    version = json.loads((STATIC / "models" / name / "metadata.json").read_text())["version"]
    return f"/static/models/{name}/model.json?v={version}"


def page_static_urls(client: FlaskClient, page: str = "/") -> list[str]:
    """Every /static/ URL the page's HTML names (scripts, styles, icons, preloads)."""
    return STATIC_URL.findall(client.get(page).get_data(as_text=True))


@pytest.mark.parametrize("encoding", ["br", "gzip"])
@pytest.mark.parametrize(
    "url", ["/", "/photo", "/static/js/app.js", "/static/css/app.css", "model.json", "/static/vendor/tf-base.min.js"]
)
def test_text_goes_out_compressed_and_decompresses_to_the_same_bytes(client: FlaskClient, url: str, encoding: str):
    url = model_json_url() if url == "model.json" else url
    if url.startswith("/static/vendor/") and server.missing_vendor_files():
        pytest.skip("web/static/vendor/ is empty: run `npm ci`")
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    packed = client.get(url, headers={"Accept-Encoding": encoding})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert DECODE[encoding](packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 2


def test_brotli_is_preferred_when_the_browser_takes_both(client: FlaskClient):
    response = client.get("/static/js/app.js", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert response.headers["Content-Encoding"] == "br"


def test_weights_go_out_as_they_are_with_their_length(client: FlaskClient):
    """The download bar sums each shard's Content-Length; quantized weights barely compress."""
    url = model_json_url().replace("model.json", "group1-shard1of1.bin")
    response = client.get(url, headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in response.headers
    assert int(response.headers["Content-Length"]) == (STATIC / "models/mnist_cnn/group1-shard1of1.bin").stat().st_size


def test_a_compressed_file_revalidates_with_its_etag(client: FlaskClient):
    first = client.get("/static/js/app.js", headers={"Accept-Encoding": "br"})
    again = client.get("/static/js/app.js", headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_the_page_names_every_static_file_at_its_version_but_our_modules(client: FlaskClient):
    for page in ("/", "/photo"):
        for url in page_static_urls(client, page):
            path = url.split("?")[0]
            plain = path.startswith("/static/js/") or path.endswith((".webmanifest", "metadata.json"))
            assert ("?v=" not in url) == plain, url


def test_tfjs_fetches_its_wasm_and_webgl_files_at_their_versions(client: FlaskClient):
    """TF.js builds these URLs itself: the page hands it each file's versioned URL (the reading worker's TF.js too)."""
    if server.missing_vendor_files():
        pytest.skip("web/static/vendor/ is empty: run `npm ci`")
    html = client.get("/").get_data(as_text=True)
    files = json.loads(re.search(r"data-vendor-files='([^']+)'", html).group(1))
    assert set(files) == set(server.RUNTIME_VENDOR_FILES)
    for name, url in files.items():
        assert url.startswith(f"/static/vendor/{name}?v=")
        assert client.get(url).headers["Cache-Control"] == IMMUTABLE


@pytest.mark.parametrize("page", ["/", "/photo"])
def test_versioned_files_are_kept_for_a_year_and_the_rest_revalidate(client: FlaskClient, page: str):
    urls = page_static_urls(client, page)
    assert any("?v=" in url for url in urls)
    for url in urls:
        expected = IMMUTABLE if "?v=" in url else REVALIDATE
        assert client.get(url).headers["Cache-Control"] == expected, url


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/photo",
        "/sw.js",  # browsers look for a new worker on every visit
        "/robots.txt",
        "/static/js/app.js",  # imported as './app.js': no version to carry
        "/static/models/mnist_cnn/metadata.json",  # read first, to learn the version
        "/static/css/app.css",  # no version
        "/static/css/app.css?v=0000000000000000",  # an old version
        "/static/models/mnist_cnn/model.json?v=0000000000000000",
    ],
)
def test_pages_the_worker_and_unversioned_or_outdated_urls_revalidate(client: FlaskClient, url: str):
    assert client.get(url).headers["Cache-Control"] == REVALIDATE


def test_model_files_at_their_version_are_kept_for_a_year(client: FlaskClient):
    url = model_json_url()
    assert client.get(url).headers["Cache-Control"] == IMMUTABLE
    assert client.get(url.replace("model.json", "group1-shard1of1.bin")).headers["Cache-Control"] == IMMUTABLE


def test_robots_txt_lets_every_crawler_in(client: FlaskClient):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True).splitlines() == ["User-agent: *", "Allow: /"]


@pytest.mark.parametrize("page, key", [("/", "draw.description"), ("/photo", "photo.description")])
def test_each_page_has_a_translatable_description(client: FlaskClient, page: str, key: str):
    html = client.get(page).get_data(as_text=True)
    meta = re.search(r'<meta name="description" content="([^"]+)"\s+data-i18n-attr="content:([^"]+)">', html)
    assert meta and 50 <= len(meta.group(1)) <= 160  # what search results show in full
    assert meta.group(2) == key


BUNDLES = ("app.js", "photo.js", "readerWorker.js")  # scripts/build_js.mjs
SOURCE_MAP_URL = re.compile(r"//# sourceMappingURL=(\S+)\s*$")


@pytest.mark.parametrize("bundle", BUNDLES)
def test_bundles_are_minified_with_source_maps_that_resolve_to_our_modules(client: FlaskClient, bundle: str):
    """Our modules go out minified; the map the bundle names is served and names web/static/js/'s files."""
    if not (STATIC / "build" / bundle).is_file():
        pytest.skip("web/static/build/ is empty: run `npm ci`")
    url = f"/static/build/{bundle}"
    code = client.get(url).get_data(as_text=True)
    entry = "readerWorker.js" if bundle == "readerWorker.js" else bundle
    map_url = url.rsplit("/", 1)[0] + "/" + SOURCE_MAP_URL.search(code).group(1)
    response = client.get(map_url)
    assert response.status_code == 200
    source_map = json.loads(response.get_data())
    names = {Path(source).name for source in source_map["sources"]}
    assert {entry, "i18n.js"} <= names if bundle != "readerWorker.js" else {entry, "model.js", "locate.js"} <= names
    assert all(source.startswith("../js/") for source in source_map["sources"] if source.endswith(".js"))
    for source, content in zip(source_map["sources"], source_map["sourcesContent"]):
        if source.startswith("../js/"):
            assert content == (STATIC / "js" / Path(source).name).read_text()  # the file as it is, to debug
    sources_size = sum(len(content) for content in source_map["sourcesContent"])
    assert len(code.splitlines()) <= 2 and len(code) < sources_size / 2  # minified: one line, and the map's line
