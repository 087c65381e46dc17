"""An API client for tests: ``api.token_for("alice")`` gets a token through
``POST /api/v1/tokens`` as a script would, then ``api.post(...)`` sends it."""
import base64

import pytest

from factories import PASSWORD, make_user

API = "/api/v1"


def basic(username, password=PASSWORD):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


class ApiClient:
    def __init__(self, client):
        self.client = client
        self.token = None

    def token_for(self, username="alice", is_admin=False):
        """Make the user (if new), get a token as them and send it from now on."""
        from tumblelog.models import User

        User.by_username(username) or make_user(username, is_admin=is_admin)
        response = self.client.post(f"{API}/tokens", headers=basic(username))
        assert response.status_code == 201, response.json
        self.token = response.json["token"]
        return self.token

    def _headers(self, headers):
        return {**(bearer(self.token) if self.token else {}), **(headers or {})}

    def get(self, path, headers=None, **kwargs):
        return self.client.get(API + path, headers=self._headers(headers), **kwargs)

    def post(self, path, json=None, headers=None, **kwargs):
        return self.client.post(API + path, json=json, headers=self._headers(headers), **kwargs)

    def patch(self, path, json=None, headers=None, **kwargs):
        return self.client.patch(API + path, json=json, headers=self._headers(headers), **kwargs)

    def delete(self, path, headers=None, **kwargs):
        return self.client.delete(API + path, headers=self._headers(headers), **kwargs)


@pytest.fixture
def api(client):
    return ApiClient(client)
