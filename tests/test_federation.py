"""A blog as a fediverse account: WebFinger, NodeInfo, the actor document, posts as
ActivityStreams objects, the outbox and the collections; all gone when switched off."""
import pytest

from tests.factories import make_post, make_user
from tests.roundtrips import round_trips
from tumblelog.federation import httpsig, net, objects
from tumblelog.federation.models import ActorKey
from tumblelog.models import POST_TYPES, Post

ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@pytest.fixture
def alice(app):
    with app.app_context():
        return make_user("alice")


def test_a_mastodon_user_finds_a_blogger_by_handle(client, alice):
    found = client.get("/.well-known/webfinger?resource=acct:alice@localhost")
    assert found.status_code == 200
    assert found.json["subject"] == "acct:alice@localhost"
    assert {"rel": "self", "type": ACTIVITY_JSON, "href": "http://localhost/user/alice"} in found.json["links"]


@pytest.mark.parametrize("resource", [
    "acct:nobody@localhost", "acct:alice@elsewhere.example", "alice@localhost", "acct:alice", "", "acct:@localhost",
])
def test_webfinger_knows_only_our_own_bloggers(client, alice, resource):
    assert client.get("/.well-known/webfinger", query_string={"resource": resource}).status_code == 404


def test_nodeinfo_says_what_the_site_runs_and_counts(client, alice, app):
    with app.app_context():
        make_post("quote", author=alice)
    link = client.get("/.well-known/nodeinfo").json["links"][0]["href"]
    info = client.get(link.removeprefix("http://localhost")).json
    assert info["software"]["name"] == "tumblelog"
    assert info["protocols"] == ["activitypub"]
    assert info["usage"] == {"users": {"total": 1}, "localPosts": 1}


