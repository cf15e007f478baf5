"""Static files: hashed names cached for good, compressed, and a new name for new content."""

from __future__ import annotations

import gzip
import re

from marketplace import static_files


def _stylesheet_url(client) -> str:
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', html)
    assert match, "the page links the stylesheet by its hashed name"
    return match.group(1)


def test_pages_link_hashed_names_served_for_good(client):
    url = _stylesheet_url(client)
    resp = client.get(url)
    assert resp.status_code == 200
    assert "immutable" in resp.headers["Cache-Control"]
    assert "max-age=315360000" in resp.headers["Cache-Control"]
    assert resp.headers["Content-Type"].startswith("text/css")


def test_plain_names_still_work_with_a_short_cache(client):
    resp = client.get("/static/css/app.css")
    assert resp.status_code == 200
    assert "immutable" not in resp.headers["Cache-Control"]
    assert client.get("/static/css/no-such-file.css").status_code == 404


def test_compressed_when_the_browser_accepts_it(client):
    url = _stylesheet_url(client)
    plain = client.get(url).data
    resp = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(resp.data) == plain
    assert len(resp.data) < len(plain)
    br = client.get(url, headers={"Accept-Encoding": "br, gzip"})
    assert br.headers["Content-Encoding"] == "br"


def test_changed_content_gets_a_new_name(tmp_path):
    source, target = tmp_path / "static", tmp_path / "build"
    (source / "css").mkdir(parents=True)
    sheet = source / "css" / "site.css"
    sheet.write_text("body { color: #111; }\n" * 50)
    first = static_files.build(source, target)["css/site.css"]
    sheet.write_text("body { color: #2222; }\n" * 50)
    second = static_files.build(source, target)["css/site.css"]
    assert first != second
    assert (target / first).read_text().startswith("body { color: #111")
    assert (target / second).read_text().startswith("body { color: #2222")
    assert (target / (second + ".gz")).exists()
