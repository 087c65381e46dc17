"""``flask --app tumblelog export USER``: one blogger's posts and comments as JSON."""
import json
import re

from pymongo.errors import ServerSelectionTimeoutError

from factories import make_post, make_user
from tumblelog.models import Comment


def export(runner, *args):
    result = runner.invoke(args=["export", *args])
    return result, (json.loads(result.stdout) if result.exit_code == 0 and result.stdout else None)


def test_exports_one_bloggers_posts_oldest_first_with_comments(runner):
    alice, bob = make_user("alice"), make_user("bob")
    text = make_post("blog", author=alice, tags=["ops"], title="Première", body="Hello *you*")
    text.add_comment(Comment(author_name="bob", author=bob, body="Nice — merci"))
    make_post("quote", author=bob)
    make_post("video", author=alice, caption="Watch")
    make_post("quote", author=alice, quote="Less is more.", source="Mies")

    result, data = export(runner, "alice")

    assert result.exit_code == 0, result.output
    assert data["username"] == "alice"
    assert [post["type"] for post in data["posts"]] == ["blog", "video", "quote"]
    first = data["posts"][0]
    assert first["id"] == str(text.id)
    assert (first["title"], first["body"], first["tags"]) == ("Première", "Hello *you*", ["ops"])
    assert first["author_name"] == "alice"
    assert [(c["author_name"], c["body"]) for c in first["comments"]] == [("bob", "Nice — merci")]
    assert first["created_at"].endswith("+00:00")
    assert data["posts"][1]["video_url"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert data["posts"][2]["source"] == "Mies"
    # Derived or internal fields stay out: they are rebuilt from the rest.
    assert not {"body_html", "_cls", "_id", "author", "comment_count"} & set(first)
    assert "Exported 3 posts by alice." in result.stderr


def test_export_finds_the_blogger_in_any_case_and_handles_an_empty_blog(runner):
    make_user("Alice")
    result, data = export(runner, "ALICE")
    assert result.exit_code == 0
    assert data["username"] == "Alice" and data["posts"] == []


def test_export_writes_to_a_file(runner, tmp_path):
    make_post("quote", quote="Kept in a file.")
    target = tmp_path / "alice.json"
    result = runner.invoke(args=["export", "alice", "--output", str(target)])
    assert result.exit_code == 0
    assert result.stdout == ""
    data = json.loads(target.read_text(encoding="utf-8"))
    assert [post["quote"] for post in data["posts"]] == ["Kept in a file."]


def test_export_of_an_unknown_blogger_fails_without_output(runner):
    result, _ = export(runner, "nobody")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "There is no blogger named 'nobody'" in result.stderr


def test_a_failed_export_leaves_the_earlier_file_whole(runner, tmp_path, monkeypatch):
    make_post("quote")
    target = tmp_path / "alice.json"
    target.write_text('{"earlier": true}', encoding="utf-8")

    def lost_connection(post):
        raise ServerSelectionTimeoutError("No servers found yet")

    monkeypatch.setattr("tumblelog.export.post_record", lost_connection)
    result = runner.invoke(args=["export", "alice", "--output", str(target)])
    assert result.exit_code == 1
    assert re.search(r"^Error: Cannot reach MongoDB at \S+ — is it running\? Check MONGODB_URI\.$", result.stderr)
    assert target.read_text(encoding="utf-8") == '{"earlier": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["alice.json"]