@pytest.mark.parametrize("accept", [ACTIVITY_JSON, LD_JSON])
def test_the_blog_url_is_the_bloggers_actor_for_fediverse_clients(client, alice, accept):
    response = client.get("/user/alice", headers={"Accept": accept})
    assert response.content_type == ACTIVITY_JSON
    assert "Accept" in response.vary
    actor = response.get_json(force=True)
    assert actor["type"] == "Person"
    assert actor["id"] == actor["url"] == "http://localhost/user/alice"
    assert actor["preferredUsername"] == "alice"
    assert actor["inbox"] == "http://localhost/user/alice/inbox"
    for collection in ("outbox", "followers", "following"):
        assert client.get(actor[collection].removeprefix("http://localhost")).status_code == 200
    assert actor["publicKey"]["owner"] == actor["id"]
    assert actor["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_browsers_still_get_the_blog_page_which_varies_by_accept(client, alice):
    response = client.get("/user/alice", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.content_type.startswith("text/html")
    assert "Accept" in response.vary


def test_unknown_bloggers_have_no_actor(client):
    assert client.get("/user/nobody", headers={"Accept": ACTIVITY_JSON}).status_code == 404


def test_a_blogger_keeps_one_key_pair_and_its_private_half_is_never_shown(client, alice, app):
    first = client.get("/user/alice", headers={"Accept": ACTIVITY_JSON}).get_json(force=True)
    second = client.get("/user/alice", headers={"Accept": ACTIVITY_JSON}).get_json(force=True)
    assert first["publicKey"] == second["publicKey"]
    with app.app_context():
        assert ActorKey.objects.count() == 1
    for response in (client.get("/user/alice", headers={"Accept": ACTIVITY_JSON}), client.get("/user/alice/outbox?page=1")):
        assert "PRIVATE KEY" not in response.get_data(as_text=True)


def test_the_outbox_pages_the_bloggers_posts_as_create_activities(app_factory, alice):
    app = app_factory()
    with app.app_context():
        bob = make_user("bob")
        [make_post("quote", author=bob, quote=f"quote {n}") for n in range(25)]
    client = app.test_client()
    outbox = client.get("/user/bob/outbox").get_json(force=True)
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 25
    first = client.get(outbox["first"].removeprefix("http://localhost")).get_json(force=True)
    assert [item["type"] for item in first["orderedItems"]] == ["Create"] * 20
    assert first["orderedItems"][0]["object"]["content"].startswith("<blockquote><p>quote 24</p>")
    last = client.get(first["next"].removeprefix("http://localhost")).get_json(force=True)
    assert len(last["orderedItems"]) == 5 and "next" not in last


@pytest.mark.parametrize("page", ["0", "101", "-1"])
def test_outbox_pages_out_of_range_are_not_found(client, alice, page):
    assert client.get(f"/user/alice/outbox?page={page}").status_code == 404


def as_object(app, post):
    with app.test_request_context(base_url="https://blog.example"):
        return objects.post_object(post)


def test_a_text_post_is_an_article_with_its_title_and_sanitised_html(app, alice):
    with app.app_context():
        post = make_post("blog", author=alice, title="On <b>tags</b>", body="Hi <script>x</script> *there*", tags=["python"])
    article = as_object(app, post)
    assert article["type"] == "Article" and article["name"] == "On <b>tags</b>"
    assert "<script>" not in article["content"] and "<em>there</em>" in article["content"]
    # The id never changes; the url is the readable permalink, which a new title changes.
    assert article["id"] == f"https://blog.example/post/{post.id}"
    assert article["url"] == f"https://blog.example/post/{post.id}/{post.slug}"
    assert article["attributedTo"] == "https://blog.example/user/alice"
    assert article["tag"] == [{"type": "Hashtag", "href": "https://blog.example/tag/python", "name": "#python"}]
    assert article["to"] == [objects.PUBLIC] and article["published"].endswith("Z")


def test_an_image_post_carries_its_image_with_the_alt_text_as_name(app, alice):
    with app.app_context():
        post = make_post("image", author=alice, alt="A <cat> asleep", caption="Sunday")
    note = as_object(app, post)
    assert note["type"] == "Note" and note["content"] == "<p>Sunday</p>"
    assert note["attachment"] == [{"type": "Image", "url": "https://images.example.com/cat.jpg", "name": "A <cat> asleep"}]


def test_a_video_post_is_a_note_linking_the_video(app, alice):
    with app.app_context():
        post = make_post("video", author=alice, caption="<i>Watch</i>")
    note = as_object(app, post)
    assert note["type"] == "Note"
    assert note["content"] == (
        "<p>&lt;i&gt;Watch&lt;/i&gt;</p>"
        '<p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">https://www.youtube.com/watch?v=dQw4w9WgXcQ</a></p>'
    )


def test_a_quote_post_is_a_blockquote_with_its_source(app, alice):
    with app.app_context():
        post = make_post("quote", author=alice, quote="Less <is> more", source="Mies")
    assert as_object(app, post)["content"] == "<blockquote><p>Less &lt;is&gt; more</p></blockquote><p>— Mies</p>"


def test_a_link_post_links_its_url_with_its_title_and_description(app, alice):
    with app.app_context():
        post = make_post("link", author=alice)
    assert as_object(app, post)["content"] == (
        '<p><a href="https://example.org/read/this">Worth reading</a></p><p>A <em>good</em> read.</p>\n'
    )


def test_a_chat_is_a_list_with_a_line_per_item(app, alice):
    with app.app_context():
        post = make_post("chat", author=alice)
    assert as_object(app, post)["content"] == (
        "<p>At the desk</p><ul><li><strong>Ada:</strong> Tests pass?</li><li><strong>Linus:</strong> On my machine.</li></ul>"
    )


def test_a_photoset_carries_each_image_with_its_own_alt(app, alice):
    with app.app_context():
        post = make_post("photoset", author=alice)
    assert [(image["url"], image["name"]) for image in as_object(app, post)["attachment"]] == [
        ("https://images.example.com/one.jpg", "A red door"), ("https://images.example.com/two.jpg", "A blue door"),
    ]


def test_an_audio_link_is_a_note_naming_the_track_and_linking_it(app, alice):
    with app.app_context():
        post = make_post("audio", author=alice)
    assert as_object(app, post)["content"] == (
        "<p>Flickermood — Forss</p>"
        '<p><a href="https://soundcloud.com/forss/flickermood">https://soundcloud.com/forss/flickermood</a></p>'
    )


@pytest.mark.parametrize("post_type", sorted(POST_TYPES))
def test_every_post_type_federates_with_its_own_content(app, alice, post_type):
    with app.app_context():
        post = make_post(post_type, author=alice)
    obj = as_object(app, post)
    assert obj["type"] in ("Note", "Article") and obj["content"]
    assert f"/post/{post.id}\"" not in obj["content"]  # not the fallback's bare link


def test_a_post_type_without_a_mapping_falls_back_to_a_note_linking_it(app, alice, monkeypatch):
    with app.app_context():
        post = make_post("quote", author=alice)
    monkeypatch.setattr(type(post), "type", "hologram")
    note = as_object(app, post)
    assert note["type"] == "Note"
    assert f'href="https://blog.example/post/{post.id}/{post.slug}"' in note["content"]


def test_signatures_made_here_verify_and_a_changed_byte_does_not(app):
    private, public = httpsig.new_key_pair()
    body = b'{"type": "Follow"}'
    headers = httpsig.sign("POST", "https://blog.example/user/alice/inbox", body, "https://x.example/a#k", private)
    lowered = {name.lower(): value for name, value in headers.items()}
    params = httpsig.parse_signature(lowered["signature"])
    assert params["headers"] == "(request-target) host date digest"
    httpsig.verify(httpsig.check_request(params, "POST", "/user/alice/inbox", lowered, body), params, public)
    with pytest.raises(httpsig.SignatureError):
        httpsig.check_request(params, "POST", "/user/alice/inbox", lowered, body + b" ")
    with pytest.raises(httpsig.SignatureError):
        httpsig.verify(httpsig.check_request(params, "POST", "/user/bob/inbox", lowered, body), params, public)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1"])
def test_outgoing_requests_refuse_private_loopback_and_link_local_addresses(address):
    assert not net.public_address(address)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/inbox", "http://localhost/users/x", "http://[::1]/x",
                                 "http://169.254.169.254/latest/meta-data/", "ftp://example.com/x", "file:///etc/passwd"])
