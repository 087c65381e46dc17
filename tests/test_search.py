"""Search: every word, in any field, without case or accents; type and tag filters."""
import pytest

from conftest import page, post_ids
from factories import make_post
from roundtrips import round_trips
from tumblelog.keywords import fold, parse_query, search_terms, stem
from tumblelog.models import Post


def found(client, query, **filters):
    response = client.get("/search", query_string={"q": query, **filters})
    assert response.status_code == 200
    return post_ids(response)


@pytest.mark.parametrize(
    "post_type, field, text",
    [
        ("blog", "title", "Notes on narwhals"),
        ("blog", "body", "A *short* note about narwhals."),
        ("image", "caption", "Narwhals at dawn"),
        ("image", "alt", "Two narwhals under ice"),
        ("video", "caption", "Narwhals swimming"),
        ("quote", "quote", "Be more like narwhals, said nobody"),
        ("quote", "source", "The Narwhals Almanac"),
    ],
)
def test_search_finds_words_in_each_field(client, post_type, field, text):
    post = make_post(post_type, **{field: text})
    make_post("quote", quote="Something else entirely")
    assert found(client, "NARWHALS") == [str(post.id)]


def test_search_finds_tags(client):
    post = make_post("quote", tags=["deep sea"])
    assert found(client, "sea") == [str(post.id)]


@pytest.mark.parametrize("query", ["creme brulee", "CRÈME BRÛLÉE", "Cre\u0300me", "crème"])
def test_case_and_accents_do_not_matter(client, query):
    post = make_post("quote", quote="La Crème Brûlée")
    assert found(client, query) == [str(post.id)]


def test_accented_query_finds_plain_text(client):
    post = make_post("quote", quote="STRASSE and cafe")
    assert found(client, "Straße café") == [str(post.id)]


def test_every_word_is_required(client):
    both = make_post("quote", quote="Simple is better than complex.")
    make_post("quote", quote="Simple things")
    assert found(client, "simple complex") == [str(both.id)]
    assert found(client, "simple complex missing") == []


def test_a_quote_is_found_by_two_of_its_words_newest_first(client):
    older = make_post("quote", quote="Talk is cheap. Show me the code.")
    newer = make_post("quote", quote="Show me the code, then talk.")
    assert found(client, "code talk") == [str(newer.id), str(older.id)]


@pytest.mark.parametrize("query", [".*", "^", "[a-z]+", "(?i)", "\\", '{"$ne": 1}', "$where", "a|b", "*"])
def test_regex_and_operator_characters_are_literal(client, query):
    make_post("quote", quote="Everything should match a greedy pattern, yet nothing must")
    assert found(client, query) == []


def test_punctuated_words_match_as_words(client):
    post = make_post("blog", title="C++ and .NET", body="x")
    assert found(client, "c++ .net") == [str(post.id)]


def test_filter_by_type(client):
    quote = make_post("quote", quote="Owls at night")
    make_post("image", caption="Owls at night")
    assert found(client, "owls", type="quote") == [str(quote.id)]
    assert len(found(client, "owls", type="nonsense")) == 2


def test_filter_by_tag(client):
    tagged = make_post("quote", quote="Owls", tags=["Birds"])
    make_post("quote", quote="Owls", tags=["cats"])
    assert found(client, "owls", tag="birds") == [str(tagged.id)]
    assert found(client, "owls", tag="#BIRDS") == [str(tagged.id)]


def test_edits_are_searchable(client, auth):
    auth.register("alice")
    post = make_post("quote", quote="Old words")
    client.post(f"/post/{post.id}/edit", data={"quote": "Fresh words", "tags": ""})
    assert found(client, "fresh") == [str(post.id)]
    assert found(client, "old") == []


def test_results_page_and_keep_the_query(client):
    for _ in range(12):
        make_post("quote", quote="Owls again")
    response = client.get("/search?q=owls&type=quote")
    older = page(response).select_one("a[rel=next]")["href"]
    assert older.startswith("/search?q=owls&type=quote&before=")
    assert len(page(client.get(older)).select("article.post")) == 2
    assert len(found(client, "owls", type="quote", page="2")) == 2


def test_empty_search_shows_the_form_and_no_posts(client):
    make_post("quote")
    html = page(client.get("/search?q=+%21%21+"))
    assert html.select("article.post") == []
    assert html.select_one("main form[role=search] input[name=q]") is not None


