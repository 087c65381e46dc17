"""A returning signed-out reader's browser (or a cache in front) asks "has this page
changed?" with the ETag it holds, and gets ``304 Not Modified`` until something the
page shows changes (cache.revalidated_page): never an outdated page, never another
reader's buttons."""
import pytest

from conftest import AuthActions, page
from factories import add_comments, make_post, make_user
from tumblelog.models import Post, User

PAGES = ["/", "/tag/python", "/user/alice"]


@pytest.fixture
def post(app):
    return make_post("blog", author=make_user("alice"), tags=["python"], title="First draft")


def permalink(post):
    """The post's permalink as it is now (its slug follows its title)."""
    return f"/post/{post.id}/{Post.objects.get(id=post.id).slug}"


def pages(post):
    return [*PAGES, permalink(post)]


def revalidate(client, url, etag):
    return client.get(url, headers={"If-None-Match": etag})


def etag_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.headers["ETag"]


def test_an_unchanged_page_is_not_sent_again(client, post):
    for url in pages(post):
        etag = etag_of(client, url)
        response = revalidate(client, url, etag)
        assert response.status_code == 304, url
        assert response.data == b""
        assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "change",
    [
        lambda post: Post.objects(id=post.id).update_one(set__title="Final words"),
        lambda post: Post.objects(id=post.id).update_one(inc__like_count=1),
        lambda post: add_comments(post, 1),
        lambda post: make_post("quote", author=User.by_username("alice"), tags=["python"]),
        lambda post: post.delete(),
    ],
    ids=["edit", "like", "comment", "new post", "deleted post"],
)
def test_a_change_to_what_the_page_shows_sends_it_again(client, post, change):
    url_etags = {url: etag_of(client, url) for url in PAGES}
    change(post)
    for url, etag in url_etags.items():
        assert revalidate(client, url, etag).status_code == 200, url


def test_a_new_comment_and_an_edit_send_the_permalink_again(client, post):
    url = permalink(post)
    etag = etag_of(client, url)
    add_comments(post, 1)
    response = revalidate(client, url, etag)
    assert response.status_code == 200
    assert page(response).select_one(".comment__body").get_text() == "comment 1"
    etag = response.headers["ETag"]
    Post.objects(id=post.id).update_one(set__body_html="<p>Changed</p>")
    assert revalidate(client, url, etag).status_code == 200


def test_a_new_profile_sends_the_blog_again(client, post):
    etag = etag_of(client, "/user/alice")
    User.objects(username="alice").update_one(set__blog_title="Alice's garden")
    response = revalidate(client, "/user/alice", etag)
    assert "Alice's garden" in page(response).select_one("h1").get_text()


def test_a_waiting_message_is_shown_not_revalidated_away(client, post):
    etag = etag_of(client, "/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Welcome back")]
    response = revalidate(client, "/", etag)
    assert response.status_code == 200
    assert "Welcome back" in response.get_data(as_text=True)


def test_another_language_or_host_gets_its_own_version(client, post):
    etag = etag_of(client, "/")
    assert client.get("/", headers={"If-None-Match": etag, "Accept-Language": "ja"}).status_code == 200
    assert client.get("/", headers={"If-None-Match": etag}, base_url="http://other.test").status_code == 200


def test_signed_in_readers_always_get_their_own_page(client, post):
    etag = etag_of(client, "/")
    AuthActions(client).register("reader")
    response = revalidate(client, "/", etag)
    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert page(response).select_one(".like-form button") is not None


def test_signed_out_list_pages_carry_no_csrf_token(client, post):
    """So they are the same for every signed-out reader: Like and Follow lead to sign-in."""
    for url in PAGES:
        shown = page(client.get(url))
        assert shown.select("input[name=csrf_token]") == [], url
        like = shown.select_one(".like-form a")
        assert like.get_text() == "Like"
        assert like["href"] == f"/auth/login?next={url}"
    assert "Set-Cookie" not in client.get("/").headers


def test_a_revalidated_permalink_keeps_a_comment_form_that_works(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        post = make_post("blog", author=make_user("alice"), title="Talk to me")
        url = permalink(post)
    first = client.get(url)
    token = page(first).select_one(".comment-form input[name=csrf_token]")["value"]
    rendered = page(first).select_one(".comment-form input[name=rendered]")["value"]
    assert revalidate(client, url, first.headers["ETag"]).status_code == 304
    # A browser with another session (and so another CSRF secret) gets a page of its own.
    assert revalidate(app.test_client(), url, first.headers["ETag"]).status_code == 200
    response = client.post(f"/post/{post.id}/comments", data={"csrf_token": token, "rendered": rendered,
                                                    "name": "Sam", "body": "Hello from a kept page"})
    assert response.status_code == 303
    assert "Hello from a kept page" in client.get(url).get_data(as_text=True)


def test_the_next_signed_out_reader_gets_the_kept_page_only_while_it_is_current(app, client, post):
    """Signed-out list pages are kept whole for the next reader (PAGE_CACHE_SIZE)."""
    newcomer = app.test_client()
    first = client.get("/tag/python").get_data(as_text=True)
    assert newcomer.get("/tag/python").get_data(as_text=True) == first
    Post.objects(id=post.id).update_one(set__title="Final words")
    assert page(newcomer.get("/tag/python")).select_one(".post__title").get_text(strip=True) == "Final words"


def test_a_kept_page_is_kept_for_its_own_address(app_factory):
    """Links on a list page keep the query's other arguments: ``/?ref=feed`` is not ``/``."""
    app = app_factory(POSTS_PER_PAGE=1)
    with app.app_context():
        alice = make_user("alice")
        make_post("quote", author=alice)
        make_post("quote", author=alice)
    client = app.test_client()
    assert "ref=feed" not in page(client.get("/")).select_one(".pager__older")["href"]
    assert "ref=feed" in page(client.get("/?ref=feed")).select_one(".pager__older")["href"]


def test_search_results_are_revalidated_too(client, post):
    url = "/search?q=draft"
    etag = etag_of(client, url)
    assert revalidate(client, url, etag).status_code == 304
    Post.objects(id=post.id).update_one(set__like_count=3)
    response = revalidate(client, url, etag)
    assert response.status_code == 200
    assert page(response).select_one(".likes__count").get_text() == "3 likes"