def test_no_request_is_sent_to_a_private_address_or_another_scheme(app, url):
    with app.app_context(), pytest.raises(net.FetchError):
        net.fetch_json(url)


def test_public_addresses_are_allowed():
    assert net.public_address("93.184.216.34") and net.public_address("2606:4700::1111")


@pytest.mark.parametrize("path", ["/.well-known/webfinger?resource=acct:alice@localhost", "/.well-known/nodeinfo",
                                  "/nodeinfo/2.1", "/user/alice/outbox", "/user/alice/followers", "/user/alice/following"])
def test_switched_off_every_federation_route_is_not_found(app_factory, path):
    app = app_factory(FEDERATION_ENABLED=False)
    with app.app_context():
        make_user("alice")
    client = app.test_client()
    assert client.get(path).status_code == 404
    assert client.post("/user/alice/inbox", json={}).status_code == 404
    blog = client.get("/user/alice", headers={"Accept": ACTIVITY_JSON})
    assert blog.status_code == 200 and blog.content_type.startswith("text/html")


def test_listening_for_posts_leaves_other_deletes_whole(app):
    # A delete receiver makes MongoEngine delete one document at a time and report what
    # it loaded, not what it deleted: likes count on the real number.
    from mongoengine import signals

    from tumblelog.models import Like

    assert not signals.post_delete.has_receivers_for(Like)
    assert signals.post_delete.has_receivers_for(Post)


FEDERATION_READS = [
    ("/user/alice", {"Accept": ACTIVITY_JSON}),
    ("/.well-known/webfinger?resource=acct:alice@localhost", {}),
    ("/nodeinfo/2.1", {}),
    ("/user/alice/outbox", {}),
    ("/user/alice/outbox?page=1", {}),
    ("/user/alice/followers", {}),
]


