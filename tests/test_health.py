"""``/healthz`` tells a load balancer whether the app and its database are up."""
from unittest import mock

from pymongo.errors import ServerSelectionTimeoutError


def test_healthy_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_unavailable_when_the_database_does_not_answer(client):
    with mock.patch("tumblelog.health.get_db") as get_db:
        get_db.return_value.command.side_effect = ServerSelectionTimeoutError("down")
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
