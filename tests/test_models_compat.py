"""Workarounds for the libraries under the models, each failing here when the library
changes under it."""
from unittest import mock

import pytest
from mongoengine.dereference import DeReference

from factories import make_user
from tumblelog.models import User


def test_an_account_s_id_lists_are_read_without_walking_them(app):
    """MongoEngine 0.29 walks every list a document reads for references to load;
    ``IdListField`` opts out (models.py)."""
    with app.app_context():
        make_user("reader")
        User.objects(username="reader").update_one(push_all__recent_likes=[make_user("bob").id])
        with mock.patch.object(DeReference, "__call__", side_effect=AssertionError("walked")):
            reader = User.by_username("reader")
            assert reader.recent_likes == [User.by_username("bob").id]
            assert reader.followed_users == [] and reader.blocked_users == []
            # Still a tracked list: changed in place, it saves.
            reader.recent_likes.append(reader.id)
            assert "recent_likes" in reader._get_changed_fields()


def test_mongoengine_still_walks_plain_lists(app):
    """When this fails, MongoEngine no longer walks plain lists: IdListField can go."""
    with app.app_context():
        make_user("reader")
        reader = User.by_username("reader")
        with mock.patch.object(DeReference, "__call__", side_effect=AssertionError("walked")):
            with pytest.raises(AssertionError, match="walked"):
                reader.notifications_off.append("like")  # a plain ListField
