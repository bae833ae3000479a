"""The BrainSTEM part of ``braindock demo``: real reference taxonomies, a small lab project, queries.

Reference data ship inside PyPI packages (the ``demo`` extra); nothing is downloaded at run time:

* brain regions: the Allen mouse brain atlas structure tree of ``iblatlas`` 1.3.0
  (``iblatlas/allen_structure_tree.csv``, 1,327 structures plus a ``void`` row that is skipped),
  read from the installed distribution's files without importing ``iblatlas`` (installed with
  ``--no-deps``: its runtime dependencies are not needed). The hierarchy goes into the region fields of
  the data model (``region_id`` = Allen id, ``parent_acronym``, ``graph_order``) and, readable at a
  glance, into each region's description (parent acronym and name, depth, structure id path);
* species: the openMINDS controlled terms of ``openminds`` 0.6.1
  (``openminds.latest.controlled_terms.Species.instances()``, 26 species) with their NCBI Taxonomy
  ids as ``external_identifiers``.

:func:`run_brainstem_tour` makes the demo account a BrainSTEM administrator (CLI
``braindock brainstem admin``), seeds both catalogues through the API (only what is missing, so a
second run creates nothing), creates a project with subjects and sessions with the braindock SDK
(reused on later runs) and prints a few filtered, sorted, included queries. Last, it uploads a picture of
the recording arena (a PNG drawn with matplotlib: the open field with a simulated 10-minute trajectory) to
the project's setup as a multipart PATCH of ``setup.image``, and downloads it again from the URL the record
shows, checking the bytes and where the content-addressed store keeps them (``files/sha256/ab/cdef...``).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import io
import re
from datetime import datetime, timedelta
from typing import Any

from braindock.config import Settings

ALLEN_DISTRIBUTION = "iblatlas"
ALLEN_VERSION = "1.3.0"
ALLEN_FILE = "iblatlas/allen_structure_tree.csv"
OPENMINDS_VERSION = "0.6.1"
ATLAS = "AIA"
INSTALL_HINT = (
    f"pip install --no-deps {ALLEN_DISTRIBUTION}=={ALLEN_VERSION} && pip install openminds=={OPENMINDS_VERSION}"
)
PROJECT = "Demo: hippocampal recordings"
STRAIN = "C57BL/6J"
SUBJECTS = [("demo-mouse-01", "F"), ("demo-mouse-02", "M"), ("demo-mouse-03", "F")]
SESSIONS_PER_SUBJECT = 4
FIRST_DAY = datetime(2024, 3, 4, 9, 30)
SETUP_TYPE = "Open field arena"
SETUP = "Demo: CA1 tetrode open field"


class MissingReferenceData(RuntimeError):
    """A package holding the demo's reference data is not installed."""


