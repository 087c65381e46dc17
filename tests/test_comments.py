"""Comments: readers with or without an account, oldest first, and never lost."""
import pytest

from conftest import page, textarea_value
from factories import make_post, make_user
from tumblelog.models import Comment, Post, User


def comments_on(client, post):
    html = page(client.get(f"/post/{post.id}", follow_redirects=True))
    return [
        (li.select_one(".comment__meta strong").get_text(), li.select_one(".comment__body").get_text())
        for li in html.select("li.comment")
    ]


def test_reader_comments_with_a_name(client):
    post = make_post("quote")
    response = client.post(f"/post/{post.id}/comments", data={"name": "Sam", "body": "Lovely quote."})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/post/{post.id}/{post.slug}#comment-")
    assert comments_on(client, post) == [("Sam", "Lovely quote.")]


def test_anonymous_comment_needs_a_name(client):
    post = make_post("quote")
    response = client.post(f"/post/{post.id}/comments", data={"body": "Who am I?"})
    assert response.status_code == 422
    html = page(response)
    assert "name" in html.select_one("#name-error").get_text()
    assert textarea_value(html.select_one("textarea#body")) == "Who am I?"
    assert Post.objects.get(id=post.id).comment_count == 0


def test_signed_in_comment_is_attributed_to_the_user(client, auth):
    post = make_post("quote")
    auth.register("bob")
    client.post(f"/post/{post.id}/comments", data={"name": "Someone else", "body": "Mine."})
    assert comments_on(client, post) == [("bob", "Mine.")]
    stored = Post.objects.get(id=post.id).comments[0]
    assert stored.author.fetch().username == "bob"
    assert page(client.get(f"/post/{post.id}", follow_redirects=True)).select_one("li.comment a")["href"] == "/user/bob"


def test_comments_are_shown_oldest_first_with_a_count(client):
    post = make_post("blog")
    for body in ("first", "second", "third"):
        client.post(f"/post/{post.id}/comments", data={"name": "Sam", "body": body})
    assert [body for _, body in comments_on(client, post)] == ["first", "second", "third"]
    assert page(client.get(f"/post/{post.id}", follow_redirects=True)).select_one("#comments-heading").get_text() == "3 comments"
    assert page(client.get("/")).select_one(".post__comments").get_text() == "3 comments"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "Sam", "body": ""}, "body"),
        ({"name": "Sam", "body": "   "}, "body"),
        ({"name": "Sam", "body": "x" * 2001}, "body"),
        ({"name": "S" * 65, "body": "hi"}, "name"),
    ],
)
def test_bad_comments_are_refused_with_a_reason(client, data, field):
    post = make_post("quote")
    response = client.post(f"/post/{post.id}/comments", data=data)
    assert response.status_code == 422
    assert page(response).select_one(f"#{field}-error") is not None
    assert Post.objects.get(id=post.id).comments == []


def test_comment_text_is_shown_as_text(client):
    post = make_post("quote")
    client.post(f"/post/{post.id}/comments", data={"name": "<b>Eve</b>", "body": "<script>alert(1)</script>"})
    html = page(client.get(f"/post/{post.id}", follow_redirects=True))
    assert html.select("li.comment script") == []
    assert html.select("li.comment b") == []
    assert html.select_one(".comment__body").get_text() == "<script>alert(1)</script>"


def test_two_readers_loading_the_same_post_both_keep_their_comments(app):
    """The read-modify-save race (MongoEngine #1938) cannot happen with $push."""
    post = make_post("quote")
    first_reader = Post.objects.get(id=post.id)
    second_reader = Post.objects.get(id=post.id)
    assert first_reader.add_comment(Comment(author_name="A", body="one"))
    assert second_reader.add_comment(Comment(author_name="B", body="two"))
    stored = Post.objects.get(id=post.id)
    assert sorted(c.body for c in stored.comments) == ["one", "two"]
    assert stored.comment_count == 2


def test_read_modify_save_would_lose_a_comment(app):
    """Why add_comment uses $push: the obvious way loses one of two comments."""
    post = make_post("quote")
    first_reader = Post.objects.get(id=post.id)
    second_reader = Post.objects.get(id=post.id)
    first_reader.comments.append(Comment(author_name="A", body="one"))
    second_reader.comments.append(Comment(author_name="B", body="two"))
    first_reader.save()
    second_reader.save()
    assert len(Post.objects.get(id=post.id).comments) == 1


def test_comment_on_a_deleted_post_is_404(client):
    post = make_post("quote")
    Post.objects(id=post.id).delete()
    response = client.post(f"/post/{post.id}/comments", data={"name": "Sam", "body": "late"})
    assert response.status_code == 404


def test_lists_do_not_load_comments(client):
    post = make_post("quote")
    post.add_comment(Comment(author_name="Sam", body="hi"))
    listed = Post.listing().first()
    assert listed.comments == []
    assert listed.comment_count == 1
    assert page(client.get("/")).select_one(".post__comments").get_text() == "1 comment"


# --- Guests and the names of accounts ----------------------------------------------------


def test_a_guests_comment_is_marked_as_a_guests(client, auth):
    post = make_post("quote")
    client.post(f"/post/{post.id}/comments", data={"name": "Sam", "body": "Passing by."})
    auth.register("bob")
    client.post(f"/post/{post.id}/comments", data={"body": "Signed in."})
    html = page(client.get(f"/post/{post.id}", follow_redirects=True))
    badges = [(li.select_one(".comment__meta strong").get_text(), [b.get_text() for b in li.select(".badge")])
              for li in html.select("li.comment")]
    assert badges == [("Sam", ["guest"]), ("bob", [])]


@pytest.mark.parametrize("name", ["alice", "ALICE", "  Alice ", "admin", "Moderator", "gone"])
def test_a_guest_cannot_sign_with_an_accounts_name(client, name):
    post = make_post("quote")  # by alice
    make_user("gone").retire_name()  # an account since removed
    User.objects(username_key="gone").delete()
    response = client.post(f"/post/{post.id}/comments", data={"name": name, "body": "I am them."})
    assert response.status_code == 422
    assert "is the name of an account here" in page(response).select_one("#name-error").get_text()
    assert Post.objects.get(id=post.id).comment_count == 0


def test_a_signed_in_reader_may_send_any_name_field(client, auth):
    """Only a guest's name is shown; a signed-in reader's comment carries their account."""
    post = make_post("quote")
    auth.register("bob")
    assert client.post(f"/post/{post.id}/comments", data={"name": "alice", "body": "Hi."}).status_code == 303
    assert comments_on(client, post) == [("bob", "Hi.")]
