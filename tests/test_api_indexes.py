"""The indexes behind the API: unique token hashes, and (on a real server) keyset
pages that walk the list indexes instead of scanning the collection."""
import pytest

from factories import make_post, make_user
from test_indexes import index_keys
from tumblelog.api.tokens import ApiToken
from tumblelog.models import Post
from tumblelog.paging import decode_cursor, encode_cursor, older_than

pytestmark = pytest.mark.usefixtures("app")


def test_token_hashes_are_unique():
    ApiToken.objects.count()  # creates the collection and its indexes
    assert index_keys(ApiToken)[(("token_hash", 1),)] is True


def test_keyset_pages_use_the_list_indexes(query_plan):
    bob = make_user("bob")
    posts = [make_post("quote", author=bob if i % 2 else None, tags=[f"t{i % 3}"]) for i in range(30)]
    after = older_than(*decode_cursor(encode_cursor(Post.objects.get(id=posts[20].id))))
    for queryset in (Post.listing(), Post.listing().filter(tags="t1"), Post.listing().filter(author=bob)):
        winning = query_plan(queryset.filter(after))
        assert "IXSCAN" in winning and "COLLSCAN" not in winning