def allen_structures() -> list[dict[str, str]]:
    """The rows of iblatlas' ``allen_structure_tree.csv`` (without ``void``), read from the package files."""
    try:
        dist = importlib.metadata.distribution(ALLEN_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise MissingReferenceData(f"{ALLEN_DISTRIBUTION} is not installed: {INSTALL_HINT}") from None
    path = dist.locate_file(ALLEN_FILE)
    text = path.read_text(encoding="utf-8")  # type: ignore[union-attr]
    return [row for row in csv.DictReader(io.StringIO(text)) if row["id"] != "0"]


def openminds_species() -> list[dict[str, Any]]:
    """Name, definition and NCBI taxon id of each openMINDS species."""
    try:
        from openminds.latest.controlled_terms import Species
    except ImportError:
        raise MissingReferenceData(f"openminds is not installed: {INSTALL_HINT}") from None
    species = []
    for item in Species.instances():
        iri = str(item.preferred_ontology_identifier or "")
        match = re.search(r"NCBITaxon_(\d+)", iri)
        species.append(
            {"name": item.name, "definition": item.definition or "", "taxon": match.group(1) if match else None}
        )
    return sorted(species, key=lambda s: s["name"])


def region_body(row: dict[str, str], by_id: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The ``brainregion`` record of one Allen structure (hierarchy in the fields and the description)."""
    parent = by_id.get(row["parent_structure_id"])
    parent_text = f"parent {parent['acronym']} ({parent['name']})" if parent else "top of the hierarchy"
    description = (
        f"Allen Mouse Brain Atlas structure {row['id']}; {parent_text}; depth {row['depth']}; "
        f"structure id path {row['structure_id_path']}"
    )
    body: dict[str, Any] = {
        "name": row["name"],
        "acronym": row["acronym"],
        "atlas": ATLAS,
        "description": description,
        "region_id": int(row["id"]),
        "graph_order": int(row["graph_order"]),
    }
    if parent:
        body["parent_acronym"] = parent["acronym"]
    return body


def species_body(item: dict[str, Any]) -> dict[str, Any]:
    """The ``species`` record of one openMINDS species (NCBI Taxonomy id as external identifier)."""
    body: dict[str, Any] = {"name": item["name"], "description": item["definition"][:2000]}
    if item["taxon"]:
        body["external_identifiers"] = [
            {
                "source": "NCBI Taxonomy",
                "identifier": item["taxon"],
                "url": f"https://www.ncbi.nlm.nih.gov/Taxonomy/Browser/wwwtax.cgi?id={item['taxon']}",
            }
        ]
    return body


def _created(response: Any, key: str) -> dict[str, Any]:
    if response.status_code != 201:
        raise RuntimeError(f"creating a {key} failed ({response.status_code}): {response.text[:500]}")
    return response.json()[key]


def _existing(client: Any, model: str, key: str, field: str = "name") -> dict[str, dict[str, Any]]:
    records = client.load(model, load_all=True, limit=100)[key]
    return {record[field]: record for record in records}


def seed_taxonomies(client: Any) -> dict[str, Any]:
    """Create the missing brain regions and species; return counts and the records by key."""
    rows = allen_structures()
    by_id = {row["id"]: row for row in rows}
    existing = client.load("brainregion", filters={"atlas": ATLAS}, load_all=True, limit=100)["brain_regions"]
    regions = {record["acronym"]: record for record in existing}
    new_regions = 0
    for row in rows:
        if row["acronym"] in regions:
            continue
        regions[row["acronym"]] = _created(client.save("brainregion", data=region_body(row, by_id)), "brain_region")
        new_regions += 1
    species_rows = openminds_species()
    species = _existing(client, "species", "species")
    new_species = 0
    for item in species_rows:
        if item["name"] in species:
            continue
        species[item["name"]] = _created(client.save("species", data=species_body(item)), "species")
        new_species += 1
    return {
        "regions": regions,
        "species": species,
        "allen_rows": len(rows),
        "species_rows": len(species_rows),
        "new_regions": new_regions,
        "new_species": new_species,
    }


def _one(client: Any, model: str, key: str, name: str) -> dict[str, Any] | None:
    found = client.load(model, filters={"name": name}).json()[key]
    return found[0] if found else None


def seed_project(client: Any, mouse_species_id: str) -> dict[str, Any]:
    """The demo project with its subjects and sessions (created once, reused afterwards)."""
    created = 0
    strain = _one(client, "strain", "strains", STRAIN)
    if strain is None:
        strain = _created(
            client.save(
                "strain",
                data={"name": STRAIN, "species": mouse_species_id, "rrid": "RRID:IMSR_JAX:000664"},
            ),
            "strain",
        )
        created += 1
    project = _one(client, "project", "projects", PROJECT)
    if project is None:
        body = {"name": PROJECT, "description": "Tetrode recordings in dorsal CA1 during open-field exploration."}
        project = _created(client.save("project", data=body), "project")
        created += 1
    for s, (name, sex) in enumerate(SUBJECTS):
        if _one(client, "subject", "subjects", name) is None:
            body = {"name": name, "projects": [project["id"]], "strain": strain["id"], "sex": sex}
            _created(client.save("subject", data=body), "subject")
            created += 1
        for n in range(SESSIONS_PER_SUBJECT):
            session_name = f"{name}-day{n + 1}"
            if _one(client, "session", "sessions", session_name) is None:
                when = FIRST_DAY + timedelta(days=7 * s + n, minutes=45 * s)
                body = {
                    "name": session_name,
                    "projects": [project["id"]],
                    "date_time": when.isoformat(),
                    "description": f"Open field, CA1 tetrodes, {name}, day {n + 1}",
                }
                _created(client.save("session", data=body), "session")
                created += 1
    return {"project": project, "strain": strain, "created": created}


def arena_png(seed: int = 7, seconds: int = 600, rate_hz: float = 10.0) -> bytes:
    """A PNG (640 x 640 px) of a 60 x 60 cm open field with a simulated mouse trajectory.

    The path is a bounded correlated random walk (speed ~12 cm/s, heading noise 0.35 rad per step) that reflects
    off the walls; ``seed`` makes it reproducible, so every run uploads identical bytes.
    """
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    rng = np.random.default_rng(seed)
    steps = int(seconds * rate_hz)
    heading = np.cumsum(rng.normal(0.0, 0.35, steps))
    speed = np.abs(rng.normal(12.0, 4.0, steps)) / rate_hz
    position = np.empty((steps, 2))
    position[0] = (30.0, 30.0)
    for n in range(1, steps):
        step = position[n - 1] + speed[n] * np.array([np.cos(heading[n]), np.sin(heading[n])])
        position[n] = 60.0 - np.abs(60.0 - np.abs(step))  # reflect at 0 and 60 cm
    figure = Figure(figsize=(4, 4), dpi=160)
    axes = figure.add_subplot()
    axes.plot(position[:, 0], position[:, 1], linewidth=0.5, color="#1f77b4")
    axes.add_patch(Rectangle((0, 0), 60, 60, fill=False, linewidth=1.5, edgecolor="black"))
    axes.set(xlim=(-2, 62), ylim=(-2, 62), aspect="equal", xlabel="x (cm)", ylabel="y (cm)")
    axes.set_title("Open field 60 x 60 cm, 10 min (simulated)", fontsize=9)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def upload_setup_image(client: Any, server_url: str, token: str, settings: Settings) -> dict[str, Any]:
    """Make (once) the demo setup, upload :func:`arena_png` as its ``image`` and download it back.

    Returns:
        ``setup`` (the record), ``url`` (its ``image``), ``size`` (bytes), ``content_type`` (as served),
        ``same`` (downloaded bytes equal the uploaded ones), ``stored`` (path of the file in the store, relative to
        the data directory, or ``None`` if absent).
    """
    import httpx

    setup_type = _one(client, "setuptype", "setup_types", SETUP_TYPE)
    if setup_type is None:
        setup_type = _created(client.save("setuptype", data={"name": SETUP_TYPE, "category": "F"}), "setup_type")
    setup = _one(client, "setup", "setups", SETUP)
    if setup is None:
        body = {"name": SETUP, "location": "Room B2", "setup_type": setup_type["id"]}
        setup = _created(client.save("setup", data=body), "setup")
    image = arena_png()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server_url, headers=headers, timeout=60) as http:
        uploaded = http.patch(
            f"/api/private/personal_attributes/setup/{setup['id']}/",
            files={"image": ("open-field-arena.png", image, "image/png")},
        )
        uploaded.raise_for_status()
        url = client.load("setup", id=setup["id"]).json()["setup"]["image"]
        served = http.get(url)
        served.raise_for_status()
    digest = hashlib.sha256(image).hexdigest()
    stored = settings.files_dir / "sha256" / digest[:2] / digest[2:]
    return {
        "setup": uploaded.json()["setup"],
        "url": url,
        "size": len(image),
        "content_type": served.headers.get("content-type"),
        "same": served.content == image,
        "stored": str(stored.relative_to(settings.data_dir)) if stored.is_file() else None,
    }


def run_brainstem_tour(settings: Settings, server_url: str, token: str, tour: Any, cli: Any) -> dict[str, Any]:
    """Seed and query the BrainSTEM side of the demo server; print as the tour goes.

    Args:
        settings: the demo's settings (data directory).
        server_url: the running server.
        token: a personal access token of the demo account (all scopes).
        tour: the demo's :class:`braindock.demo.Tour` (``section``, ``say``, ``code``, ``frame``).
        cli: ``cli(*args) -> str`` running ``braindock --data-dir ... ARGS`` (raises on failure).

    Returns:
        counts: ``brain_regions``, ``species``, ``subjects``, ``sessions``, ``created``.
    """
    from braindock.clients.brainstem import BrainstemClient
    from braindock.demo import EMAIL

    tour.section("5. BrainSTEM: reference taxonomies, a project, queries (braindock SDK)")
    cli("brainstem", "admin", EMAIL)
    tour.say(
        f"{EMAIL} is a BrainSTEM administrator (braindock brainstem admin), so catalogue records are written "
        "directly instead of becoming approval requests."
    )
    client = BrainstemClient(token=token, url=server_url, timeout=60)
    try:
        seeded = seed_taxonomies(client)
        tour.say(
            f"Brain regions: [bold]{len(seeded['regions']):,}[/] Allen mouse brain structures "
            f"(iblatlas {ALLEN_VERSION}, allen_structure_tree.csv, {seeded['allen_rows']:,} rows; "
            f"{seeded['new_regions']:,} created now)."
        )
        tour.say(
            f"Species: [bold]{len(seeded['species'])}[/] with NCBI Taxonomy ids (openminds {OPENMINDS_VERSION} "
            f"controlled terms, {seeded['species_rows']} species; {seeded['new_species']} created now)."
        )
        mouse = seeded["species"]["Mus musculus"]
        lab = seed_project(client, mouse["id"])
        project = lab["project"]
        tour.say(
            f"Project [bold]{PROJECT}[/]: {len(SUBJECTS)} subjects ({STRAIN}), "
            f"{len(SUBJECTS) * SESSIONS_PER_SUBJECT} sessions ({lab['created']} records created now)."
        )
        tour.code(
            f'client = BrainstemClient(token=token, url="{server_url}")\n'
            "client.load('brainregion', filters={'name.icontains': 'CA1', 'atlas': 'AIA'}, sort=['acronym'])\n"
            "client.load('species', filters={'name.icontains': 'mus'})\n"
            "client.load('session', filters={'projects.id': project_id, 'date_time.gte': '2024-03-11'},\n"
            "            sort=['-date_time'], limit=5)\n"
            "client.load('subject', filters={'projects.id': project_id, 'sex': 'F'}, include=['strain'])"
        )
        regions = client.load(
            "brainregion", filters={"name.icontains": "CA1", "atlas": ATLAS}, sort=["acronym"], limit=10
        )
        frame = regions.to_dataframe()
        tour.frame(
            f"Brain regions whose name contains 'CA1' ({regions.json()['meta']['total_results']})",
            frame[["acronym", "name", "atlas"]],
            index=False,
        )
        hippocampus = client.load("brainregion", filters={"acronym": "CA1", "atlas": ATLAS}).json()["brain_regions"][0]
        tour.say(f"CA1: {hippocampus['description']}")
        children = client.load(
            "brainregion", filters={"parent_acronym": "CA", "atlas": ATLAS}, sort=["graph_order"]
        ).json()["brain_regions"]
        tour.say(
            "Children of CA (filter parent_acronym=CA, sorted by graph_order): "
            + ", ".join(f"{r['acronym']} ({r['name']})" for r in children)
        )
        mus = client.load("species", filters={"name.icontains": "mus"}, sort=["name"]).json()["species"]
        tour.say(
            "Species matching 'mus': "
            + "; ".join(
                f"{s['name']} (NCBI Taxonomy {(s.get('external_identifiers') or [{}])[0].get('identifier', '?')})"
                for s in mus
            )
        )
        sessions = client.load(
            "session",
            filters={"projects.id": project["id"], "date_time.gte": "2024-03-11"},
            sort=["-date_time"],
            limit=5,
        )
        body = sessions.json()
        tour.frame(
            f"Sessions from 2024-03-11 on, newest first ({body['meta']['total_results']} match, first 5)",
            sessions.to_dataframe()[["name", "date_time", "description"]],
            index=False,
        )
        subjects = client.load("subject", filters={"projects.id": project["id"], "sex": "F"}, include=["strain"])
        subject_body = subjects.json()
        strains = {s["id"]: s["name"] for s in subject_body.get("strains", [])}

        def strain_name(value: Any) -> str:
            if isinstance(value, dict):  # included: embedded in the record
                return str(value.get("name"))
            return strains.get(value, str(value))

        tour.say(
            f"Female subjects with their strain included ({subject_body['meta']['total_results']}): "
            + ", ".join(f"{s['name']} ({strain_name(s['strain'])})" for s in subject_body["subjects"])
        )
        all_sessions = client.load("session", filters={"projects.id": project["id"]}).json()["meta"]["total_results"]
        all_subjects = client.load("subject", filters={"projects.id": project["id"]}).json()["meta"]["total_results"]
        tour.code(
            "with open('open-field-arena.png', 'rb') as image:  # multipart, as the BrainSTEM docs show\n"
            f"    httpx.patch(f'{server_url}/api/private/personal_attributes/setup/{{setup_id}}/',\n"
            "                files={'image': ('open-field-arena.png', image, 'image/png')}, headers=auth)\n"
            "url = client.load('setup', id=setup_id).json()['setup']['image']\n"
            "httpx.get(url, headers=auth).content"
        )
        picture = upload_setup_image(client, server_url, token, settings)
        tour.say(
            f"Setup [bold]{SETUP}[/]: image {picture['size']:,} bytes (PNG drawn with matplotlib) uploaded; "
            f"the record shows {picture['url']}; a GET there with the same token serves "
            f"{picture['content_type']}, {'identical bytes' if picture['same'] else 'DIFFERENT BYTES'}, "
            f"stored once in the content-addressed store at {picture['stored']}."
        )
    finally:
        client.close()
    return {
        "brain_regions": len(seeded["regions"]),
        "species": len(seeded["species"]),
        "subjects": all_subjects,
        "sessions": all_sessions,
        "created": seeded["new_regions"] + seeded["new_species"] + lab["created"],
    }