def test_federation_documents_cost_a_few_round_trips_however_many_posts(app_factory):
    def measured(posts):
        app = app_factory()
        with app.app_context():
            author = make_user("alice")
            for number in range(posts):
                make_post("quote", author=author, quote=f"quote {number}")
        client = app.test_client()
        costs = {}
        for url, headers in FEDERATION_READS:
            client.get(url, headers=headers)  # the key pair is made on the first request
            with round_trips() as commands:
                assert client.get(url, headers=headers).status_code == 200
            costs[url] = len(commands)
        return costs

    few, many = measured(2), measured(45)
    assert few == many
    assert max(many.values()) <= 3, many


def test_ids_and_handles_use_the_configured_host_whatever_host_was_asked(app_factory):
    app = app_factory(TRUSTED_HOSTS=["blog.example", "localhost"])
    with app.app_context():
        make_user("alice")
    client = app.test_client()
    actor = client.get("/user/alice", headers={"Accept": ACTIVITY_JSON}).get_json(force=True)
    assert actor["id"] == "http://blog.example/user/alice"
    assert actor["inbox"] == "http://blog.example/user/alice/inbox"
    assert client.get("/.well-known/webfinger?resource=acct:alice@blog.example").json["subject"] == "acct:alice@blog.example"
    assert client.get("/.well-known/webfinger?resource=acct:alice@localhost").status_code == 404


def test_a_labelled_post_is_sensitive_with_its_labels_as_summary(app, alice):
    with app.app_context():
        post = make_post("quote", author=alice, labels=["violence", "mature"])
        plain = make_post("quote", author=alice)
    labelled = as_object(app, post)
    assert labelled["sensitive"] is True and labelled["summary"] == "Violence, Mature"
    assert "sensitive" not in as_object(app, plain) and "summary" not in as_object(app, plain)


def test_a_reblog_is_a_boost_and_a_reblog_with_a_comment_quotes_its_original(app, client, alice):
    from tumblelog.notes import reblog

    with app.app_context():
        bob = make_user("bob")
        original = make_post("quote", author=alice)
        boosted = reblog(original, bob)
        quoted = reblog(original, bob, comment="So *true*")
    items = {item["type"]: item for item in client.get("/user/bob/outbox?page=1").get_json(force=True)["orderedItems"]}
    announce = items["Announce"]
    assert announce["object"] == f"http://localhost/post/{original.id}"
    assert announce["id"] == f"http://localhost/post/{boosted.id}#announce" and announce["actor"] == "http://localhost/user/bob"
    assert announce["to"] == [objects.PUBLIC]
    note = items["Create"]["object"]
    assert note["id"] == f"http://localhost/post/{quoted.id}"
    assert note["content"] == (f'<p>So <em>true</em></p>\n<p>RE: <a href="http://localhost/post/{original.id}">'
                               f'http://localhost/post/{original.id}</a></p>')


def test_fetches_are_signed_for_servers_that_ask_every_fetch_to_be(app, monkeypatch):
    private, public = httpsig.new_key_pair()
    seen = {}

    def request(method, url, body=None, headers=None):
        seen.update(method=method, headers={name.lower(): value for name, value in headers.items()})
        return 200, b'{"id": "https://social.example/users/carol"}'

    monkeypatch.setattr(net, "request", request)
    with app.app_context():
        net.fetch_json("https://social.example/users/carol", ("https://blog.example/user/alice#main-key", private))
    params = httpsig.parse_signature(seen["headers"]["signature"])
    assert params["keyId"] == "https://blog.example/user/alice#main-key"
    signed = httpsig.check_request(params, "GET", "/users/carol", seen["headers"], b"")
    httpsig.verify(signed, params, public)


def test_the_actor_shows_the_bloggers_avatar_and_profile(client, alice, app):
    from bson import ObjectId

    from tumblelog.models import User

    avatar = ObjectId()
    with app.app_context():
        User.objects(id=alice.id).update_one(set__avatar_large=avatar, set__display_name="Alice L.", set__bio="I <3 tags")
    actor = client.get("/user/alice", headers={"Accept": ACTIVITY_JSON}).get_json(force=True)
    assert actor["icon"] == {"type": "Image", "url": f"http://localhost/media/{avatar}"}
    assert actor["name"] == "Alice L." and actor["summary"] == "I &lt;3 tags"
