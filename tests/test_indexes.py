"""The indexes behind the reader features: unique likes, search terms, and (on a real
server) query plans that use them instead of scanning the collection."""
import pytest

from factories import make_post, make_user
from tumblelog.models import Like, Post

pytestmark = pytest.mark.usefixtures("app")

def index_keys(document):
    """{key pattern: unique} for each index of ``document``'s collection."""
    indexes = document._get_collection().index_information().values()
    return {tuple(spec["key"]): spec.get("unique", False) for spec in indexes}


def test_likes_are_unique_per_user_and_post():
    Like.objects.count()  # creates the collection and its indexes
    assert index_keys(Like)[(("user", 1), ("post", 1))] is True


def test_search_terms_have_a_sorted_multikey_index():
    Post.objects.count()
    assert (("listed", 1), ("hidden", 1), ("search_terms", 1), ("published_at", -1), ("_id", -1)) in index_keys(Post)


def test_dashboard_and_search_use_indexes(query_plan):
    bob = make_user("bob")
    for i in range(30):
        author = bob if i % 3 else make_user(f"author{i}")
        make_post("quote", author=author, quote=f"word{i} shared", tags=[f"t{i % 5}"])
    reader = make_user("reader")
    reader.followed_tags = ["t1", "t2"]
    reader.followed_users = [bob.id]
    querysets = (
        reader.followed_posts(), Post.listing().filter(search_terms__all=["shared", "word3"]),
        Post.listing().filter(author_name="bob", pinned=True), Post.drafts_of(bob), Post.queue_of(bob),
    )
    for queryset in querysets:
        winning = query_plan(queryset)
        assert "IXSCAN" in winning and "COLLSCAN" not in winning