def test_the_header_has_a_search_box(client):
    form = page(client.get("/")).select_one("header form[role=search]")
    assert (form["action"], form["method"]) == ("/search", "get")
    assert form.select_one("input[type=search]")["name"] == "q"


def test_a_long_query_is_cut_not_refused(client):
    assert client.get("/search", query_string={"q": "word " * 5000}).status_code == 200


def test_search_is_one_query(client):
    make_post("quote", quote="Owls")
    client.get("/search?q=owls")  # warms the top-tags cache
    with round_trips() as commands:
        assert len(found(client, "owls")) == 1
    assert commands == ["find"]


def test_fold_removes_case_and_accents():
    assert fold("Crème BRÛLÉE ﬁne Straße") == "creme brulee fine strasse"


def test_search_terms_are_distinct_and_bounded():
    assert search_terms("a b a", "B c") == ["a", "b", "c"]
    assert search_terms("x" * 100) == ["x" * 40]
    assert search_terms("Walking guides") == ["walking", "walk", "guides", "guid"]
    assert len(parse_query(" ".join(f"w{i}" for i in range(50))).words) == 10


# Stemming: any form of a word finds the others.


@pytest.mark.parametrize(
    "text, query",
    [
        ("A guide to the hills", "guides"),
        ("Three guides to the hills", "guide"),
        ("We walk every day", "walking"),
        ("Walking, walked, walks", "walk"),
        ("Happiness is a warm dog", "happy dogs"),
        ("Running the numbers", "runs numbered"),
    ],
)
def test_any_form_of_a_word_finds_the_others(client, text, query):
    post = make_post("quote", quote=text)
    make_post("quote", quote="Something else entirely")
    assert found(client, query) == [str(post.id)]


def test_posts_and_queries_stem_the_same_way():
    assert stem("walking") == stem("walks") == stem("walked") == stem("walk") == "walk"
    assert set(parse_query("Walking, GUIDES.").stems) == {stem("walking"), stem("guides")}


def test_the_last_word_may_be_unfinished_after_another_word(client):
    walking = make_post("quote", quote="Dog walking at dawn")
    make_post("quote", quote="Dog wallpaper")
    assert found(client, "dog walki") == [str(walking.id)]
    assert found(client, "dog walki ") == []  # a space says the word is finished
    assert found(client, "dog wa") == []  # too short to be a beginning
    assert found(client, "walki") == []  # a lone word is matched whole: see keywords.py


@pytest.mark.parametrize("query", ["dog \U0010ffff", "dog " + "z" * 60, "dog \u0000x", "dog ½"])
def test_odd_last_words_are_safe(client, query):
    make_post("quote", quote="Dog walking")
    assert client.get("/search", query_string={"q": query}).status_code == 200


def test_a_site_language_stems_its_own_words(app_factory):
    app = app_factory(SEARCH_LANGUAGE="german")
    client = app.test_client()
    with app.app_context():
        post = make_post("quote", quote="Die Häuser am Fluss")
    assert found(client, "haus") == [str(post.id)]


def test_reindex_stems_posts_saved_before_stemming(client, runner):
    post = make_post("quote", quote="Walking guides")
    Post.objects(id=post.id).update_one(set__search_terms=["walking", "guides"])
    assert found(client, "walk") == []
    runner.invoke(args=["search", "reindex"])
    assert found(client, "walk guide") == [str(post.id)]


def test_reindex_command_fills_missing_terms(client, runner):
    post = make_post("quote", quote="Forgotten words")
    Post.objects(id=post.id).update_one(unset__search_terms=True)
    assert found(client, "forgotten") == []
    result = runner.invoke(args=["search", "reindex"])
    assert "Reindexing posts" in result.output  # the progress bar
    assert "Reindexed 1 posts." in result.output
    assert found(client, "forgotten") == [str(post.id)]


def test_page_links_take_no_url_for_options_from_the_query(client):
    for _ in range(12):
        make_post("quote", quote="Owls again")
    response = client.get("/search?q=owls&_scheme=javascript&_external=1&_anchor=x")
    assert page(response).select_one("a[rel=next]")["href"].startswith("/search?q=owls&before=")
