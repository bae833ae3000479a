"""Every model and alias of the registry answers on every portal (``brainstem.md`` 1.2-1.4)."""

from __future__ import annotations

from braindock.server.brainstem.fields import Relation
from braindock.server.brainstem.registry import ALL, ROUTES
from tests.brainstem.conftest import Lab, World


def test_every_route_lists_on_every_portal(lab: Lab, world: World) -> None:
    ada, root, anonymous = lab.api("ada"), lab.api("root"), lab.anonymous()
    for (app, segment), route in ROUTES.items():
        path = f"{app}/{segment}/"
        private = ada.get(f"private/{path}")
        assert private.status_code == 200, (path, private.text)
        body = private.json()
        assert list(body)[:4] == ["count", "next", "previous", route.plural], path
        public = anonymous.get(f"public/{path}")
        assert public.status_code == (200 if route.model.public else 404), path
        assert root.get(f"super/{path}").status_code == 200, path


def test_every_relation_is_includable(lab: Lab, world: World) -> None:
    root = lab.api("root")
    for model in ALL.values():
        relations = [f.name for f in model.fields if isinstance(f, Relation)]
        if not relations:
            continue
        route = ROUTES[(model.app, model.name)]
        params = [("include[]", f"{name}.*") for name in relations] + [("limit", "5")]
        response = root.get(f"super/{model.app}/{model.name}/", params)
        assert response.status_code == 200, (model.name, response.text)
        for record in response.json()[route.plural]:
            for name in relations:
                value = record[name]
                items = value if isinstance(value, list) else [value]
                assert all(item is None or isinstance(item, dict) for item in items), (model.name, name, value)


def test_registry_declares_every_documented_model() -> None:
    documented = {
        "stem": {"project", "subject", "session", "collection", "cohort", "breeding"},
        "modules": {
            "procedure",
            "behavior",
            "dataacquisition",
            "manipulation",
            "equipment",
            "consumablestock",
            "procedurelog",
            "subjectlog",
        },
        "personal_attributes": {"behavioralassay", "datastorage", "inventory", "license", "protocol", "setup"},
        "resources": {"consumable", "hardwaredevice", "supplier", "consumableapproval"},
        "taxonomies": {
            "behavioralcategory",
            "behavioralparadigm",
            "brainregion",
            "regulatoryauthority",
            "setuptype",
            "species",
            "strain",
            "strainapproval",
        },
        "dissemination": {"journal", "journalapproval", "publication"},
        "users": {"user", "group", "groupmembershipinvitation", "groupmembershiprequest", "laboratory"},
    }
    for app, names in documented.items():
        for name in names:
            assert (app, name) in ROUTES, (app, name)
    two_zero_zero = {
        ("stem", "project_membership_invitation"),
        ("stem", "project_group_membership_invitation"),
        ("users", "group_membership_invitation"),
        ("users", "group_membership_request"),
    }
    zero_two_zero = {("attributes", m) for m in ("journal", "journalapproval", "publication", "laboratory")}
    assert two_zero_zero | zero_two_zero | {("personal_attributes", "behavioralparadigm")} <= set(ROUTES)
    assert ROUTES[("modules", "consumablestock")].plural == "consumable stocks"
    assert ROUTES[("users", "user")].model.id_kind == "int"
