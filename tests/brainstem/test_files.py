"""File fields against a live server: multipart uploads, the content-addressed store, serving with the record's
permissions, clearing, sharing between records, deletion and size limits (``brainstem.md`` 3.1, 4.2.3, 4.3)."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import threading
import time
import uuid
import zipfile
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.brainstem.conftest import Lab, World, uniq
from tests.conftest import start_server, stop_server


def png_bytes(width: int = 3, height: int = 2, seed: int = 0) -> bytes:
    """A valid RGB PNG (signature, IHDR, IDAT, IEND) whose pixels depend on ``seed``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes((seed + x + y) % 256 for x in range(width * 3)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx_bytes() -> bytes:
    """A minimal Office Open XML word-processing package (``[Content_Types].xml`` first, then ``word/``); fixed
    member timestamps, so every call gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, text in (
            ("[Content_Types].xml", '<?xml version="1.0"?><Types/>'),
            ("_rels/.rels", '<?xml version="1.0"?><Relationships/>'),
            ("word/document.xml", '<?xml version="1.0"?><document/>'),
        ):
            package.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), text)
    return out.getvalue()


def blob_path(data_dir: Path, content: bytes) -> Path:
    digest = hashlib.sha256(content).hexdigest()
    return data_dir / "files" / "sha256" / digest[:2] / digest[2:]


class Files:
    """Multipart requests with a bearer token (what ``requests``' ``files=`` sends)."""

    def __init__(self, url: str, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=url, headers=headers, timeout=60)

    def send(self, method: str, path: str, files: dict[str, Any], data: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.request(method, f"/api/private/{path}", files=files, data=data)

    def get(self, url: str) -> httpx.Response:
        return self.client.get(url)


def test_setup_image_upload_serve_and_permissions(lab: Lab, world: World) -> None:
    ada, ben = Files(lab.url, lab.tokens["ada"]), Files(lab.url, lab.tokens["ben"])
    setup = lab.api("ada").create(
        "personal_attributes/setup", {"name": uniq("Rig"), "setup_type": lab.catalogue["setuptype"]}
    )
    assert setup["image"] is None
    image = png_bytes(seed=1)
    response = ada.send(
        "PATCH", f"personal_attributes/setup/{setup['id']}/", {"image": ("rig.png", image, "image/png")}
    )
    assert response.status_code == 200, response.text
    stored = response.json()["setup"]
    url = f"{lab.url}/api/private/personal_attributes/setup/{setup['id']}/image/"
    assert stored["image"] == url
    assert stored["name"] == setup["name"]  # the rest of the record is untouched
    on_disk = blob_path(lab.server.data_dir, image)
    assert on_disk.read_bytes() == image

    served = ada.get(url)
    assert served.status_code == 200
    assert served.content == image
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert 'filename="rig.png"' in served.headers["content-disposition"]
    assert lab.api("ada").get(f"private/personal_attributes/setup/{setup['id']}/").json()["setup"]["image"] == url

    # another tenant cannot tell the record or its file exists; no token is 401
    assert ben.get(url).status_code == 404
    assert ben.get(f"{lab.url}/api/private/personal_attributes/setup/{setup['id']}/").status_code == 404
    missing = f"{lab.url}/api/private/personal_attributes/setup/00000000-0000-4000-8000-000000000000/image/"
    assert ben.get(missing).status_code == 404
    assert httpx.get(url).status_code == 401
    # writes to the file URL are refused
    assert ada.client.delete(url).status_code == 405

    # public setup: the record is public, its image stays private (4.3.6)
    assert (
        lab.api("ada").patch(f"private/personal_attributes/setup/{setup['id']}/", {"is_public": True}).status_code
        == 200
    )
    public = httpx.get(f"{lab.url}/api/public/personal_attributes/setup/{setup['id']}/")
    assert public.status_code == 200 and public.json()["setup"]["image"] is None
    assert httpx.get(f"{lab.url}/api/public/personal_attributes/setup/{setup['id']}/image/").status_code == 404

    # sending the loaded record back as JSON keeps the file; JSON null clears it and deletes the bytes
    kept = lab.api("ada").patch(f"private/personal_attributes/setup/{setup['id']}/", {**stored, "location": "B3"})
    assert kept.status_code == 200 and kept.json()["setup"]["image"] == url
    cleared = lab.api("ada").patch(f"private/personal_attributes/setup/{setup['id']}/", {"image": None})
    assert cleared.status_code == 200 and cleared.json()["setup"]["image"] is None
    assert ada.get(url).status_code == 404
    assert not on_disk.exists()


def test_image_content_is_sniffed(lab: Lab) -> None:
    ada = Files(lab.url, lab.tokens["ada"])
    setup = lab.api("ada").create(
        "personal_attributes/setup", {"name": uniq("Rig"), "setup_type": lab.catalogue["setuptype"]}
    )
    path = f"personal_attributes/setup/{setup['id']}/"
    # a PDF declared as a PNG is still a PDF
    lying = ada.send("PATCH", path, {"image": ("rig.png", PDF, "image/png")})
    assert lying.status_code == 400
    assert list(lying.json()) == ["image"] and "Upload a valid image" in lying.json()["image"][0]
    empty = ada.send("PATCH", path, {"image": ("rig.png", b"", "image/png")})
    assert empty.status_code == 400 and empty.json() == {"image": ["The submitted file is empty."]}
    # a file for a field that takes none, two files for one field
    wrong = ada.send("PATCH", path, {"name": ("name.png", png_bytes(), "image/png")})
    assert wrong.status_code == 400 and list(wrong.json()) == ["name"]
    both = ada.send(
        "PATCH",
        path,
        [("image", ("a.png", png_bytes(), "image/png")), ("image", ("b.png", png_bytes(seed=2), "image/png"))],
    )  # type: ignore[arg-type]
    assert both.status_code == 400
    assert lab.api("ada").get(f"private/{path}").json()["setup"]["image"] is None
    # nothing was left behind in the store's temporary directory
    tmp = lab.server.data_dir / "files" / "tmp"
    assert not tmp.exists() or [p.name for p in tmp.iterdir()] == []


def test_protocol_attachment_create_formats_and_limits(lab: Lab) -> None:
    ada = Files(lab.url, lab.tokens["ada"])
    name = uniq("Handling SOP")
    created = ada.send(
        "POST",
        "personal_attributes/protocol/",
        {"attachment": ("sop.docx", docx_bytes(), "application/octet-stream")},
        data={"name": name, "protocol_type": "subject_log", "subtypes": '["Handling"]', "is_public": "false"},
    )
    assert created.status_code == 201, created.text
    protocol = created.json()["protocol"]
    assert protocol["name"] == name and protocol["subtypes"] == ["Handling"] and protocol["is_public"] is False
    url = f"{lab.url}/api/private/personal_attributes/protocol/{protocol['id']}/attachment/"
    assert protocol["attachment"] == url
    served = ada.get(url)
    assert served.status_code == 200 and served.content == docx_bytes()
    assert served.headers["content-type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert served.headers["content-disposition"].startswith("attachment;")

    path = f"personal_attributes/protocol/{protocol['id']}/"
    markdown = "# Handling\n\nTwo minutes per animal, gloves on. Ünïcode ok.\n".encode()
    replaced = ada.send("PATCH", path, {"attachment": ("handling.md", markdown, "text/markdown")})
    assert replaced.status_code == 200
    assert ada.get(url).content == markdown
    assert ada.get(url).headers["content-type"] == "text/markdown; charset=utf-8"
    assert not blob_path(lab.server.data_dir, docx_bytes()).exists()  # the replaced file had no other reference

    # text formats need their extension and valid UTF-8; binaries and images are not attachments
    for filename, content in (
        ("notes.bin", b"plain words"),
        ("notes.txt", b"\xff\xfe\x00binary"),
        ("photo.png", png_bytes()),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)),
    ):
        refused = ada.send("PATCH", path, {"attachment": (filename, content, "text/plain")})
        assert refused.status_code == 400, filename
        assert list(refused.json()) == ["attachment"]
    assert ada.get(url).content == markdown

    # the same bytes as plain text on another protocol: stored once, served with each record's own text type
    twin = lab.api("ada").create(
        "personal_attributes/protocol", {"name": uniq("Twin SOP"), "protocol_type": "procedure"}
    )
    as_text = ada.send(
        "PATCH", f"personal_attributes/protocol/{twin['id']}/", {"attachment": ("h.txt", markdown, "text/plain")}
    )
    assert ada.get(as_text.json()["protocol"]["attachment"]).headers["content-type"] == "text/plain; charset=utf-8"
    assert ada.get(url).headers["content-type"] == "text/markdown; charset=utf-8"
    # a URL-encoded form (no file) changes fields like JSON does
    form = ada.client.patch(f"/api/private/{path}", data={"description": "from a form", "is_public": "false"})
    assert form.status_code == 200 and form.json()["protocol"]["description"] == "from a form"
    assert form.json()["protocol"]["attachment"] == url

    # the license document also takes scans (images) and PDFs
    license_ = lab.api("ada").create(
        "personal_attributes/license", {"name": uniq("Permit"), "type": "import_export_permit"}
    )
    scan = ada.send(
        "PATCH",
        f"personal_attributes/license/{license_['id']}/",
        {"license_document": ("p.pdf", PDF, "application/pdf")},
    )
    assert scan.status_code == 200
    assert ada.get(scan.json()["license"]["license_document"]).content == PDF


def test_shared_file_survives_until_the_last_record_goes(lab: Lab) -> None:
    ada = Files(lab.url, lab.tokens["ada"])
    image = png_bytes(seed=7)
    urls = []
    ids = []
    for _ in range(2):
        setup = lab.api("ada").create(
            "personal_attributes/setup", {"name": uniq("Twin"), "setup_type": lab.catalogue["setuptype"]}
        )
        response = ada.send(
            "PATCH", f"personal_attributes/setup/{setup['id']}/", {"image": ("t.png", image, "image/png")}
        )
        assert response.status_code == 200
        ids.append(setup["id"])
        urls.append(response.json()["setup"]["image"])
    on_disk = blob_path(lab.server.data_dir, image)
    assert on_disk.read_bytes() == image
    assert lab.api("ada").delete(f"private/personal_attributes/setup/{ids[0]}/").status_code == 204
    assert ada.get(urls[0]).status_code == 404
    assert ada.get(urls[1]).content == image
    assert on_disk.exists()
    assert lab.api("ada").delete(f"private/personal_attributes/setup/{ids[1]}/").status_code == 204
    assert not on_disk.exists()


def test_acquisition_image_follows_project_permissions_and_cascades(lab: Lab, world: World) -> None:
    ada = lab.api("ada")
    session = ada.create("stem/session", {"name": uniq("imaging"), "projects": [world.project["id"]]})
    image = png_bytes(seed=11)
    created = Files(lab.url, lab.tokens["cy"]).send(
        "POST",
        "modules/dataacquisition/",
        {"image": ("fov.png", image, "image/png")},
        data={"type": "Audio", "session": session["id"], "notes": "field of view"},
    )
    assert created.status_code == 201, created.text
    acquisition = created.json()["data_acquisition"]
    url = acquisition["image"]
    assert url == f"{lab.url}/api/private/modules/dataacquisition/{acquisition['id']}/image/"
    assert acquisition["notes"] == "field of view" and acquisition["session"] == session["id"]
    assert Files(lab.url, lab.tokens["meg"]).get(url).content == image  # a project member reads it
    assert Files(lab.url, lab.tokens["ben"]).get(url).status_code == 404  # an outsider does not
    # a member without change rights cannot replace it
    refused = Files(lab.url, lab.tokens["meg"]).send(
        "PATCH", f"modules/dataacquisition/{acquisition['id']}/", {"image": ("x.png", png_bytes(seed=12), "image/png")}
    )
    assert refused.status_code == 403
    assert not blob_path(lab.server.data_dir, png_bytes(seed=12)).exists()
    # deleting the session deletes its acquisitions and their files
    assert ada.delete(f"private/stem/session/{session['id']}/").status_code == 204
    assert not blob_path(lab.server.data_dir, image).exists()


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    running = start_server(
        tmp_path_factory.mktemp("small-files") / "data", env={"BRAINDOCK_BRAINSTEM_MAX_FILE_BYTES": "2000"}
    )
    running.cli("account", "create", "tiny@stem.example", "--password", "tiny-password-1")
    token = running.cli("token", "create", "tiny@stem.example", "--scope", "BRAINSTEM").strip()
    yield running, token
    stop_server(running)


def test_size_limit_answers_413(small_server) -> None:  # type: ignore[no-untyped-def]
    server, token = small_server
    files = Files(server.url, token)
    api = httpx.Client(base_url=f"{server.url}/api/", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    protocol = api.post("private/personal_attributes/protocol/", json={"name": "SOP", "protocol_type": "procedure"})
    assert protocol.status_code == 201
    path = f"personal_attributes/protocol/{protocol.json()['protocol']['id']}/"
    fits = files.send("PATCH", path, {"attachment": ("a.txt", b"x" * 2000, "text/plain")})
    assert fits.status_code == 200
    too_big = files.send("PATCH", path, {"attachment": ("b.txt", b"y" * 2001, "text/plain")})
    assert too_big.status_code == 413
    assert list(too_big.json()) == ["attachment"] and "2000 bytes" in too_big.json()["attachment"][0]
    whole = files.send("PATCH", path, {"attachment": ("c.txt", b"z" * (2000 + 2 * 1024 * 1024), "text/plain")})
    assert whole.status_code == 413 and "detail" in whole.json()
    assert files.get(fits.json()["protocol"]["attachment"]).content == b"x" * 2000
    # the same without a Content-Length (chunked): the body is counted as it arrives
    boundary = "braindock-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="d.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    chunks = [head, *([b"w" * 65536] * 18), f"\r\n--{boundary}--\r\n".encode()]
    streamed = files.client.patch(
        f"/api/private/{path}",
        content=iter(chunks),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert streamed.status_code == 413 and "detail" in streamed.json()
    tmp = server.data_dir / "files" / "tmp"
    assert [p.name for p in tmp.iterdir()] == []
    assert files.get(fits.json()["protocol"]["attachment"]).content == b"x" * 2000


def test_public_records_serve_their_files_on_the_public_portal(lab: Lab) -> None:
    ada = lab.api("ada")
    files = Files(lab.url, lab.tokens["ada"])
    created = files.send(
        "POST",
        "personal_attributes/protocol/",
        {"attachment": ("sop.pdf", PDF, "application/pdf")},
        data={"name": uniq("Public SOP"), "protocol_type": "procedure"},
    )
    assert created.status_code == 201, created.text
    protocol = created.json()["protocol"]
    public_url = f"{lab.url}/api/public/personal_attributes/protocol/{protocol['id']}/attachment/"
    assert httpx.get(public_url).status_code == 404  # not public yet
    assert ada.patch(f"private/personal_attributes/protocol/{protocol['id']}/", {"is_public": True}).status_code == 200
    shown = httpx.get(f"{lab.url}/api/public/personal_attributes/protocol/{protocol['id']}/").json()["protocol"]
    assert shown["attachment"] == public_url
    served = httpx.get(public_url)
    assert served.status_code == 200 and served.content == PDF

    project = ada.create("stem/project", {"name": uniq("Open imaging")})
    assert ada.patch(f"private/stem/project/{project['id']}/", {"is_public": True}).status_code == 200
    session = ada.create("stem/session", {"name": uniq("open-fov"), "projects": [project["id"]]})
    image = png_bytes(seed=21)
    acquisition = files.send(
        "POST",
        "modules/dataacquisition/",
        {"image": ("fov.png", image, "image/png")},
        data={"type": "Audio", "session": session["id"]},
    ).json()["data_acquisition"]
    listed = httpx.get(
        f"{lab.url}/api/public/modules/dataacquisition/", params={"filter{session}": session["id"]}
    ).json()
    (record,) = listed["data_acquisitions"]
    assert record["image"] == f"{lab.url}/api/public/modules/dataacquisition/{acquisition['id']}/image/"
    assert httpx.get(record["image"]).content == image


def test_store_recovers_after_a_crash(tmp_path: Path) -> None:
    """A crash between moving a file to the trash and the commit must not lose it; leftovers are cleaned up."""
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        server.cli("account", "create", "crash@stem.example", "--password", "crash-password-1")
        token = server.cli("token", "create", "crash@stem.example", "--scope", "BRAINSTEM").strip()
        api = httpx.Client(base_url=f"{server.url}/api/", headers={"Authorization": f"Bearer {token}"}, timeout=60)
        protocol = api.post("private/personal_attributes/protocol/", json={"name": "SOP", "protocol_type": "procedure"})
        path = f"personal_attributes/protocol/{protocol.json()['protocol']['id']}/"
        note = b"# SOP\n\nStep one.\n"
        assert (
            Files(server.url, token).send("PATCH", path, {"attachment": ("sop.md", note, "text/markdown")}).status_code
            == 200
        )
    finally:
        stop_server(server)
    stored = blob_path(data_dir, note)
    tmp = data_dir / "files" / "tmp"
    trash = tmp / f"{hashlib.sha256(note).hexdigest()}.0123456789abcdef.trash"
    stored.rename(trash)  # as if the server died after trashing it and before its transaction committed
    orphan = tmp / f"{'0' * 64}.feedfacefeedface.trash"
    orphan.write_bytes(b"no row refers to this")
    (tmp / "abandoned.upload").write_bytes(b"half an upload")
    # a file renamed into place by a request that crashed before its commit: no bs_file row counts it
    old_orphan = blob_path(data_dir, b"renamed into place, never committed")
    old_orphan.parent.mkdir(parents=True, exist_ok=True)
    old_orphan.write_bytes(b"renamed into place, never committed")
    two_hours_ago = time.time() - 7200
    os.utime(old_orphan, (two_hours_ago, two_hours_ago))
    young_orphan = blob_path(data_dir, b"maybe a request still running")  # within the grace period: kept
    young_orphan.parent.mkdir(parents=True, exist_ok=True)
    young_orphan.write_bytes(b"maybe a request still running")
    server = start_server(data_dir)
    try:
        files = Files(server.url, token)
        url = httpx.get(f"{server.url}/api/private/{path}", headers={"Authorization": f"Bearer {token}"}).json()[
            "protocol"
        ]["attachment"]
        assert files.get(url).content == note
        assert stored.read_bytes() == note
        assert sorted(p.name for p in tmp.iterdir()) == []
        assert not old_orphan.exists() and young_orphan.exists()
    finally:
        stop_server(server)


def _streamed_form(field: str, filename: str, size: int, boundary: str = "braindock-cap-boundary") -> Any:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    block = b"q" * 65536

    def chunks() -> Any:
        yield head
        for _ in range(size // len(block)):
            yield block
        yield f"\r\n--{boundary}--\r\n".encode()

    return chunks(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_upload_caps_follow_the_model_and_rights_come_first(lab: Lab, small_server) -> None:  # type: ignore[no-untyped-def]
    ada = Files(lab.url, lab.tokens["ada"])
    protocol = lab.api("ada").create(
        "personal_attributes/protocol", {"name": uniq("Cap SOP"), "protocol_type": "procedure"}
    )
    path = f"/api/private/personal_attributes/protocol/{protocol['id']}/"
    # protocol.attachment takes 15 MiB: the whole-body cap is 15 MiB + 1 MiB, not 100 MiB per file field
    content, headers = _streamed_form("attachment", "big.txt", 17 * 1024 * 1024)
    over = ada.client.patch(path, content=content, headers=headers)
    assert over.status_code == 413
    assert str(16 * 1024 * 1024) in over.json()["detail"]
    declared = ada.send("PATCH", path.removeprefix("/api/private/"), {"attachment": ("b.txt", b"d" * (17 << 20))})
    assert declared.status_code == 413 and str(16 * 1024 * 1024) in declared.json()["detail"]

    # an oversized upload of someone who may not write the record answers 403/404, not 413: rights come first
    server, token = small_server
    server.cli("account", "create", "other-tiny@stem.example", "--password", "tiny-password-2")
    other = Files(server.url, server.cli("token", "create", "other-tiny@stem.example", "--scope", "BRAINSTEM").strip())
    owner = httpx.Client(base_url=f"{server.url}/api/", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    mine = owner.post("private/personal_attributes/protocol/", json={"name": "Mine", "protocol_type": "procedure"})
    assert mine.status_code == 201
    for record_id, status in ((mine.json()["protocol"]["id"], 404), (str(uuid.uuid4()), 404)):
        content, headers = _streamed_form("attachment", "x.txt", 3 * 1024 * 1024)
        refused = other.client.patch(
            f"/api/private/personal_attributes/protocol/{record_id}/", content=content, headers=headers
        )
        assert refused.status_code == status, refused.text
    assert mine.json()["protocol"]["attachment"] is None
    assert (
        owner.get(f"private/personal_attributes/protocol/{mine.json()['protocol']['id']}/").json()["protocol"][
            "attachment"
        ]
        is None
    )


def test_json_body_has_a_size_cap(small_server) -> None:  # type: ignore[no-untyped-def]
    server, token = small_server
    api = httpx.Client(base_url=f"{server.url}/api/", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    huge = b'{"name": "' + b"n" * (16 * 1024 * 1024) + b'", "protocol_type": "procedure"}'
    answer = api.post(
        "private/personal_attributes/protocol/", content=huge, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413 and "detail" in answer.json()
    chunked = api.post(
        "private/personal_attributes/protocol/",
        content=iter([huge[i : i + (1 << 20)] for i in range(0, len(huge), 1 << 20)]),
        headers={"Content-Type": "application/json"},
    )
    assert chunked.status_code == 413
    assert (
        api.post("private/personal_attributes/protocol/", json={"name": "ok", "protocol_type": "procedure"}).status_code
        == 201
    )


def test_identical_uploads_at_once_share_one_file(lab: Lab) -> None:
    """Two simultaneous uploads of the same new bytes: both succeed and count two references to one file."""
    content = b"# Same bytes\n\n" + uuid.uuid4().hex.encode() + b"\n"
    paths = [
        "personal_attributes/protocol/"
        + lab.api("ada").create("personal_attributes/protocol", {"name": uniq("Same"), "protocol_type": "procedure"})[
            "id"
        ]
        + "/"
        for _ in range(2)
    ]
    answers: list[httpx.Response] = []
    start = threading.Barrier(2)

    def upload(path: str) -> None:
        files = Files(lab.url, lab.tokens["ada"])
        start.wait()
        answers.append(files.send("PATCH", path, {"attachment": ("same.md", content, "text/markdown")}))

    threads = [threading.Thread(target=upload, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer.status_code for answer in answers) == [200, 200], [a.text for a in answers]
    assert blob_path(lab.server.data_dir, content).read_bytes() == content
    assert lab.api("ada").delete(f"private/{paths[0]}").status_code == 204
    assert blob_path(lab.server.data_dir, content).exists()  # still counted by the second record
    assert lab.api("ada").delete(f"private/{paths[1]}").status_code == 204
    assert not blob_path(lab.server.data_dir, content).exists()
